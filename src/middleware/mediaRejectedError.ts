import { WeComChannelError } from '../common/errors';
import { describeRejection, type MediaKind, type MediaRejectionReason, type MediaVerdict } from './mediaRules';

/**
 * Media that breaks WeCom's limits (mediaRules.ts), refused before anything is uploaded. An
 * outgoing breach rejects the bot's `sendActivity`; an incoming one never throws (the bot gets a
 * rejected attachment instead), but carries the same fields.
 *
 * @example
 * try { await context.sendActivity({ attachments: [bigVideo] }); }
 * catch (e) {
 *   if (e instanceof MediaRejectedError && e.reason === 'too-large') await context.sendActivity('That video is too big to send here.');
 * }
 */
export class MediaRejectedError extends WeComChannelError {
  override readonly name = 'MediaRejectedError' as const;
  readonly code = 'media_rejected' as const;

  override get final(): boolean {
    return true;
  }
  readonly direction: 'inbound' | 'outbound';
  readonly reason: MediaRejectionReason;
  /** The kind the bytes are, else the kind the sender asked for, if known. */
  readonly kind?: MediaKind;
  /** The real type from the bytes (`docx`, `exe`, …); undefined when unrecognised. */
  readonly detectedType?: string;
  readonly size: number;
  /** The bound that was broken, in bytes: the maximum for `too-large`, the exclusive minimum (5) for `too-small`. */
  readonly limit?: number;
  /** The file name the sender gave, if any (never trusted for the type). */
  readonly filename?: string;

  constructor(direction: 'inbound' | 'outbound', verdict: Extract<MediaVerdict, { ok: false }>, filename?: string) {
    super(`${direction === 'outbound' ? 'Outgoing' : 'Incoming'} media${filename ? ` "${filename}"` : ''} refused: ${describeRejection(verdict)}.`);
    this.direction = direction;
    this.reason = verdict.reason;
    this.kind = verdict.kind;
    this.detectedType = verdict.detectedType;
    this.size = verdict.size;
    this.limit = verdict.limit;
    this.filename = filename;
  }
}
