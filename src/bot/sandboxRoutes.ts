import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { renderReply, SANDBOX_AGENT, type SandboxWorld } from '../sandbox/sandboxWorld';
import { HttpProblem, readJson, sendJson, sendProblem } from './httpJson';

const customerId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'customer ids are 1–64 letters, digits, _ or -');
const messageBody = z.object({ text: z.string().min(1, 'text must not be empty').max(2048) }).strict();
const enterBody = z.object({ scene: z.string().max(32).optional() }).strict();

/**
 * `/sandbox/...`: chat as a simulated WeChat customer over plain HTTP (only in the sandbox).
 *
 * @example
 * curl -X POST localhost:3978/sandbox/customers/alice/messages -H 'content-type: application/json' -d '{"text":"hi"}'
 * curl localhost:3978/sandbox/customers/alice/messages
 */
export function registerSandboxRoutes(server: Server, world: SandboxWorld): void {
  const handle = (fn: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response): Promise<void> => {
    try {
      await fn(req, res);
    } catch (e) {
      sendProblem(res, e);
    }
  };
  const customer = (req: Request): string => {
    const parsed = customerId.safeParse(req.params.customerId);
    if (!parsed.success) throw new HttpProblem(400, 'invalid_parameter', parsed.error.issues[0]?.message ?? 'bad customer id');
    return parsed.data;
  };

  server.get('/sandbox', handle(async (_req, res) => {
    sendJson(res, 200, {
      corpId: world.corp.corpId,
      openKfId: world.openKfId,
      emulator: world.emulator.baseUrl,
      try: [
        'POST /sandbox/customers/{id}/messages {"text":"hello"}',
        'POST /sandbox/customers/{id}/enter',
        'GET  /sandbox/customers/{id}/messages',
        'POST /sandbox/customers/{id}/agent {"text":"..."}  (the human agent, after a handoff)',
        'POST /sandbox/customers/{id}/agent/end',
      ],
    });
  }));

  server.post('/sandbox/customers/:customerId/messages', handle(async (req, res) => {
    const id = customer(req);
    const { text } = await readJson(req, messageBody);
    sendJson(res, 202, { msgid: await world.say(id, text) });
  }));

  server.post('/sandbox/customers/:customerId/enter', handle(async (req, res) => {
    const id = customer(req);
    const { scene } = await readJson(req, enterBody);
    sendJson(res, 202, await world.enter(id, scene));
  }));

  server.post('/sandbox/customers/:customerId/agent', handle(async (req, res) => {
    const id = customer(req);
    const { text } = await readJson(req, messageBody);
    await world.agentSays(id, text);
    sendJson(res, 202, { agent: SANDBOX_AGENT });
  }));

  server.post('/sandbox/customers/:customerId/agent/end', handle(async (req, res) => {
    await world.agentEnds(customer(req));
    sendJson(res, 202, { ended: true });
  }));

  server.get('/sandbox/customers/:customerId/messages', handle(async (req, res) => {
    const id = customer(req);
    sendJson(res, 200, world.replies(id).map((m) => ({ msgid: m.msgid, msgtype: m.msgtype, via: m.via, text: renderReply(m), payload: m.payload, at: new Date(m.at).toISOString() })));
  }));
}
