import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { EventFactory } from 'botbuilder';
import type { OffsetClock } from '../../common/clock';
import { isChannelError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { LicenceInactiveError } from '../../licensing';
import { ConversationLockedError, MediaRejectedError } from '../../middleware';
import type { SandboxWorld } from '../../sandbox';
import type { WeComAdapter } from '../../botbuilder';
import { bearerMatches, HttpProblem, readJson, sendJson, sendProblem } from '../httpJson';
import { ConsoleEventHub } from './consoleEvents';
import { consolePage } from './consolePage';
import { readSnapshot } from './consoleState';

export interface ConsoleRoutesOptions {
  readonly adapter: WeComAdapter;
  readonly mode: string;
  /** The console's API asks for it as a bearer, like `/admin/v1`. Unset: the console only says how to turn it on. */
  readonly adminToken?: string;
  readonly testClock?: OffsetClock;
  readonly logger: Logger;
  /** The sandbox's WeCom: adds the customer view, and the human agent of the WeCom client. */
  readonly sandbox?: SandboxWorld;
  /** Where the bundled browser code is. Default: `dist/console` of this package. */
  readonly assetsDir?: string;
}

const textBody = z.object({ text: z.string().trim().min(1, 'text must not be empty').max(2048) }).strict();
const takeOverBody = z.object({ servicer: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'servicer is the WeCom userid of a servicer').optional() }).strict();
const menuBody = z.object({ menuId: z.string().min(1).max(64), content: z.string().min(1).max(1024) }).strict();
const customerId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'customer ids are 1–64 letters, digits, _ or -');
const mediaId = z.string().regex(/^[A-Za-z0-9_.-]{1,256}$/, 'bad media id');

/** The package's root, from src/bot/console (tests) or dist/bot/console (built). */
const packageRoot = resolve(__dirname, '..', '..', '..');

/**
 * The web console: `GET /` serves the page; `/console/api/...` and the `/console/events` stream
 * answer it (bearer `ADMIN_TOKEN`, like `/admin/v1`, which the page also calls). In the sandbox a
 * page opened from this machine is given the token, so the console works without typing it.
 *
 * @example
 * registerConsoleRoutes(server, { adapter, mode: 'sandbox', adminToken, logger, sandbox: world });
 * // open http://127.0.0.1:3978/
 */
