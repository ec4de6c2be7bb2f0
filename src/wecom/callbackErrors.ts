import { WeComChannelError } from '../common/errors';

/** Why a callback was not authentic: answer it with {@link CallbackVerificationError.httpStatus} and do nothing else. */
export type CallbackVerificationCode =
  | 'signature_mismatch'
  | 'decrypt_failed'
  | 'receive_id_mismatch'
  | 'timestamp_stale'
  | 'missing_parameter';

/** Why a callback body could not be read or understood. */
export type CallbackPayloadCode =
  | 'payload_too_large'
  | 'payload_malformed'
  | 'body_read_failed'
  | 'method_not_allowed';

const verificationStatus: Record<CallbackVerificationCode, number> = {
  signature_mismatch: 401,
  decrypt_failed: 400,
  receive_id_mismatch: 401,
  timestamp_stale: 401,
  missing_parameter: 400,
};

const payloadStatus: Record<CallbackPayloadCode, number> = {
  payload_too_large: 413,
  payload_malformed: 400,
  body_read_failed: 400,
  method_not_allowed: 405,
};

/**
 * A callback failed the WeCom crypto checks (signature, decryption, receive id, age) or lacked a
 * query parameter. The message never contains the Token or the EncodingAESKey.
 *
 * @example
 * try { openCallback(request); }
 * catch (e) { if (isChannelError(e, 'signature_mismatch')) { res.statusCode = 401; res.end(); } }
 */
export class CallbackVerificationError extends WeComChannelError {
  override readonly name = 'CallbackVerificationError' as const;
  /** The HTTP status a handler should answer with. WeCom retries anything but 200, which is what we want for a failure. */
  readonly httpStatus: number;

  constructor(
    readonly code: CallbackVerificationCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.httpStatus = verificationStatus[code];
  }
}

/**
 * A callback body was too large, not well-formed XML, refused as hostile (DOCTYPE/ENTITY), could
 * not be read, or came with an HTTP method callbacks never use.
 *
 * @example
 * catch (e) { if (e instanceof CallbackPayloadError) { res.statusCode = e.httpStatus; res.end(); } }
 */
export class CallbackPayloadError extends WeComChannelError {
  override readonly name = 'CallbackPayloadError' as const;
  /** The HTTP status a handler should answer with (413 for `payload_too_large`, 405, else 400). */
  readonly httpStatus: number;

  constructor(
    readonly code: CallbackPayloadCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.httpStatus = payloadStatus[code];
  }
}

/** Either callback error: both carry a stable `code` and an `httpStatus`. */
export type CallbackError = CallbackVerificationError | CallbackPayloadError;

/**
 * The status to answer a failed callback with: the error's `httpStatus` if it is a callback
 * error, else 500. Matches by shape, like `isChannelError`, so it works across package copies.
 *
 * @example
 * catch (e) { res.statusCode = callbackErrorStatus(e); res.end(); }
 */
export function callbackErrorStatus(e: unknown): number {
  if (e instanceof CallbackVerificationError || e instanceof CallbackPayloadError) return e.httpStatus;
  const status = e instanceof Error ? (e as { httpStatus?: unknown }).httpStatus : undefined;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
