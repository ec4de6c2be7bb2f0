import { WeComChannelError } from '../common';

/**
 * The Agents SDK refused an activity the channel built for a turn (`Activity.fromObject` validates
 * every field). Final: the same message would be refused again, so the inbox keeps it as refused
 * rather than retrying it forever. `issues` lists what the SDK's validation said, field by field.
 *
 * @example
 * adapter.onOperation((e) => { if (e.kind === 'turn' && e.result === 'refused') console.warn(e); });
 */
export class AgentsActivityRefusedError extends WeComChannelError {
  override readonly name = 'AgentsActivityRefusedError' as const;
  readonly code = 'agents_activity_refused' as const;

  override get final(): boolean {
    return true;
  }

  constructor(
    /** The refused activity's id (the kf msgid for a customer's message). */
    readonly activityId: string,
    readonly conversationId: string,
    /** The validation's findings, as `path: message`. */
    readonly issues: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`the Agents SDK refused activity ${activityId || '(no id)'} of conversation ${conversationId || '(none)'}: ${issues.join('; ')}. The message is kept as refused, not retried`, options);
  }
}

/**
 * The Agents SDK refused an activity the bot sent (its `sendActivity` validates every activity
 * before the adapter sees it: an empty card action title, `suggestedActions` without `to`...).
 * Final: a retried turn would send the same activity and be refused again, so the customer's
 * message is kept as refused rather than retried. Nothing of that activity reached WeChat.
 *
 * @example
 * app.onError(async (context, error) => { if (!isFinalRefusal(error)) throw error; }); // an invalid send is final
 */
export class BotActivityInvalidError extends WeComChannelError {
  override readonly name = 'BotActivityInvalidError' as const;
  readonly code = 'bot_activity_invalid' as const;

  override get final(): boolean {
    return true;
  }

  constructor(
    readonly conversationId: string,
    /** The validation's findings, as `path: message`. */
    readonly issues: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`the Agents SDK refused an activity the bot sent in conversation ${conversationId}: ${issues.join('; ')}. Nothing of it was sent; the turn is not retried`, options);
  }
}
