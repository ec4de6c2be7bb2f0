import { ActivityTypes, BotAdapter, TurnContext, type Activity, type ConversationReference, type ResourceResponse } from 'botbuilder';
import { mediaHookOf, sendHooksOf, type MediaDecision, type OutboundSend, type SendOutcome, type SendOutcomeListener } from '../../src/adapter/sendHooks';
import { decodeDataUrl } from '../../src/middleware/inboundMedia';
import type { KfOutboundMessage } from '../../src/wecom/kfMessages';

/** How a test WeCom answers one send. */
export type SendTransport = (send: OutboundSend) => SendOutcome | Promise<SendOutcome>;

/**
 * A TEST DOUBLE OF THE ADAPTER'S SEND LOOP — not of the middleware. It does what sendHooks.ts asks
 * of the real WeComAdapter, and nothing more:
 * - each activity becomes kf messages (its text, then one message per attachment);
 * - an attachment's bytes go through the turn's media hook before anything is "uploaded";
 * - every kf message calls every send hook's `beforeSend` in order; a throw refuses that message
 *   (earlier hooks learn `not_sent`) and rejects the bot's `sendActivity`;
 * - the transport's outcome is passed to every listener; a failed send rejects too.
 * `channelData.via = 'send_msg_on_event'` on an activity marks a welcome-code answer.
 */
export class SendLoopTestAdapter extends BotAdapter {
  /** What was "uploaded": the media decisions, in order. */
  readonly uploads: MediaDecision[] = [];
  private sequence = 0;

  constructor(private readonly transport: SendTransport) {
    super();
  }

  /** Runs one incoming activity through the middleware and `logic`, as the adapter's inbound pipeline does. */
  processActivity(activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    return this.runMiddleware(new TurnContext(this, activity), logic);
  }

  override async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'continueConversation' }, reference, true);
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    // botbuilder pairs responses with activities by index: one per activity, even when an activity
    // became several kf messages (its id is the last one's).
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      let id = '';
      if (activity.type === ActivityTypes.Message) {
        for (const message of await this.toKfMessages(context, activity)) id = await this.sendOne(context, activity, message);
      }
      responses.push({ id });
    }
    return responses;
  }

  override async updateActivity(): Promise<void> {
    throw new Error('not supported by WeCom');
  }

  override async deleteActivity(): Promise<void> {
    throw new Error('not supported by WeCom');
  }

  private async toKfMessages(context: TurnContext, activity: Partial<Activity>): Promise<KfOutboundMessage[]> {
    const messages: KfOutboundMessage[] = [];
    if (activity.text) messages.push({ msgtype: 'text', text: { content: activity.text } });
    for (const attachment of activity.attachments ?? []) {
      const bytes = attachment.contentUrl ? decodeDataUrl(attachment.contentUrl) : undefined;
      if (!bytes) throw new Error('the test adapter sends data: URLs only');
      const hook = mediaHookOf(context);
      if (!hook) throw new Error('no media hook installed');
      const decision = await hook.checkOutbound(context, { bytes, name: attachment.name, declaredContentType: attachment.contentType, requestedType: 'auto' });
      this.uploads.push(decision);
      const media = { media_id: `media${this.uploads.length}` };
      messages.push(mediaMessage(decision.mediaType, media));
    }
    return messages;
  }

  private async sendOne(context: TurnContext, activity: Partial<Activity>, message: KfOutboundMessage): Promise<string> {
    const conversationId = activity.conversation?.id ?? context.activity.conversation.id;
    const [corpId = '', openKfId = '', externalUserId = ''] = conversationId.split(':');
    const via = (activity.channelData as { via?: OutboundSend['via'] } | undefined)?.via ?? 'send_msg';
    this.sequence += 1;
    const send: OutboundSend = { corpId, openKfId, externalUserId, conversationId, msgid: `reply${this.sequence}`, via, message };
    const listeners: SendOutcomeListener[] = [];
    try {
      for (const hook of sendHooksOf(context)) {
        const listener = await hook.beforeSend(context, send);
        if (listener) listeners.push(listener);
      }
    } catch (error) {
      await Promise.all(listeners.map((l) => l({ status: 'not_sent', error })));
      throw error;
    }
    const outcome = await this.transport(send);
    await Promise.all(listeners.map((l) => l(outcome)));
    if (outcome.status !== 'sent') throw outcome.error;
    return outcome.wecomMsgid;
  }
}

function mediaMessage(kind: MediaDecision['mediaType'], media: { media_id: string }): KfOutboundMessage {
  switch (kind) {
    case 'image':
      return { msgtype: 'image', image: media };
    case 'voice':
      return { msgtype: 'voice', voice: media };
    case 'video':
      return { msgtype: 'video', video: media };
    case 'file':
      return { msgtype: 'file', file: media };
  }
}
