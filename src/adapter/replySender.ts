import { randomUUID } from 'node:crypto';
import type { Clock } from '../common/clock';
import { loadFileType } from '../common/fileType';
import type { Logger } from '../common/logger';
import type { CoreActivity, CoreTurn, ResourceId } from '../core';
import { WeComApiError, WeComHttpError } from '../wecom/errors';
import type { WeComClient } from '../wecom/client';
import type { KfOutboundMessage, KfServiceState } from '../wecom/kfMessages';
import { HandoffActiveError, ReplyTooLargeError } from './adapterErrors';
import { isTransient } from './pipelineErrors';
import { type ConversationParties, conversationIdOf, parseConversationId } from './conversationId';
import { compactContent, type FittedReply, fitToReplies, fromActivity, linkAsText, type OutboundPart } from './fromActivity';
import { AttachmentLoadError, loadAttachmentBytes } from './mediaSource';
import type { ReportOperation } from './operationEvents';
import { OutboxRepository } from './outboxRepository';
import { replyMsgid } from './replyMsgid';
import {
  type MediaDecision, mediaHookOf, type OutboundSend, ReplyHeldBackError, repliesLeftOf, type SendOutcome, type SendOutcomeListener, sendHooksOf, takeRecordedAttempt,
} from './sendHooks';
import { humanHolds, type SessionRepository } from './sessionRepository';
import { type TurnInfo, turnInfoOf } from './turnInfo';
import { mergeWelcome, type WelcomeMessage } from './welcomeMessage';

export interface ReplySenderOptions {
  readonly clientFor: (corpId: string) => WeComClient;
  readonly outbox: OutboxRepository;
  readonly sessions: SessionRepository;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Errcodes WeCom may answer to a repeated msgid (unconfirmed which); with an earlier attempt on record they mean "already sent". */
  readonly duplicateMsgidErrcodes: ReadonlySet<number>;
  readonly maxAttachmentBytes: number;
  readonly attachmentTimeoutMs: number;
  /** Tries of one send whose outcome stays unknown (timeouts, resets). Default 3. */
  readonly sendAttempts: number;
  /** Learns how each kf message send ended (metrics). */
  readonly report?: ReportOperation;
}

/**
 * Sends a bot's message activity as kf messages, exactly once per (inbound message, position):
 * each kf message gets a deterministic msgid, the outbox remembers what went out, and the send
 * hooks (conversation window, licence gate) see every kf message before it leaves.
 *
 * An activity that would need more kf messages than the conversation may still receive is sent
 * in its compact form (see `fitToReplies`); what even that cannot fit is refused with
 * {@link ReplyTooLargeError}. A welcome turn's activities are buffered and go out as one message
 * at the end of the turn ({@link ReplySender.flushWelcome}).
 */
export class ReplySender {
  constructor(private readonly options: ReplySenderOptions) {}

