/**
 * WeCom → app callbacks: the encrypted `kf_msg_or_event` wake-up, delivered and retried like WeCom
 * (no HTTP 200 within the deadline → try again, up to N deliveries in all), and the GET echostr
 * check WeCom makes when a callback URL is saved. Encrypted with @wecom/crypto, a different
 * implementation from our own, so each checks the other.
 */
import { encrypt, getSignature } from '@wecom/crypto';
import { randomInt } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { Agent, request } from 'undici';
import type { Logger } from '../../common';
import { ids } from './ids';
import { sleep } from './timers';

/** Where and how to deliver one corp's callbacks. */
export interface CallbackTarget {
  /** The receive id sealed into the ciphertext, and the envelope's ToUserName unless `toUserName` says otherwise. */
  corpId: string;
  /** Instruction callbacks: the envelope names the suite while the receive id may be the provider's corp id. */
  toUserName?: string;
  token: string;
  encodingAesKey: string;
  callbackUrl: string;
}

/**
 * One delivery attempt's result: the HTTP status, or why there was none. `wrong_body`: HTTP 200
 * with a body other than the one required (an instruction callback must answer exactly `success`).
 */
export type DeliveryStatus = number | 'timeout' | 'error' | 'aborted' | 'wrong_body';

/** Per-delivery rules that differ from the kf wake-up's. */
export interface DeliveryRules {
  /** The exact body a 200 must carry to count (instruction callbacks: `success`). Default: any. */
  expectBody?: string;
  /** Real milliseconds an attempt may take. Default the `callbackTimeoutMs` switch. */
  timeoutMs?: number;
}

/**
 * How a callback went. `delivered` is true once an attempt got HTTP 200.
 *
 * @example
 * const { delivery } = await customer.sendText('hi');
 * expect(await delivery).toEqual({ attempts: 1, statuses: [200], delivered: true });
 */
export interface DeliveryReport {
  attempts: number;
  statuses: DeliveryStatus[];
  delivered: boolean;
}

/** What the echostr check found. `ok` when the app answered 200 with exactly the plaintext. */
export interface UrlVerification {
  ok: boolean;
  status: DeliveryStatus;
  body: string;
  expected: string;
}

export const noDelivery: DeliveryReport = Object.freeze({ attempts: 0, statuses: [], delivered: false }) as DeliveryReport;

/** The inner XML of a kf wake-up (§2). */
export function wakeUpXml(corpId: string, createTimeS: number, syncToken: string, openKfid: string): string {
  return (
    `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><CreateTime>${createTimeS}</CreateTime>` +
    `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>` +
    `<Token><![CDATA[${syncToken}]]></Token><OpenKfId><![CDATA[${openKfid}]]></OpenKfId></xml>`
  );
}

/** Encrypts and signs an inner XML: the POST body and its query parameters. */
export function sealCallback(target: CallbackTarget, innerXml: string, timestampS: number, nonce: string): { body: string; query: Record<string, string> } {
  const encrypted = encrypt(target.encodingAesKey, innerXml, target.corpId);
  const signature = getSignature(target.token, timestampS, nonce, encrypted);
  const body = `<xml><ToUserName><![CDATA[${target.toUserName ?? target.corpId}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`;
  return { body, query: { msg_signature: signature, timestamp: String(timestampS), nonce } };
}

function withQuery(url: string, query: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u.toString();
}

const timeoutErrors = new Set(['HeadersTimeoutError', 'BodyTimeoutError', 'ConnectTimeoutError', 'TimeoutError']);

export interface DispatcherOptions {
  timeoutMs: () => number;
  retryDelayMs: () => number;
  deliveries: () => number;
  logger: Logger;
}

/** Sends callbacks with its own connection pool; close() aborts whatever is in flight. */
export class CallbackDispatcher {
  private readonly agent = new Agent({ keepAliveTimeout: 1000, connect: { timeout: 2000 } });
  private readonly stopping = new AbortController();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: DispatcherOptions) {
    // Every callback in flight listens for close(); hundreds at once are normal, not a leak.
    setMaxListeners(0, this.stopping.signal);
  }

  /** Delivers `innerXml` to the target, retrying; never rejects. */
  deliver(target: CallbackTarget, innerXml: string, timestampS: number, rules: DeliveryRules = {}): Promise<DeliveryReport> {
    return this.track(this.run(target, innerXml, timestampS, rules));
  }

  /**
   * The GET WeCom makes when a callback URL is saved: an encrypted `echostr` the app must decrypt
   * and answer as bare plaintext.
   */
  verifyUrl(target: CallbackTarget, timestampS: number): Promise<UrlVerification> {
    return this.track(this.runVerify(target, timestampS));
  }

  /** Aborts deliveries in flight and closes the pool. */
  async close(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.stopping.abort();
    await Promise.allSettled([...this.pending]);
    await this.agent.destroy();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return p;
  }

  private async run(target: CallbackTarget, innerXml: string, timestampS: number, rules: DeliveryRules): Promise<DeliveryReport> {
    // WeCom re-pushes the same message: one sealed body, sent up to N times.
    const { body, query } = sealCallback(target, innerXml, timestampS, ids.nonce());
    const url = withQuery(target.callbackUrl, query);
    const statuses: DeliveryStatus[] = [];
    const tries = this.options.deliveries();
    for (let i = 0; i < tries && !this.stopping.signal.aborted; i++) {
      if (i > 0) await sleep(this.options.retryDelayMs(), this.stopping.signal);
      if (this.stopping.signal.aborted) break;
      const answer = await this.attempt('POST', url, body, rules.timeoutMs);
      const status = answer.status === 200 && rules.expectBody !== undefined && answer.text !== rules.expectBody ? 'wrong_body' : answer.status;
      statuses.push(status);
      this.options.logger.debug({ corpId: target.corpId, attempt: i + 1, status }, 'emulator callback attempt');
      if (status === 200) return { attempts: statuses.length, statuses, delivered: true };
    }
    return { attempts: statuses.length, statuses, delivered: false };
  }

  private async runVerify(target: CallbackTarget, timestampS: number): Promise<UrlVerification> {
    const expected = String(randomInt(1, 2 ** 47)) + String(randomInt(0, 1e6));
    const echostr = encrypt(target.encodingAesKey, expected, target.corpId);
    const nonce = ids.nonce();
    const signature = getSignature(target.token, timestampS, nonce, echostr);
    const url = withQuery(target.callbackUrl, { msg_signature: signature, timestamp: String(timestampS), nonce, echostr });
    const { status, text } = await this.attempt('GET', url, undefined);
    return { ok: status === 200 && text === expected, status, body: text, expected };
  }

  private async attempt(method: 'GET' | 'POST', url: string, body: string | undefined, timeoutOverrideMs?: number): Promise<{ status: DeliveryStatus; text: string }> {
    const timeoutMs = timeoutOverrideMs ?? this.options.timeoutMs();
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([this.stopping.signal, deadline]);
    try {
      const res = await request(url, {
        method,
        body,
        headers: body === undefined ? {} : { 'content-type': 'text/xml; charset=utf-8' },
        dispatcher: this.agent,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await res.body.text();
      return { status: res.statusCode, text };
    } catch (e) {
      if (this.stopping.signal.aborted) return { status: 'aborted', text: '' };
      const name = e instanceof Error ? e.name : '';
      const timedOut = deadline.aborted || timeoutErrors.has(name);
      return { status: timedOut ? 'timeout' : 'error', text: '' };
    }
  }
}
