/**
 * A stand-in for a provider app's two callback routes, built only on src/wecom's HTTP-free callback
 * code: `/suite` (instruction URL, receive id = suite or provider corp) answers the literal
 * `success`; `/callback` (data URL, all corps) takes the receive id from the envelope's ToUserName.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CallbackEvent, callbackErrorStatus, openCallback, readRawBody, WeComCrypto } from '../../src/wecom';

export interface Received {
  route: 'suite' | 'callback';
  receiveId: string;
  event: CallbackEvent;
}

export interface ProviderReceiver {
  base: string;
  received: Received[];
  /** Requests refused (status), e.g. a bad signature. */
  refused: number[];
  close(): Promise<void>;
}

export async function providerReceiver(options: { token: string; encodingAesKey: string; suiteId: string; providerCorpId?: string }): Promise<ProviderReceiver> {
  const instructionCrypto = new WeComCrypto({
    token: options.token, encodingAesKey: options.encodingAesKey, receiveIds: [options.suiteId, ...(options.providerCorpId ? [options.providerCorpId] : [])],
  });
  // Data URL: the receive id comes from each envelope; this list is only used for GET checks.
  const dataCrypto = new WeComCrypto({ token: options.token, encodingAesKey: options.encodingAesKey, receiveIds: [options.providerCorpId ?? options.suiteId] });
  const received: Received[] = [];
  const refused: number[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const route = url.pathname === '/suite' ? 'suite' : 'callback';
      try {
        const body = req.method === 'POST' ? await readRawBody(req) : undefined;
        const result = openCallback({
          method: req.method, query: url.searchParams, body,
          crypto: route === 'suite' ? instructionCrypto : dataCrypto,
          receiveIdFrom: route === 'suite' ? 'configured' : 'envelope',
        });
        res.statusCode = 200;
        if (result.kind === 'url_verification') {
          res.end(result.echo);
          return;
        }
        received.push({ route, receiveId: result.receiveId, event: result.event });
        res.end('success');
      } catch (e) {
        refused.push(callbackErrorStatus(e));
        res.statusCode = callbackErrorStatus(e);
        res.end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    refused,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