  async send(context: CoreTurn, activity: CoreActivity): Promise<ResourceId> {
    const parties = parseConversationId(activity.conversation?.id ?? context.activity.conversation?.id ?? '');
    const conversationId = conversationIdOf(parties);
    // Positions are taken before the first await, so sends a bot fires in parallel keep the
    // order it called them in, and a retried turn maps each reply to the same msgid again.
    const info = turnInfoOf(context, () => `proactive:${randomUUID()}`);
    const msgidAt = (index: number): string => replyMsgid({ corpId: parties.corpId, openKfId: parties.openKfId, anchor: info.anchor, index });
    const turnConversation = context.activity.conversation?.id;
    if (info.welcome && info.welcomeCode && (activity.conversation?.id ?? turnConversation) === turnConversation) {
      // Checked now, so the bot's own sendActivity learns of an activity WeChat cannot show.
      info.welcome.contents.push(compactContent(activity));
      info.welcome.msgid ??= msgidAt(info.replyIndex++);
      return { id: info.welcome.msgid };
    }
    const normal = fromActivity(activity);
    // As many positions as the normal rendering takes: the compact one never takes more.
    const msgids = normal.map(() => msgidAt(info.replyIndex++));
    const session = await this.options.sessions.get(conversationId);
    if (humanHolds(session?.state) && !(await this.humanStillHolds(parties, conversationId, session!.updatedAt))) {
      this.options.logger.info({ conversationId }, 'the human session ended without an event reaching us; the bot may send again');
    } else if (humanHolds(session?.state)) {
      throw new HandoffActiveError(conversationId);
    }

    const fitted = await this.fit(context, info, conversationId, activity, normal, msgids);
    let firstId: string | undefined;
    for (let i = 0; i < fitted.fits; i++) {
      try {
        const id = await this.sendPart(context, parties, conversationId, msgids[i]!, fitted.parts[i]!);
        firstId ??= id;
      } catch (e) {
        if (!(e instanceof ReplyHeldBackError)) throw e;
        // The rest of this activity would be held back too; the bot's turn goes on.
        this.options.logger.warn({ conversationId, reason: e.reason, heldBack: fitted.parts.length - i }, 'reply held back: WeChat\'s rules leave no room for it in this turn');
        return { id: firstId ?? '' };
      }
    }
    if (fitted.fits < fitted.parts.length) throw new ReplyTooLargeError(conversationId, fitted.fits, fitted.parts.slice(fitted.fits));
    return { id: firstId ?? '' };
  }

  /**
   * Ends a welcome turn's buffering and sends what the bot sent as the one message the welcome
   * code allows (see welcomeMessage.ts); returns the merge, whose `leftOut` the adapter reports.
   * Nothing buffered: nothing is sent and the code stays unused.
   */
  async flushWelcome(context: CoreTurn): Promise<WelcomeMessage | undefined> {
    const info = turnInfoOf(context, () => `proactive:${randomUUID()}`);
    const buffer = info.welcome;
    info.welcome = undefined;
    if (!buffer?.msgid || buffer.contents.length === 0) return undefined;
    const welcome = mergeWelcome(buffer.contents);
    if (welcome.message) {
      const parties = parseConversationId(context.activity.conversation?.id ?? '');
      await this.sendPart(context, parties, conversationIdOf(parties), buffer.msgid, { kind: 'send', message: welcome.message });
    }
    return welcome;
  }

  /** Stops buffering a welcome turn (its logic failed): later sends, e.g. from `onTurnError`, go out as usual. */
  stopWelcome(context: CoreTurn): void {
    turnInfoOf(context, () => `proactive:${randomUUID()}`).welcome = undefined;
  }

  /** The rendering that fits the replies the send hooks say are left (see `fitToReplies`). */
  private async fit(
    context: CoreTurn, info: TurnInfo, conversationId: string,
    activity: CoreActivity, normal: OutboundPart[], msgids: readonly string[],
  ): Promise<FittedReply> {
    const asIs: FittedReply = { parts: normal, compact: false, fits: normal.length };
    // The first part goes with an event code, outside the window: nothing to fit.
    if (info.welcomeCode) return asIs;
    // One text message and nothing else: its compact form is that same text, so every count of
    // replies left renders it as it is (see fitToReplies). The window is not read for it.
    if (normal.length === 1 && isTextOnly(activity)) return asIs;
    // Slots this very activity took in an earlier attempt of the turn count as left (the hooks know
    // them by msgid): a retried turn then renders it as the first attempt did, and each msgid keeps its content.
    const left = await repliesLeftOf(context, conversationId, msgids);
    if (left === undefined || left <= 0 || normal.length <= left - 1) return asIs;
    const fitted = fitToReplies(normal, () => fromActivity(activity, { compact: true }), left);
    if (fitted.compact) this.options.logger.info({ conversationId, normal: normal.length, compact: fitted.parts.length, left }, 'activity rendered compactly to fit the replies left');
    return fitted;
  }

