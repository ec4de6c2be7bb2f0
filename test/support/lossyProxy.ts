/**
 * A loopback HTTP proxy in front of the emulator that can lose answers: the request reaches WeCom
 * and is carried out, but its answer is held back past the client's timeout (or never comes).
 * This is what a slow or broken network does to a send, whatever the WeCom behind it (the
 * emulator's own `delay` fault models the same from the inside).
 */
import { createServer, type Server } from 'node:http';
import { request } from 'undici';

export interface LossyProxy {
  /** Base URL to give the adapter as `apiBaseUrl` (with `/cgi-bin/`). */
  readonly baseUrl: string;
  /** The next `times` calls to `path` are carried out, and their answers held `holdMs` before being written. */
  loseAnswers(path: string, times: number, holdMs: number): void;
  close(): Promise<void>;
}

export async function lossyProxy(emulatorBaseUrl: string): Promise<LossyProxy> {
  const upstream = new URL(emulatorBaseUrl);
  const rules: { path: string; remaining: number; holdMs: number }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    req.on('end', () => {
      const url = new URL(req.url ?? '/', upstream);
      const path = url.pathname.replace(/^\/cgi-bin\//, '');
      const rule = rules.find((r) => r.path === path && r.remaining > 0);
      if (rule) rule.remaining--;
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const contentType = req.headers['content-type'];
      request(url, { method: req.method as 'GET' | 'POST', body, headers: contentType ? { 'content-type': contentType } : {} })
        .then(async (answer) => {
          const bytes = Buffer.from(await answer.body.arrayBuffer());
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(answer.headers)) {
            if (typeof v === 'string' && !['connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(k)) headers[k] = v;
          }
          const write = (): void => {
            if (res.destroyed) return;
            res.writeHead(answer.statusCode, { ...headers, 'content-length': bytes.length });
            res.end(bytes);
          };
          if (!rule) return write();
          const t = setTimeout(() => {
            timers.delete(t);
            write();
          }, rule.holdMs);
          timers.add(t);
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}/cgi-bin/`,
    loseAnswers: (path, times, holdMs) => void rules.push({ path, remaining: times, holdMs }),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
