/** A simulated WeChat customer talking to one kf account. */
import { type EmulatorCore, issueEventCode, type Published } from './core';
import { ids } from './ids';
import { type MediaType, sniffContentType } from './media';
import { afterCustomerMessage, welcomeCodeDue } from './rules';
import type { CustomerProfile, SentMessage, SyncMessage } from './state';

/** A 1×1 PNG, the default thumbnail of a shared mini program. */
const tinyPng = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** What `enterSession` published, with the welcome code when WeCom would give one. */
export interface EnteredSession extends Published {
  welcomeCode?: string;
}

export interface EnterOptions {
  /** The `scene` of the contact link (≤32 B). */
  scene?: string;
  /** The `scene_param` appended to the link (≤128 B). */
  sceneParam?: string;
  /** Set when the customer came from WeChat Channels: `{ nickname, shop_nickname?, scene }`. */
  wechatChannels?: { nickname: string; shop_nickname?: string; scene: 1 | 2 | 3 | 4 | 5 };
}

/**
 * A customer: each message lands in sync_msg (origin 3; events origin 4), updates the session the
 * way WeCom does (a fresh 48 h window and 5-reply quota; state 4 → 0), and wakes the app up.
 *
 * @example
 * const c = emu.customer(corp.corpId, openKfid);
 * const { msgid, delivery } = await c.sendText('hello');
 * await delivery;                         // the callback reached the app (or gave up)
 * expect(c.received()).toHaveLength(1);   // what the app answered
 */
export class SimulatedCustomer {
  constructor(
    private readonly core: EmulatorCore,
    readonly corpId: string,
    readonly openKfid: string,
    readonly externalUserId: string,
  ) {}

  /** A text message. */
  async sendText(content: string): Promise<Published> {
    return this.write('text', { content });
  }

  /** A click on a msgmenu `click` item: a text carrying the item's `menu_id`. */
  async clickMenu(menuId: string, content: string): Promise<Published> {
    return this.write('text', { content, menu_id: menuId });
  }

  /** An image; the bytes become a media_id the app can fetch with media/get. */
  async sendImage(bytes: Uint8Array, filename = 'image.png', contentType?: string): Promise<Published> {
    return this.sendMedia('image', bytes, filename, contentType);
  }

  /** A voice message (AMR on WeCom). */
  async sendVoice(bytes: Uint8Array, filename = 'voice.amr', contentType?: string): Promise<Published> {
    return this.sendMedia('voice', bytes, filename, contentType);
  }

  /** A video. */
  async sendVideo(bytes: Uint8Array, filename = 'video.mp4', contentType?: string): Promise<Published> {
    return this.sendMedia('video', bytes, filename, contentType);
  }

  /** A file. */
  async sendFile(bytes: Uint8Array, filename: string, contentType?: string): Promise<Published> {
    return this.sendMedia('file', bytes, filename, contentType);
  }

  /**
   * An image, voice, video or file message for media already stored (see `emu.putMedia`), e.g. a
   * synthetic 150 MB file.
   *
   * @example
   * await customer.sendStoredMedia('file', emu.putMedia(corpId, { type: 'file', bytes: pdfHead, filename: 'big.pdf', padTo: 150 * MB }));
   */
  async sendStoredMedia(type: MediaType, mediaId: string): Promise<Published> {
    return this.write(type, { media_id: mediaId });
  }

  /** A shared location. */
  async sendLocation(location: { latitude: number; longitude: number; name?: string; address?: string }): Promise<Published> {
    return this.write('location', { name: '', address: '', ...location });
  }

  /** A shared link. */
  async sendLink(link: { title: string; url: string; desc?: string; pic_url?: string }): Promise<Published> {
    return this.write('link', { desc: '', pic_url: '', ...link });
  }

  /** A WeCom member's business card. */
  async sendBusinessCard(userid: string): Promise<Published> {
    return this.write('business_card', { userid });
  }