  /** WeCom's msgid of what went out; `undefined` when an optional part was left out. */
  private async sendPart(context: CoreTurn, parties: ConversationParties, conversationId: string, msgid: string, part: OutboundPart): Promise<string | undefined> {
    const { outbox } = this.options;
    const outboxId = OutboxRepository.idOf(parties.corpId, parties.openKfId, msgid);
    const info = turnInfoOf(context, () => `proactive:${randomUUID()}`);
    const sentBefore = info.sent?.get(outboxId);
    const earlier = sentBefore === undefined ? await outbox.get(outboxId) : { status: 'sent' as const, wecomMsgid: sentBefore };
    if (earlier?.status === 'sent') {
      // A retried turn: this one already went out, and with it the welcome code if it carried one.
      info.welcomeCode = undefined;
      return earlier.wecomMsgid ?? msgid;
    }

    const client = this.options.clientFor(parties.corpId);
    const message = await this.materialize(context, client, part, conversationId);
    if (message === undefined) return undefined;
    const code = info.welcomeCode && (message.msgtype === 'text' || message.msgtype === 'msgmenu') ? info.welcomeCode : undefined;
    const send: OutboundSend = { ...parties, conversationId, msgid, via: code ? 'send_msg_on_event' : 'send_msg', message };

    const listeners: SendOutcomeListener[] = [];
    try {
      for (const hook of sendHooksOf(context)) {
        const listener = await hook.beforeSend(context, send);
        if (listener) listeners.push(listener);
      }
    } catch (refusal) {
      this.options.report?.({ kind: 'send', result: 'refused' });
      await notify(listeners, { status: 'not_sent', error: refusal });
      throw refusal;
    }

    // The attempt is on record before the send (a repeated msgid is then known for ours): in the
    // window's reply slot when a hook says it named the msgid, else in the outbox.
    const recorded = takeRecordedAttempt(context, msgid);
    if (!recorded) await outbox.markAttempting(outboxId);
    let attemptedBefore = earlier?.status === 'attempting' || recorded === 'repeat';
    const record: SendRecord = { outboxId, info, inOutbox: !recorded || earlier !== null };
    for (let attempt = 1; ; attempt++) {
      try {
        const sent = code
          ? await client.sendMsgOnEvent({ code, msgid, message: message as Extract<KfOutboundMessage, { msgtype: 'text' | 'msgmenu' }> })
          : await client.sendMsg({ touser: parties.externalUserId, open_kfid: parties.openKfId, msgid, message });
        if (code) info.welcomeCode = undefined; // single use
        return await this.succeeded(record, sent.msgid || msgid, listeners);
      } catch (e) {
        if (e instanceof WeComHttpError && attempt < this.options.sendAttempts) {
          // We may or may not have sent it: repeat with the same msgid, which WeCom deduplicates.
          attemptedBefore = true;
          await sleep(50 * 2 ** attempt);
          continue;
        }
        // A repeated event send finds its single-use code spent, most likely by the earlier attempt.
        const spentCode = code !== undefined && e instanceof WeComApiError && e.errcode === INVALID_EVENT_CODE;
        if (e instanceof WeComApiError && attemptedBefore && (this.options.duplicateMsgidErrcodes.has(e.errcode) || spentCode)) {
          // An earlier attempt of this very send went out (a crash or timeout hid the answer).
          // Logged loudly: the errcode WeCom uses for a repeated msgid is unconfirmed (see duplicateMsgidErrcodes).
          this.options.logger.warn({ msgid, errcode: e.errcode }, 'repeated msgid refused: taken as sent by the earlier attempt');
          if (code) info.welcomeCode = undefined; // spent either way
          return await this.succeeded(record, msgid, listeners);
        }
        await this.failed(e, { record, listeners, client, parties, conversationId });
        if (code && e instanceof WeComApiError) info.welcomeCode = undefined; // a refused code will not work a second time either
        throw e;
      }
    }
  }

