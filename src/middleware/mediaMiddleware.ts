import { setMediaHook } from '../adapter/sendHooks';
import { silentLogger, type Logger } from '../common/logger';
import { ActivityTypes, type CoreTurn, type TurnRule } from '../core';
import { checkInboundAttachment } from './inboundMedia';
import { kfFactsOf } from './kfChannelData';
import type { MediaKind } from './mediaRules';
import { checkOutboundMedia } from './outboundMedia';

export interface MediaMiddlewareOptions {
  /** Default: silent. */
  logger?: Logger;
}

/** kf msgtypes that carry media: what the customer meant to send, when the bytes say nothing. */
const MEDIA_MSGTYPES: ReadonlySet<string> = new Set(['image', 'voice', 'video', 'file']);

/**
 * WeCom's media limits (mediaRules.ts) in both directions, by the files' real bytes:
 * - incoming: each `data:` attachment of a message is checked; a breach is replaced by an
 *   `application/vnd.wecom.rejected-attachment` ({ reason, kind, detectedType, size, limit }) and
 *   the rest of the activity goes on to the bot;
 * - outgoing: installs the turn's media hook, which the adapter calls with each attachment's bytes
 *   before uploading; it picks the upload type from the bytes or throws `MediaRejectedError`.
 *
 * @example
 * adapter.use(new MediaMiddleware({ logger }));
 * // in the bot:
 * for (const a of context.activity.attachments ?? [])
 *   if (a.contentType === 'application/vnd.wecom.rejected-attachment') await context.sendActivity('Sorry, I cannot open that file.');
 */
export class MediaMiddleware implements TurnRule {
  private readonly logger: Logger;

  constructor(options: MediaMiddlewareOptions = {}) {
    this.logger = options.logger ?? silentLogger;
  }

  async onTurn(context: CoreTurn, next: () => Promise<void>): Promise<void> {
    setMediaHook(context, {
      checkOutbound: async (_context, media) => {
        const decision = await checkOutboundMedia(media);
        if (media.requestedType !== 'auto' && media.requestedType !== decision.mediaType) {
          this.logger.debug({ requested: media.requestedType, sent: decision.mediaType }, 'outgoing media sent as the type its bytes show');
        }
        return decision;
      },
    });
    await this.checkInbound(context);
    await next();
  }

  private async checkInbound(context: CoreTurn): Promise<void> {
    const activity = context.activity;
    if (activity.type !== ActivityTypes.Message || !activity.attachments?.length) return;
    const msgtype = kfFactsOf(activity)?.msgtype;
    const hint = msgtype !== undefined && MEDIA_MSGTYPES.has(msgtype) ? (msgtype as MediaKind) : undefined;
    const checked = await Promise.all(activity.attachments.map((a) => checkInboundAttachment(a, hint)));
    for (const c of checked) {
      if (!c.ok) this.logger.info({ conversationId: activity.conversation?.id, ...c.attachment.content }, 'incoming media refused by the media rules');
    }
    activity.attachments = checked.map((c) => c.attachment);
  }
}