export function registerConsoleRoutes(server: Server, o: ConsoleRoutesOptions): ConsoleEventHub {
  const hub = new ConsoleEventHub();
  const assetsDir = o.assetsDir ?? resolve(packageRoot, 'dist', 'console');
  const unsubscribe = o.adapter.onOperation((e) => hub.publish({ kind: 'operation', detail: e.kind }));
  // Licensing's events are followed once a page listens: asking for the service earlier would open
  // the store and start the trial before the app itself does.
  let licensingFollowed = false;
  const followLicensing = async (): Promise<void> => {
    if (licensingFollowed) return;
    licensingFollowed = true;
    try {
      const licensing = await o.adapter.licensing();
      licensing.onStatusChange((corpId, _from, to) => hub.publish({ kind: 'licence', detail: `${corpId} ${to}` }));
      licensing.onWarning((corpId) => hub.publish({ kind: 'warning', detail: corpId }));
    } catch (e) {
      licensingFollowed = false; // the store may be back for the next page
      o.logger.warn({ err: e }, 'console: licensing events unavailable');
    }
  };
  // An admin call that changed something (credits, auto-renew, the test clock) is news for every
  // open page, including those that did not make it.
  server.on('after', (req: Request, res: Response) => {
    if (req.method !== 'GET' && (req.path?.() ?? '').startsWith('/admin/v1/') && res.statusCode < 300) hub.publish({ kind: 'admin', detail: req.path() });
  });
  server.on('close', () => {
    unsubscribe();
    hub.closeAll();
  });

  const guarded = (fn: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response): Promise<void> => {
    try {
      if (!o.adminToken) throw new HttpProblem(401, 'admin_disabled', 'the console is off: set ADMIN_TOKEN (at least 16 characters) and restart');
      if (!bearerMatches(req, o.adminToken)) throw new HttpProblem(401, 'unauthorized', 'missing or wrong token: sign in with ADMIN_TOKEN');
      await fn(req, res);
    } catch (e) {
      sendProblem(res, asProblem(e, o.logger, req));
    }
  };
  const sandboxOnly = (fn: (world: SandboxWorld, req: Request, res: Response) => Promise<void>) => guarded(async (req, res) => {
    if (!o.sandbox) throw new HttpProblem(404, 'sandbox_only', 'the customer view exists only in the sandbox');
    await fn(o.sandbox, req, res);
  });

  server.get('/', async (_req: Request, res: Response) => sendText(res, 200, 'text/html; charset=utf-8', consolePage()));
  server.get('/console/app.js', async (_req: Request, res: Response) => sendAsset(res, resolve(assetsDir, 'app.js'), 'text/javascript; charset=utf-8'));
  server.get('/console/app.css', async (_req: Request, res: Response) => sendAsset(res, resolve(assetsDir, 'app.css'), 'text/css; charset=utf-8'));

  // The sandbox is a toy WeCom on loopback with fake data: a page opened on this machine gets the
  // token without typing it. Anywhere else (and always in real mode) the person signs in.
  server.get('/console/api/session', async (req: Request, res: Response) => {
    const local = isLoopback(req.socket.remoteAddress);
    sendJson(res, 200, { mode: o.mode, sandbox: Boolean(o.sandbox), adminEnabled: Boolean(o.adminToken), ...(o.sandbox && local && o.adminToken ? { token: o.adminToken } : {}) });
  });

  server.get('/console/api/state', guarded(async (_req, res) => {
    sendJson(res, 200, await readSnapshot({ adapter: o.adapter, mode: o.mode, sandbox: Boolean(o.sandbox), testClock: Boolean(o.testClock) }));
  }));
  server.get('/console/events', guarded(async (req, res) => {
    await followLicensing();
    hub.attach(req, res);
  }));

  // A message from the kf account through the API (kf/send_msg): the window rules apply, as to the bot.
  server.post('/console/api/conversations/:conversationId/send', guarded(async (req, res) => {
    const id = String(req.params.conversationId ?? '');
    const { text } = await readJson(req, textBody);
    await o.adapter.continueConversationAsync('', { conversation: { id, isGroup: false, conversationType: 'personal', name: '' }, channelId: 'wecom' }, async (ctx) => {
      await ctx.sendActivity(text);
    });
    hub.publish({ kind: 'chat' });
    sendJson(res, 202, { sent: true });
  }));

  // Take over: the bot hands the session to a servicer (kf/service_state/trans to 3), as a bot's handoff does.
  server.post('/console/api/conversations/:conversationId/take-over', guarded(async (req, res) => {
    const id = String(req.params.conversationId ?? '');
    const body = await readJson(req, takeOverBody);
    const servicer = body.servicer ?? o.sandbox?.agent;
    if (!servicer) throw new HttpProblem(400, 'invalid_body', 'name the servicer (their WeCom userid) who takes the conversation');
    await o.adapter.continueConversationAsync('', { conversation: { id, isGroup: false, conversationType: 'personal', name: '' }, channelId: 'wecom' }, async (ctx) => {
      await ctx.sendActivity(EventFactory.createHandoffInitiation(ctx, { servicerUserId: servicer, reason: 'taken over in the console' }));
    });
    sendJson(res, 202, { servicer });
  }));

  server.get('/console/api/sandbox/customers/:customerId/chat', sandboxOnly(async (world, req, res) => {
    sendJson(res, 200, world.chat(param(customerId, req.params.customerId)).map((line) => ({ ...line, at: new Date(line.at).toISOString() })));
  }));
  server.post('/console/api/sandbox/customers/:customerId/menu', sandboxOnly(async (world, req, res) => {
    const id = param(customerId, req.params.customerId);
    const { menuId, content } = await readJson(req, menuBody);
    sendJson(res, 202, { msgid: (await world.clickMenu(id, menuId, content)).msgid });
  }));
  server.get('/console/api/sandbox/media/:mediaId', sandboxOnly(async (world, req, res) => {
    const item = world.emulator.media(world.corp.corpId, param(mediaId, req.params.mediaId));
    if (!item) throw new HttpProblem(404, 'not_found', 'no such media (WeCom keeps media 3 days)');
    res.writeHead(200, { 'content-type': item.contentType, 'content-length': item.bytes.byteLength, 'content-disposition': `inline; filename="${encodeURIComponent(item.filename)}"`, 'cache-control': 'private, max-age=3600' });
    res.end(item.bytes);
  }));
  return hub;
}

function param<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpProblem(400, 'invalid_parameter', parsed.error.issues[0]?.message ?? 'bad parameter');
  return parsed.data;
}

const LOCKED: Record<string, string> = {
  'reply-limit': 'the 5 replies to the customer\'s last message are used',
  'window-expired': 'the customer wrote more than 48 hours ago',
  'never-initiated': 'the customer has not written yet',
  'kept-for-newest': 'the last replies are kept for the customer\'s newest message',
};

/** The refusals a person can act on keep their code and message; anything else is logged. */
function asProblem(e: unknown, logger: Logger, req: Request): unknown {
  if (e instanceof ConversationLockedError) return new HttpProblem(409, e.code, `Not sent: ${LOCKED[e.reason] ?? `the conversation is locked (${e.reason})`}. It opens again when the customer writes.`);
  if (e instanceof MediaRejectedError) return new HttpProblem(422, e.code, e.message);
  if (e instanceof LicenceInactiveError) return new HttpProblem(409, e.code, e.message);
  if (isChannelError(e, 'handoff_active')) return new HttpProblem(409, e.code, 'Not sent: a human agent holds this conversation; the bot stays silent until it is given back.');
  // Other refusals a retry would not change (a human holds the session, WeCom said no): say so as they are.
  if (isChannelError(e) && e.final) return new HttpProblem(409, e.code, e.message);
  if (!(e instanceof HttpProblem)) logger.warn({ err: e, url: req.url }, 'console call failed');
  return e;
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || (isIP(v4) === 4 && v4.startsWith('127.'));
}

/** The page allows only its own scripts, styles and images (blob: for a customer's own photos). */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function sendText(res: Response, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...SECURITY_HEADERS });
  res.end(body);
}

async function sendAsset(res: Response, path: string, contentType: string): Promise<void> {
  try {
    sendText(res, 200, contentType, await readFile(path, 'utf8'));
  } catch {
    sendText(res, 503, 'text/plain; charset=utf-8', 'The console is not built: run `npm run build` (or `npm start`, which builds it).');
  }
}