  private async failed(
    e: unknown,
    at: { record: SendRecord; listeners: SendOutcomeListener[]; client: WeComClient; parties: ConversationParties; conversationId: string },
  ): Promise<void> {
    this.options.report?.(e instanceof WeComApiError ? { kind: 'send', result: 'error', errcode: e.errcode } : { kind: 'send', result: 'unknown' });
    if (!(e instanceof WeComApiError)) {
      await notify(at.listeners, { status: 'unknown', error: e });
      return;
    }
    if (at.record.inOutbox) await this.options.outbox.forget(at.record.outboxId);
    await notify(at.listeners, { status: 'not_sent', error: e, errcode: e.errcode });
    if (e.errcode === 95018) await this.refreshSession(at.client, at.parties, at.conversationId);
  }

  private async succeeded(record: SendRecord, wecomMsgid: string, listeners: SendOutcomeListener[]): Promise<string> {
    this.options.report?.({ kind: 'send', result: 'ok', errcode: 0 });
    // A turn of an inbox message keeps what went out with the message (written by its end, success
    // or failure); a crash before that leaves the attempt on record, and the retry's repeated msgid
    // is then known for ours. Other turns (proactive, events) have no inbox entry: the outbox keeps it.
    if (record.info.sent) record.info.sent.set(record.outboxId, wecomMsgid);
    else await this.options.outbox.markSent(record.outboxId, wecomMsgid);
    await notify(listeners, { status: 'sent', wecomMsgid });
    return wecomMsgid;
  }

  /**
   * Turns a planned part into a sendable kf message: media is fetched, checked and uploaded first.
   * `undefined`: an optional part (a card's picture) that could not be had, left out with a warning
   * before any send hook ran, so it spends no reply slot.
   */
  private async materialize(context: CoreTurn, client: WeComClient, part: OutboundPart, conversationId: string): Promise<KfOutboundMessage | undefined> {
    const loadOptions = { maxBytes: this.options.maxAttachmentBytes, timeoutMs: this.options.attachmentTimeoutMs };
    switch (part.kind) {
      case 'send':
        return part.message;
      case 'media': {
        let bytes: Buffer;
        let decision: MediaDecision;
        try {
          bytes = await loadAttachmentBytes(part.attachment, loadOptions);
          const media = { bytes, name: part.attachment.name, declaredContentType: part.attachment.contentType, requestedType: part.mediaType };
          const hook = mediaHookOf(context);
          decision = hook ? await hook.checkOutbound(context, media) : await decideByBytes(bytes, part.attachment.name, part.mediaType);
        } catch (e) {
          // An attachment the bot sent on purpose fails the send; a card's picture is left out.
          if (!part.optional) throw e;
          this.leftOut(conversationId, part.attachment.contentUrl, e, "a card's picture or media was left out (could not be fetched, or the media rules refuse it); the card's text still goes");
          return undefined;
        }
        if (part.optional && part.mediaType === 'image' && decision.mediaType !== 'image') {
          // A card's picture that is no JPG/PNG would reach the customer as a file to download.
          this.leftOut(conversationId, part.attachment.contentUrl, decision.contentType, "a card's picture was left out: it is not a JPG or PNG; the card's text still goes");
          return undefined;
        }
        const uploaded = await client.uploadMedia({ type: decision.mediaType, bytes, filename: decision.filename, contentType: decision.contentType });
        return { msgtype: decision.mediaType, [decision.mediaType]: { media_id: uploaded.media_id } } as KfOutboundMessage;
      }
      case 'link': {
        const asText: KfOutboundMessage = { msgtype: 'text', text: { content: linkAsText(part) } };
        if (!part.thumbnailUrl) return asText;
        let bytes: Buffer;
        try {
          bytes = await loadAttachmentBytes({ contentUrl: part.thumbnailUrl }, { ...loadOptions, maxBytes: Math.min(THUMBNAIL_MAX_BYTES, loadOptions.maxBytes) });
        } catch (e) {
          // WeCom's link message needs a thumbnail; without one the customer still gets the words and the URL.
          if (!(e instanceof AttachmentLoadError)) throw e;
          this.leftOut(conversationId, part.thumbnailUrl, e, "a card's thumbnail could not be fetched; the link goes as text");
          return asText;
        }
        const decision = await decideByBytes(bytes, 'thumbnail', 'image');
        if (decision.mediaType !== 'image') {
          this.leftOut(conversationId, part.thumbnailUrl, decision.contentType, "a card's thumbnail is not a JPG or PNG; the link goes as text");
          return asText;
        }
        const thumb = await client.uploadMedia({ type: 'image', bytes, filename: decision.filename, contentType: decision.contentType });
        return { msgtype: 'link', link: { title: part.title, desc: part.desc, url: part.url, thumb_media_id: thumb.media_id } };
      }
    }
  }

