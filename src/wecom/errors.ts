import { WeComChannelError } from '../common/errors';
import { describeRefusal, isKnownErrcode, type WeComErrorAction } from './errorCodes';

/** Wrong secret or corp id, missing permission, untrusted IP, API switched off, no fresh suite ticket. */
const operatorFixable: ReadonlySet<number> = new Set([40001, 40013, 48002, 60020, 95017, 95023,
  // Provider mode: wrong suite id or secret; a ticket that is missing or stale until WeCom's next push;
  // a corp that cancelled its authorisation (its traffic is held until its admin authorises again).
  40080, 40083, 40085, 41023, 40084, 48004]);

/**
 * WeCom answered, and said no (`errcode != 0`). `method` is the API path (`kf/send_msg`), never a
 * URL, so no access token can leak through the message.
 *
 * @example
 * catch (e) { if (e instanceof WeComApiError && e.errcode === 95001) { ... } }
 */
export class WeComApiError extends WeComChannelError {
  override readonly name = 'WeComApiError' as const;
  readonly code = 'wecom_api_error' as const;
  readonly hint: string;
  readonly action: WeComErrorAction;

  constructor(
    readonly method: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    const { hint, action } = describeRefusal(errcode, errmsg);
    super(`WeCom ${method} failed with errcode ${errcode}: ${hint} (errmsg: ${errmsg})`);
    this.hint = hint;
    this.action = action;
  }

  /** A refusal retrying cannot change: a wrong request or configuration, or WeChat's messaging rules. */
  override get final(): boolean {
    // Configuration and permission errors are fixed by an operator, after which the same call
    // works: those (and codes we do not know) are worth retrying, not final.
    if (operatorFixable.has(this.errcode) || !isKnownErrcode(this.errcode)) return false;
    return this.action === 'fix' || this.action === 'wait_for_customer';
  }
}

/**
 * WeCom could not be reached or did not answer properly: network fault, timeout, HTTP status
 * other than 200, or a body that is not WeCom's JSON. The original error is in `cause`.
 */
export class WeComHttpError extends WeComChannelError {
  override readonly name = 'WeComHttpError' as const;
  readonly code = 'wecom_http_error' as const;
  /** The HTTP status when WeCom answered with one other than 200. */
  readonly status?: number;

  constructor(
    readonly method: string,
    message: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(`WeCom ${method}: ${message}`, { cause: options.cause });
    this.status = options.status;
  }
}

/**
 * A `media/get` download was refused for its size: WeCom declared more bytes than the caller's cap
 * (`Content-Length`), or sent more while streaming (then it was cut off at the cap). Either way the
 * file was never held whole in memory.
 *
 * @example
 * catch (e) { if (e instanceof MediaTooLargeError) console.log(e.size, e.limit); }
 */
export class MediaTooLargeError extends WeComChannelError {
  override readonly name = 'MediaTooLargeError' as const;
  readonly code = 'media_too_large' as const;

  constructor(
    readonly method: string,
    /** Bytes declared (`Content-Length`), or read when the download was cut off. */
    readonly size: number,
    readonly limit: number,
    /** Whether `size` is the declared length (true) or the bytes read before cutting off (false). */
    readonly declared: boolean,
  ) {
    super(`WeCom ${method}: the file is ${declared ? '' : 'at least '}${size} bytes, over the ${limit}-byte limit; not downloaded`);
  }

  /** The same file is as large next time. */
  override get final(): boolean {
    return true;
  }
}
