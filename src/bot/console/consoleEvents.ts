import type { Request, Response } from 'restify';

/** What changed, so the page knows which view to refresh (it refetches the snapshot either way). */
export interface ConsoleEvent {
  /** `admin`: an admin call changed something (credits, auto-renew, the test clock). */
  kind: 'operation' | 'licence' | 'warning' | 'admin' | 'chat';
  detail?: string;
}

/** How often an idle stream sends a comment line, so proxies do not close it. */
const HEARTBEAT_MS = 20_000;

/**
 * The `/console/events` Server-Sent Events stream: every open page gets each event. Events are
 * coalesced per stream (one write per tick) because a busy adapter reports several operations per
 * message and the page only needs to know that something changed.
 *
 * @example
 * const hub = new ConsoleEventHub();
 * adapter.onOperation((e) => hub.publish({ kind: 'operation', detail: e.kind }));
 * server.get('/console/events', (req, res) => hub.attach(req, res));
 */
export class ConsoleEventHub {
  private readonly streams = new Map<(e: ConsoleEvent) => void, Response>();

  publish(event: ConsoleEvent): void {
    for (const send of this.streams.keys()) send(event);
  }

  /** Streams events to one page until it goes away. */
  attach(req: Request, res: Response): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    let pending: ConsoleEvent[] = [];
    let scheduled = false;
    const send = (event: ConsoleEvent): void => {
      pending.push(event);
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        const batch = pending;
        pending = [];
        const kinds = [...new Set(batch.map((e) => e.kind))];
        res.write(`event: changed\ndata: ${JSON.stringify({ kinds, detail: batch.find((e) => e.detail)?.detail })}\n\n`);
      });
    };
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    this.streams.set(send, res);
    const close = (): void => {
      clearInterval(heartbeat);
      this.streams.delete(send);
    };
    req.once('close', close);
    res.once('close', close);
  }

  /** Ends every stream (the server is closing: an open stream would keep it alive). */
  closeAll(): void {
    for (const res of this.streams.values()) res.end();
    this.streams.clear();
  }

  get size(): number {
    return this.streams.size;
  }
}
