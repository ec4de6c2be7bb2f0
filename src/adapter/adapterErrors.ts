import { WeComChannelError } from '../common/errors';
import type { OutboundPart } from './fromActivity';

/** The bot tried to send while a human servicer (or the queue for one) holds the session. */
export class HandoffActiveError extends WeComChannelError {
  override readonly name = 'HandoffActiveError' as const;
  readonly code = 'handoff_active' as const;

  override get final(): boolean {
    return true;
  }

  constructor(readonly conversationId: string) {
    super(`a human servicer holds this conversation (${conversationId}); the bot stays silent until the session ends. Handle the customer's messages as 'wecom.handoffMessage' events meanwhile`);
  }
}

/** An operation WeCom's kf API does not offer (editing a sent message, for instance). */
export class OperationNotSupportedError extends WeComChannelError {
  override readonly name = 'OperationNotSupportedError' as const;
  readonly code = 'operation_not_supported' as const;

  override get final(): boolean {
    return true;
  }
}

/** The adapter could not be set up or used as asked. */
export class AdapterStateError extends WeComChannelError {
  override readonly name = 'AdapterStateError' as const;
  readonly code = 'adapter_state' as const;
}

/**
 * An activity needs more kf messages than the conversation may still receive, even rendered
 * compactly (cards merged into text): its first `sent` kf messages went out, `unsent` did not.
 * Final: the customer's next message opens a fresh window, and the bot may send the rest then.
 */
export class ReplyTooLargeError extends WeComChannelError {
  override readonly name = 'ReplyTooLargeError' as const;
  readonly code = 'reply_too_large' as const;

  override get final(): boolean {
    return true;
  }

  constructor(
    readonly conversationId: string,
    readonly sent: number,
    readonly unsent: readonly OutboundPart[],
  ) {
    super(`the activity needs ${sent + unsent.length} kf messages and conversation ${conversationId} may receive ${sent} more now: ${sent} sent, ${unsent.length} not. Send less at once, or the rest after the customer writes`);
  }
}

/**
 * A data callback or a call named a corp this adapter does not serve: one that never authorised
 * the provider's app (`unknown`), or one that removed it (`cancelled`; its messages stay with
 * WeCom, and those already pulled stay held, until it authorises the app again).
 */
export class CorpNotServedError extends WeComChannelError {
  override readonly name = 'CorpNotServedError' as const;
  readonly code = 'corp_not_served' as const;
  /** A callback refused for this answers 403: WeCom's retries cannot make it acceptable. */
  readonly httpStatus = 403;

  constructor(
    readonly corpId: string,
    readonly reason: 'unknown' | 'cancelled',
  ) {
    super(reason === 'unknown'
      ? `corp ${corpId} has not authorised this app: its admin must install it (the install link) before its callbacks are served`
      : `corp ${corpId} cancelled its authorisation of this app: its traffic is held until its admin authorises the app again`);
  }
}
