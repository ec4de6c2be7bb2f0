import { z } from 'zod';
import { errcodes } from './errors';

/**
 * The facts wecom-kf-api.md marks **unconfirmed**, and the knobs tests need. Each default is the
 * more likely or the stricter reading, so code that passes against the defaults is safe either way.
 */
export interface EmulatorSwitches {
  /**
   * A send_msg / send_msg_on_event whose app `msgid` was already used on the same kf account.
   * `'duplicate_error'` (default; §6 says "unique per kf account or the call errors"): refused with
   * {@link EmulatorSwitches.duplicateMsgidErrcode}, nothing delivered, no quota spent.
   * `'success'`: answered `errcode 0` with the same msgid, not delivered twice, no quota spent.
   */
  repeatedSendMsgid: 'success' | 'duplicate_error';
  /** The errcode for a repeated msgid under `'duplicate_error'`. Default 40058 (invalid parameter; the errcode is unconfirmed). */
  duplicateMsgidErrcode: number;
  /** Callback deliveries in all, the first included ("three retries in total", §2). Default 3. */
  callbackDeliveries: 3 | 4;
  /** `gettoken` while a token is valid: `'same'` (default, the older doc) or `'new'` (a fresh token; older ones stay valid until they expire). */
  gettokenWhileValid: 'same' | 'new';
  /** Whether an accepted send_msg in state 0 moves the session to 1 (§8 "0 →1 (API answers)"). Default true. */
  sendInStateZeroMovesToOne: boolean;
  /** sync_msg retention and media lifetime are separate; this is the message log's (§3). Default 3. */
  retentionDays: number;
  /** Token-less (or bad-token) sync_msg calls per minute per corp; one more → 45009 for 60 s. Default 10. */
  syncMsgNoTokenLimitPerMinute: number;
  /** Concurrent sync_msg calls per corp; one more → 45033. Default `Infinity` (off: the figure is a staff answer). */
  maxConcurrentSyncMsg: number;
  /** Life of an `enter_session` welcome_code (§7). Default 20. */
  welcomeCodeTtlSeconds: number;
  /** The errcode for an unknown, used, expired or stale send_msg_on_event `code`. Default 41050 (unconfirmed, §7). */
  invalidEventCodeErrcode: number;
  /** A callback delivery without HTTP 200 within this many real milliseconds counts as failed (§2). Default 5000. */
  callbackTimeoutMs: number;
  /** Real milliseconds between callback deliveries. Default 1000 (WeCom's interval is not documented). */
  callbackRetryDelayMs: number;
  /** Largest image upload. Default 2 MB (the older kf doc; the media doc says 10 MB). */
  imageMaxBytes: number;
  /** Refuse uploads whose bytes are not the declared kind (image JPG/PNG, voice AMR, video MP4) with 40005. Default true. */
  checkMediaFormat: boolean;
  /** Longest msgmenu `click.id` in bytes: 64 [S13] or 128 [S14]. Default 64. */
  menuClickIdMaxBytes: number;
  /** `expires_in` of access tokens. Default 7200. */
  tokenTtlSeconds: number;
  /**
   * A self-built app's trusted IPs (企业可信IP): calls from any other address are refused with 60020,
   * whose errmsg names the caller's IP, as WeCom's does. Default `[]`: every caller is trusted.
   */
  trustedIps: readonly string[];
  /**
   * The receive id inside instruction callbacks (wecom-provider.md §1): `'suite_id'` (default, the
   * doc) or `'provider_corpid'` (reported by some). Unconfirmed; the app should accept both.
   */
  suiteReceiveId: 'suite_id' | 'provider_corpid';
  /**
   * Provider mode: kf calls with a suite's corp token may only name accounts granted to the app
   * (`'enforce'`, default: "only accounts under API management work"); others answer 95000, and
   * kf/account/list reports `manage_privilege` per grant. `'off'`: every account of the corp works.
   */
  providerKfGrants: 'enforce' | 'off';
  /**
   * Real milliseconds an instruction callback may take to answer `success` (wecom-provider.md §2:
   * 1000). Default 1000; tests on a loaded machine raise it (the app should answer before any slow work).
   */
  instructionTimeoutMs: number;
}

export const defaultSwitches: Readonly<EmulatorSwitches> = Object.freeze({
  repeatedSendMsgid: 'duplicate_error',
  duplicateMsgidErrcode: errcodes.invalidParameter,
  callbackDeliveries: 3,
  gettokenWhileValid: 'same',
  sendInStateZeroMovesToOne: true,
  retentionDays: 3,
  syncMsgNoTokenLimitPerMinute: 10,
  maxConcurrentSyncMsg: Infinity,
  welcomeCodeTtlSeconds: 20,
  invalidEventCodeErrcode: errcodes.invalidWelcomeCode,
  callbackTimeoutMs: 5000,
  callbackRetryDelayMs: 1000,
  imageMaxBytes: 2 * 1024 * 1024,
  checkMediaFormat: true,
  menuClickIdMaxBytes: 64,
  tokenTtlSeconds: 7200,
  trustedIps: [],
  suiteReceiveId: 'suite_id',
  providerKfGrants: 'enforce',
  instructionTimeoutMs: 1000,
});

const positive = z.number().positive();
const nonNegative = z.number().min(0);

const switchesSchema = z
  .object({
    repeatedSendMsgid: z.enum(['success', 'duplicate_error']),
    duplicateMsgidErrcode: z.number().int(),
    callbackDeliveries: z.union([z.literal(3), z.literal(4)]),
    gettokenWhileValid: z.enum(['same', 'new']),
    sendInStateZeroMovesToOne: z.boolean(),
    retentionDays: positive,
    syncMsgNoTokenLimitPerMinute: nonNegative,
    maxConcurrentSyncMsg: positive,
    welcomeCodeTtlSeconds: positive,
    invalidEventCodeErrcode: z.number().int(),
    callbackTimeoutMs: positive,
    callbackRetryDelayMs: nonNegative,
    imageMaxBytes: positive,
    checkMediaFormat: z.boolean(),
    menuClickIdMaxBytes: positive,
    tokenTtlSeconds: positive,
    trustedIps: z.array(z.string().min(1)),
    suiteReceiveId: z.enum(['suite_id', 'provider_corpid']),
    providerKfGrants: z.enum(['enforce', 'off']),
    instructionTimeoutMs: positive,
  })
  .partial()
  .strict();

/**
 * Validates `partial` and fills the rest from `base`. Throws a RangeError naming the bad switch.
 *
 * @example
 * resolveSwitches({ callbackTimeoutMs: 200 }) // the defaults, with a short callback timeout
 */
export function resolveSwitches(partial: Partial<EmulatorSwitches> = {}, base: Readonly<EmulatorSwitches> = defaultSwitches): EmulatorSwitches {
  const parsed = switchesSchema.safeParse(partial);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RangeError(`emulator switch ${issue?.path.join('.') || '?'}: ${issue?.message ?? 'invalid'}`);
  }
  return { ...base, ...(parsed.data as Partial<EmulatorSwitches>) };
}
