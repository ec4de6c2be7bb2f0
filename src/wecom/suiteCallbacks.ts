/**
 * Provider mode's two callback URLs over the HTTP-free {@link openCallback} (wecom-provider.md §1,
 * §2, §5): the instruction URL (receive id = suite id, or the provider corp id as some report) and
 * the data URL of every authorised corp (receive id = the envelope's ToUserName, case kept).
 * One Token + EncodingAESKey serves both.
 */
import type { Clock } from '../common/clock';
import { type CallbackRequest, openCallback } from './callback';
import { CallbackPayloadError } from './callbackErrors';
import type { DataCallbackEvent, InstructionCallbackEvent } from './callbackEvents';
import { WeComCrypto } from './crypto';

export interface SuiteCallbackSettings {
  readonly suiteId: string;
  /** The suite's callback Token. */
  readonly token: string;
  /** The suite's callback EncodingAESKey (43 characters). */
  readonly encodingAesKey: string;
  /** The provider's own corp id: accepted on the instruction URL and in URL checks (reports differ). */
  readonly providerCorpId?: string;
  /** Refuse callbacks whose timestamp is further than this from now. Default off, as WeCom's spec has none. */
  readonly maxTimestampSkewSeconds?: number;
  readonly clock?: Clock;
}

type Incoming = Omit<CallbackRequest, 'crypto' | 'receiveIdFrom'>;

/** What the instruction URL received. Answer `echo`, or the literal `success` at once and act on `event` after. */
export type InstructionCallbackResult =
  | { kind: 'url_verification'; echo: string; receiveId: string }
  | { kind: 'instruction'; event: InstructionCallbackEvent; receiveId: string; matchedBy: 'suite_id' | 'provider_corpid' };

/** What the data URL received: `corpId` is the corp whose key opened it. Check it is a corp you serve before acting. */
export type DataCallbackResult =
  | { kind: 'url_verification'; echo: string; receiveId: string }
  | { kind: 'data'; corpId: string; event: DataCallbackEvent };

/**
 * Opens provider callbacks. Nothing here answers HTTP or keeps state.
 *
 * @example
 * const callbacks = new SuiteCallbacks({ suiteId, token, encodingAesKey, providerCorpId });
 * const r = callbacks.openInstruction({ method: req.method, query, body });
 * res.end(r.kind === 'url_verification' ? r.echo : 'success'); // within 1000 ms; then queue r.event
 * @throws CallbackVerificationError, CallbackPayloadError (answer with `callbackErrorStatus(e)`)
 */
export class SuiteCallbacks {
  readonly suiteId: string;
  private readonly crypto: WeComCrypto;

  constructor(settings: SuiteCallbackSettings) {
    this.suiteId = settings.suiteId;
    const base = {
      token: settings.token, encodingAesKey: settings.encodingAesKey, maxTimestampSkewSeconds: settings.maxTimestampSkewSeconds, clock: settings.clock,
      settingName: 'WECOM_SUITE_ENCODING_AES_KEY',
    };
    // One key and token for both URLs. Data POSTs take the receive id from the envelope; there these
    // ids only serve the GET check made when the URL is saved.
    this.crypto = new WeComCrypto({ ...base, receiveIds: [settings.suiteId, ...(settings.providerCorpId ? [settings.providerCorpId] : [])] });
  }

  /**
   * The instruction URL: only `InfoType` events for this suite. An instruction naming another
   * `SuiteId` is refused (tickets of two suites must never overwrite each other).
   *
   * @throws CallbackPayloadError `payload_malformed` for a data event or another suite's instruction
   */
  openInstruction(request: Incoming): InstructionCallbackResult {
    const result = openCallback({ ...request, crypto: this.crypto, receiveIdFrom: 'configured' });
    if (result.kind === 'url_verification') return result;
    const event = result.event;
    if (!isInstruction(event)) throw new CallbackPayloadError('payload_malformed', 'a data event arrived on the instruction URL');
    if (event.suiteId !== undefined && event.suiteId !== this.suiteId) {
      throw new CallbackPayloadError('payload_malformed', `the instruction is for suite ${event.suiteId}, not ${this.suiteId}`);
    }
    return { kind: 'instruction', event, receiveId: result.receiveId, matchedBy: result.receiveId === this.suiteId ? 'suite_id' : 'provider_corpid' };
  }

  /**
   * The data URL of every authorised corp: the envelope's ToUserName must be the id sealed inside,
   * exactly (ids are case-sensitive).
   *
   * @throws CallbackVerificationError `receive_id_mismatch` when they differ; CallbackPayloadError for an instruction here
   */
  openData(request: Incoming): DataCallbackResult {
    const result = openCallback({ ...request, crypto: this.crypto, receiveIdFrom: 'envelope' });
    if (result.kind === 'url_verification') return result;
    const event = result.event;
    if (isInstruction(event)) throw new CallbackPayloadError('payload_malformed', 'an instruction (InfoType) arrived on the data URL');
    return { kind: 'data', corpId: result.receiveId, event };
  }
}

const instructionKinds: ReadonlySet<string> = new Set(['suite_ticket', 'create_auth', 'change_auth', 'cancel_auth', 'reset_permanent_code', 'change_contact', 'unknown_info']);

function isInstruction(event: InstructionCallbackEvent | DataCallbackEvent): event is InstructionCallbackEvent {
  return instructionKinds.has(event.kind);
}