  private leftOut(conversationId: string, url: string | undefined, why: unknown, message: string): void {
    // The host only: a signed URL may carry a credential, and a data: URL is the whole file.
    const source = url === undefined ? 'content' : url.startsWith('data:') ? 'data: URL' : hostOf(url);
    const detail = why instanceof Error ? { err: why } : { detectedType: why };
    this.options.logger.warn({ conversationId, source, ...detail }, message);
  }

  private async refreshSession(client: WeComClient, parties: ConversationParties, conversationId: string, rethrowTransient = false): Promise<KfServiceState | undefined> {
    try {
      const state = await client.getServiceState({ open_kfid: parties.openKfId, external_userid: parties.externalUserId });
      await this.options.sessions.set(conversationId, state.service_state, state.servicer_userid);
      return state.service_state;
    } catch (e) {
      // A hiccup must not turn into a final "a human holds it" refusal: the turn is retried instead.
      if (rethrowTransient && isTransient(e)) throw e;
      this.options.logger.warn({ err: e, conversationId }, 'could not re-read the session state');
      return undefined;
    }
  }

  /**
   * Our record says a human holds the session. A record older than a minute is checked with WeCom
   * first: the event that ended the session may have been missed (or skipped by the first pull's
   * backfill), and a stale record would silence the bot until the customer writes.
   */
  private async humanStillHolds(parties: ConversationParties, conversationId: string, recordedAt: Date): Promise<boolean> {
    if (this.options.clock.now() - recordedAt.getTime() < 60_000) return true;
    const live = await this.refreshSession(this.options.clientFor(parties.corpId), parties, conversationId, true);
    return live === undefined || humanHolds(live);
  }
}

/** Images WeCom certainly takes (the older kf doc's limit; the media doc says 10 MB), as the media rules use. */
const THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024;


/** Where one send's outcome is recorded. */
interface SendRecord {
  readonly outboxId: string;
  readonly info: TurnInfo;
  /** An `attempting` record is in the outbox (ours, or from an earlier attempt), to forget if the send certainly failed. */
  readonly inOutbox: boolean;
}

/** Text alone: no attachment, entity, suggested action or channelData message beside it. */
function isTextOnly(activity: CoreActivity): boolean {
  return !activity.attachments?.length && !activity.entities?.length && !activity.suggestedActions?.actions?.length && activity.channelData === undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

/** WeCom's answer to a used or expired event code (unconfirmed for kf; the emulator's default). */
const INVALID_EVENT_CODE = 41050;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function notify(listeners: readonly SendOutcomeListener[], outcome: SendOutcome): Promise<void> {
  for (const listener of listeners) await listener(outcome);
}

/** Without the media middleware: WeCom's upload type from the real bytes (the middleware also enforces limits). */
async function decideByBytes(bytes: Buffer, name: string | undefined, requested: MediaDecision['mediaType'] | 'auto'): Promise<MediaDecision> {
  const detected = await (await loadFileType())(bytes);
  const mime = detected?.mime ?? 'application/octet-stream';
  const mediaType: MediaDecision['mediaType'] =
    mime === 'image/jpeg' || mime === 'image/png' ? 'image' : mime === 'audio/amr' ? 'voice' : mime === 'video/mp4' ? 'video' : requested === 'auto' ? 'file' : 'file';
  const filename = name ?? (detected ? `${mediaType}.${detected.ext}` : mediaType);
  return { mediaType, contentType: mime, filename };
}
