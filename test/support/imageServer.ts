/**
 * An image host on 127.0.0.1 that misbehaves the ways real ones do: redirect chains, loops,
 * redirects to other schemes, 404s, a Content-Length larger than allowed, an endless chunked body.
 */
import { createServer, type ServerResponse } from 'node:http';

export interface ImageServer {
  /** `http://127.0.0.1:port` */
  readonly origin: string;
  url(path: string): string;
  close(): Promise<void>;
}

const REDIRECTS = [301, 302, 303, 307, 308] as const;

/**
 * (`writeHead` is never chained: restify, once loaded by another test file in the same jest worker,
 * patches node's ServerResponse so that `writeHead` returns undefined.)
 *
 * Paths:
 * - `/img.png`: the image;
 * - `/chain/N`: N redirects (301, 302, 303, 307, 308 in turn, relative Locations) to the image;
 * - `/absolute`: a 302 with an absolute Location to the image;
 * - `/loop/a` ⇄ `/loop/b`;
 * - `/to?location=…`: a 302 to any Location (`file:`, `data:`, `ftp:`); `/no-location`: a 302 without one;
 * - `/missing`: 404;
 * - `/declared/N`: `Content-Length: N`, a few bytes, then nothing (the body never ends);
 * - `/endless`: a chunked body that never ends.
 */
export async function imageServer(image: Buffer): Promise<ImageServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const chain = /^\/chain\/(\d+)$/.exec(path);
    const declared = /^\/declared\/(\d+)$/.exec(path);
    if (path === '/img.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length });
      res.end(image);
    } else if (chain) {
      const left = Number(chain[1]);
      if (left === 0) {
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length });
        res.end(image);
      } else redirect(res, REDIRECTS[left % REDIRECTS.length]!, left === 1 ? '../img.png' : String(left - 1));
    } else if (path === '/absolute') {
      redirect(res, 302, `${origin}/img.png`);
    } else if (path === '/loop/a' || path === '/loop/b') {
      redirect(res, 301, path === '/loop/a' ? '/loop/b' : '/loop/a');
    } else if (path === '/to') {
      redirect(res, 302, url.searchParams.get('location') ?? '');
    } else if (path === '/no-location') {
      res.writeHead(302);
      res.end();
    } else if (declared) {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': declared[1] });
      res.write(image.subarray(0, 8)); // and never the rest
    } else if (path === '/endless') {
      res.writeHead(200, { 'content-type': 'image/png' }); // no length: chunked
      const chunk = Buffer.alloc(16 * 1024, 0x42);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    } else {
      res.writeHead(404);
      res.end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function redirect(res: ServerResponse, status: number, location: string): void {
  res.writeHead(status, { location });
      res.end();
}
