import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { maxBytesFor, type MediaType, readMediaPart, renderReply, SANDBOX_AGENT, SandboxAttachmentError, type SandboxWorld } from '../sandbox';
import { HttpProblem, readJson, sendJson, sendProblem } from './httpJson';

const customerId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'customer ids are 1–64 letters, digits, _ or -');
const messageBody = z.object({ text: z.string().min(1, 'text must not be empty').max(2048) }).strict();
const mediaType = z.enum(['image', 'voice', 'video', 'file']);
const attachment = z.object({
  type: mediaType,
  filename: z.string().min(1).max(128),
  base64: z.base64('base64 must be the file\'s bytes in base64'),
  contentType: z.string().max(128).optional(),
}).strict();
const customerMessageBody = z.union([messageBody, z.object({ attachment }).strict()]);
/** A 20 MB file (WeCom's largest) in base64, with room for the JSON around it. */
const attachmentBodyLimit = 28 * 1024 * 1024;
const enterBody = z.object({ scene: z.string().max(32).optional() }).strict();

/**
 * `/sandbox/...`: chat as a simulated WeChat customer over plain HTTP (only in the sandbox).
 *
 * @example
 * curl -X POST localhost:3978/sandbox/customers/alice/messages -H 'content-type: application/json' -d '{"text":"hi"}'
 * curl localhost:3978/sandbox/customers/alice/messages   # the bot's and the human agent's messages, `from` says whose
 */
export function registerSandboxRoutes(server: Server, world: SandboxWorld): void {
  const handle = (fn: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response): Promise<void> => {
    try {
      await fn(req, res);
    } catch (e) {
      sendProblem(res, e);
    }
  };
  // Provider mode's sandbox has two demo corps: `?corp=b` (or a corp id) picks one; default the first.
  const corpOf = (req: Request): SandboxWorld => {
    const key = new URL(req.url ?? '/', 'http://localhost').searchParams.get('corp');
    if (!key) return world;
    const picked = world.demoCorp(key);
    if (!picked) throw new HttpProblem(404, 'unknown_corp', `no demo corp ${JSON.stringify(key)}: use ${world.demoCorps.map((w, i) => `${'ab'[i] ?? i} (${w.corp.corpId})`).join(' or ')}`);
    return picked;
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
      ...(world.suite ? { suiteId: world.suite.suiteId, corps: world.demoCorps.map((w) => ({ corpId: w.corp.corpId, openKfId: w.openKfId })) } : {}),
      emulator: world.emulator.baseUrl,
      try: [
        'POST /sandbox/customers/{id}/messages {"text":"hello"}',
        'POST /sandbox/customers/{id}/messages {"attachment":{"type":"image","filename":"cat.png","base64":"..."}}',
        'POST /sandbox/customers/{id}/messages?type=image  multipart, the file in a part named media (curl -F media=@cat.png)',
        'POST /sandbox/customers/{id}/enter',
        'GET  /sandbox/customers/{id}/messages',
        'POST /sandbox/customers/{id}/agent {"text":"..."}  (the human agent, after a handoff)',
        'POST /sandbox/customers/{id}/agent/end',
        ...(world.suite ? ['any of these with ?corp=b: a customer of the second demo corp'] : []),
      ],
    });
  }));

  server.post('/sandbox/customers/:customerId/messages', handle(async (req, res) => {
    const id = customer(req);
    const w = corpOf(req);
    const sendFile = async (type: MediaType, filename: string, bytes: Buffer, contentType?: string): Promise<void> => {
      try {
        sendJson(res, 202, { msgid: (await w.sendAttachment(id, { type, filename, contentType, bytes })).msgid });
      } catch (e) {
        if (e instanceof SandboxAttachmentError) throw new HttpProblem(400, e.code, e.message);
        throw e;
      }
    };
    // A file as WeCom's own media/upload takes one: `?type=image` and a multipart part named `media`.
    if (String(req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      const type = mediaType.safeParse(new URL(req.url ?? '/', 'http://localhost').searchParams.get('type'));
      if (!type.success) throw new HttpProblem(400, 'invalid_parameter', 'a multipart upload needs ?type=image, voice, video or file');
      const max = maxBytesFor(type.data, world.emulator.switches.imageMaxBytes);
      const upload = await readMediaPart(req, max);
      if (upload.kind !== 'file') throw new HttpProblem(400, 'invalid_body', 'send the file as a multipart part named "media", with a filename (curl -F media=@cat.png)');
      if (upload.part.truncated) throw new HttpProblem(413, 'payload_too_large', `WeCom takes at most ${max} bytes for a ${type.data}`);
      return sendFile(type.data, upload.part.filename, upload.part.bytes, upload.part.mimeType === 'application/octet-stream' ? undefined : upload.part.mimeType);
    }
    const body = await readJson(req, customerMessageBody, attachmentBodyLimit);
    if ('text' in body) return sendJson(res, 202, { msgid: (await w.say(id, body.text)).msgid });
    const { type, filename, base64, contentType } = body.attachment;
    await sendFile(type, filename, Buffer.from(base64, 'base64'), contentType);
  }));

  server.post('/sandbox/customers/:customerId/enter', handle(async (req, res) => {
    const id = customer(req);
    const { scene } = await readJson(req, enterBody);
    sendJson(res, 202, await corpOf(req).enter(id, scene));
  }));

  server.post('/sandbox/customers/:customerId/agent', handle(async (req, res) => {
    const id = customer(req);
    const { text } = await readJson(req, messageBody);
    await corpOf(req).agentSays(id, text);
    sendJson(res, 202, { agent: SANDBOX_AGENT });
  }));

  server.post('/sandbox/customers/:customerId/agent/end', handle(async (req, res) => {
    await corpOf(req).agentEnds(customer(req));
    sendJson(res, 202, { ended: true });
  }));

  server.get('/sandbox/customers/:customerId/messages', handle(async (req, res) => {
    const id = customer(req);
    sendJson(res, 200, corpOf(req).transcript(id).map((m) => ({ msgid: m.msgid, from: m.from, msgtype: m.msgtype, via: m.via, text: renderReply(m), payload: m.payload, at: new Date(m.at).toISOString() })));
  }));
}
