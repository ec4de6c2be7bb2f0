/**
 * The least a WeCom kf channel must do, as bare Node: verify and decrypt the callback (the same
 * crypto library as the channel), answer it, pull sync_msg with the callback's token and a cursor,
 * and send_msg a reply to each customer text at once. Nothing is durable: a crash loses messages.
 * The end-to-end benchmark runs it on the same emulator as the channel, as the baseline.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { decrypt, getSignature } from '@wecom/crypto';
import { request } from 'undici';
import { type FlowCredentials, LISTEN_BACKLOG, type RunningFlow } from './flow';

interface SyncPage {
  errcode: number;
  errmsg?: string;
  next_cursor?: string;
  has_more?: number;
  msg_list?: { msgid: string; origin: number; msgtype: string; external_userid?: string; open_kfid?: string; text?: { content: string } }[];
}

/** Starts the minimal flow's HTTP server on loopback. */
export async function startMinimalFlow(c: FlowCredentials): Promise<RunningFlow> {
  const base = c.apiBaseUrl.endsWith('/') ? c.apiBaseUrl : `${c.apiBaseUrl}/`;
  let accessToken: Promise<string> | undefined;
  const cursors = new Map<string, string>();
  const pulls = new Map<string, { again: boolean; token: string; done: Promise<void> }>();
  const inFlight = new Set<Promise<unknown>>();
  let sent = 0;

  const call = async <T>(path: string, body: unknown): Promise<T> => {
    accessToken ??= request(`${base}gettoken?corpid=${encodeURIComponent(c.corpId)}&corpsecret=${encodeURIComponent(c.secret)}`)
      .then((r) => r.body.json() as Promise<{ access_token: string }>)
      .then((j) => j.access_token);
    const res = await request(`${base}${path}?access_token=${await accessToken}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return (await res.body.json()) as T;
  };

  const pull = async (openKfId: string, state: { again: boolean; token: string }): Promise<void> => {
    do {
      state.again = false;
      for (;;) {
        const page = await call<SyncPage>('kf/sync_msg', { cursor: cursors.get(openKfId), token: state.token, open_kfid: openKfId, limit: 1000 });
        if (page.errcode !== 0) throw new Error(`sync_msg: ${page.errcode} ${page.errmsg ?? ''}`);
        const replies: Promise<unknown>[] = [];
        for (const m of page.msg_list ?? []) {
          if (m.origin !== 3 || m.msgtype !== 'text' || !m.external_userid) continue;
          replies.push(call('kf/send_msg', { touser: m.external_userid, open_kfid: openKfId, msgid: `min${sent++}`, msgtype: 'text', text: { content: `You said: ${m.text?.content ?? ''}` } }));
        }
        await Promise.all(replies);
        if (page.next_cursor) cursors.set(openKfId, page.next_cursor);
        if (!page.has_more) break;
      }
    } while (state.again);
  };

  const wake = (openKfId: string, token: string): void => {
    const running = pulls.get(openKfId);
    if (running) {
      running.again = true;
      running.token = token;
      return;
    }
    const state = { again: false, token, done: Promise.resolve() };
    state.done = pull(openKfId, state).catch((e: unknown) => void process.stderr.write(`minimal flow: ${String(e)}\n`)).finally(() => pulls.delete(openKfId));
    pulls.set(openKfId, state);
    track(state.done);
  };

  const track = (p: Promise<unknown>): void => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const encrypted = /<Encrypt><!\[CDATA\[([^\]]*)\]\]><\/Encrypt>/.exec(body)?.[1];
      const q = (k: string): string => url.searchParams.get(k) ?? '';
      if (!encrypted || getSignature(c.token, q('timestamp'), q('nonce'), encrypted) !== q('msg_signature')) {
        res.statusCode = 403;
        res.end();
        return;
      }
      const { message } = decrypt(c.encodingAesKey, encrypted);
      const token = /<Token><!\[CDATA\[([^\]]*)\]\]><\/Token>/.exec(message)?.[1] ?? '';
      const openKfId = /<OpenKfId><!\[CDATA\[([^\]]*)\]\]><\/OpenKfId>/.exec(message)?.[1] ?? '';
      res.statusCode = 200;
      res.end('success');
      if (openKfId) wake(openKfId, token);
    });
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, resolve));
  const idle = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  };
  return {
    port: (server.address() as { port: number }).port,
    idle,
    async close() {
      await idle();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