  /** A shared mini program; its thumbnail is stored as media. */
  async sendMiniprogram(mp: { title: string; appid: string; pagepath: string; thumb?: Uint8Array }): Promise<Published> {
    const thumb = this.storeMedia('image', mp.thumb ?? tinyPng, 'thumb.png');
    return this.write('miniprogram', { title: mp.title, appid: mp.appid, pagepath: mp.pagepath, thumb_media_id: thumb });
  }

  /** Any msgtype with a raw payload (channels, merged_msg, an unknown type...). */
  async sendRaw(msgtype: string, payload: unknown): Promise<Published> {
    return this.write(msgtype, payload);
  }

  /**
   * Opens the chat (enter_session). Carries a welcome_code, valid `welcomeCodeTtlSeconds`, when no
   * welcome and no message either way happened in 48 h.
   */
  async enterSession(options: EnterOptions = {}): Promise<EnteredSession> {
    const now = this.core.clock.now();
    const session = this.core.world.session(this.corpId, this.openKfid, this.externalUserId);
    const welcomeCode = welcomeCodeDue(session, now) ? issueEventCode(this.core, 'welcome', this.corpId, this.openKfid, this.externalUserId, session.state) : undefined;
    const event: Record<string, unknown> = {
      event_type: 'enter_session',
      open_kfid: this.openKfid,
      external_userid: this.externalUserId,
      scene: options.scene ?? '',
      scene_param: options.sceneParam ?? '',
    };
    if (welcomeCode) event.welcome_code = welcomeCode;
    if (options.wechatChannels) event.wechat_channels = options.wechatChannels;
    this.touch(now, { scene: options.scene ?? '', scene_param: options.sceneParam ?? '', wechat_channels: options.wechatChannels });
    return { ...this.publishEvent(event), welcomeCode };
  }

  /** Recalls one of the customer's messages (user_recall_msg). */
  async recall(msgid: string): Promise<Published> {
    return this.publishEvent({ event_type: 'user_recall_msg', open_kfid: this.openKfid, external_userid: this.externalUserId, recall_msgid: msgid });
  }

  /** What the app sent this customer, in order. */
  received(): SentMessage[] {
    return this.core.world.corp(this.corpId).sent.filter((m) => m.externalUserId === this.externalUserId && m.openKfid === this.openKfid);
  }

  private sendMedia(type: MediaType, bytes: Uint8Array, filename: string, contentType?: string): Published {
    return this.write(type, { media_id: this.storeMedia(type, bytes, filename, contentType) });
  }

  private storeMedia(type: MediaType, bytes: Uint8Array, filename: string, contentType?: string): string {
    const buf = Buffer.from(bytes);
    const item = this.core.media.put({
      corpId: this.corpId,
      type,
      bytes: buf,
      filename,
      contentType: contentType ?? sniffContentType(buf) ?? 'application/octet-stream',
      createdAt: this.core.clock.now(),
    });
    return item.mediaId;
  }

  private write(msgtype: string, payload: unknown): Published {
    const now = this.core.clock.now();
    const session = this.core.world.session(this.corpId, this.openKfid, this.externalUserId);
    Object.assign(session, afterCustomerMessage(session, now));
    this.touch(now);
    const message: SyncMessage = {
      msgid: ids.inboundMsgid(),
      open_kfid: this.openKfid,
      external_userid: this.externalUserId,
      send_time: Math.floor(now / 1000),
      origin: 3,
      msgtype,
      [msgtype]: payload,
    };
    return this.core.publish(this.corpId, message);
  }

  /** kf/customer/batchget describes customers active in the last 48 h: this records the activity. */
  private touch(now: number, enterContext?: CustomerProfile['enterContext']): void {
    const customers = this.core.world.corp(this.corpId).customers;
    const profile = customers.get(this.externalUserId) ?? { externalUserId: this.externalUserId, nickname: ids.nickname(), avatar: '', gender: 0 };
    customers.set(this.externalUserId, { ...profile, lastActiveAt: now, ...(enterContext ? { enterContext } : {}) });
  }

  private publishEvent(event: Record<string, unknown>): Published {
    const now = this.core.clock.now();
    return this.core.publish(this.corpId, { msgid: ids.inboundMsgid(), send_time: Math.floor(now / 1000), origin: 4, msgtype: 'event', event });
  }
}
