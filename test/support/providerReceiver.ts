/**
 * A stand-in for a provider app's two callback routes, built only on src/wecom's SuiteCallbacks:
 * `/suite` (instruction URL, receive id = suite or provider corp) answers the literal `success`;
 * `/callback` (data URL, all corps) takes the receive id from the envelope's ToUserName.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ManualClock } from '../../src/common';
import { type CorpCredentials, type SuiteCredentials, WeComEmulator } from '../../src/sandbox/emulator';
import { type CallbackEvent, callbackErrorStatus, readRawBody, SuiteCallbacks } from '../../src/wecom';

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

export interface ReceiverOptions {
  token: string;
  encodingAesKey: string;
  suiteId: string;
  providerCorpId?: string;
  /** What the instruction route answers (default `success`), to play a wrong app. */
  instructionAnswer?: string;
  /** Real milliseconds the instruction route waits before answering (default 0), to play a slow app. */
  instructionDelayMs?: number;
}

export async function providerReceiver(options: ReceiverOptions): Promise<ProviderReceiver> {
  const callbacks = new SuiteCallbacks(options);
  const received: Received[] = [];
  const refused: number[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      try {
        const body = req.method === 'POST' ? await readRawBody(req) : undefined;
        const request = { method: req.method, query: url.searchParams, body };
        res.statusCode = 200;
        if (url.pathname === '/suite') {
          const result = callbacks.openInstruction(request);
          if (result.kind === 'url_verification') return void res.end(result.echo);
          received.push({ route: 'suite', receiveId: result.receiveId, event: result.event });
          if (options.instructionDelayMs) await new Promise((resolve) => setTimeout(resolve, options.instructionDelayMs).unref());
          return void res.end(options.instructionAnswer ?? 'success');
        } else {
          const result = callbacks.openData(request);
          if (result.kind === 'url_verification') return void res.end(result.echo);
          received.push({ route: 'callback', receiveId: result.corpId, event: result.event });
        }
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

/** A started emulator with one suite whose two callback URLs point at a {@link providerReceiver}, and one corp. */
export interface ProviderWorld {
  emu: WeComEmulator;
  suite: SuiteCredentials;
  app: ProviderReceiver;
  corp: CorpCredentials;
  close(): Promise<void>;
}

export async function providerWorld(clock: ManualClock): Promise<ProviderWorld> {
  const emu = new WeComEmulator({ clock, switches: { callbackTimeoutMs: 5000, instructionTimeoutMs: 5000, callbackRetryDelayMs: 10 } });
  await emu.start();
  const suite = emu.provider.addSuite();
  const app = await providerReceiver({ token: suite.token, encodingAesKey: suite.encodingAesKey, suiteId: suite.suiteId, providerCorpId: suite.providerCorpId });
  emu.provider.setUrls(suite.suiteId, { instructionUrl: `${app.base}/suite`, dataUrl: `${app.base}/callback` });
  const corp = emu.addCorp();
  return { emu, suite, app, corp, close: async () => { await emu.stop(); await app.close(); } };
}
