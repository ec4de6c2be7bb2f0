import { ActivityTypes } from 'botbuilder';
import type { Activity } from 'botbuilder';
import { toActivity, WeComContentTypes, WeComEventNames } from '../../src/adapter/toActivity';
import type { InboundContext, WeComChannelData } from '../../src/adapter/toActivity';
import { toKfMessage } from '../../src/wecom/kfMessages';
import type { KfMessage } from '../../src/wecom/kfMessages';

const CORP = 'ww5f3c9a1b2c3d4e5f';
const KF = 'wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw';
const USER = 'wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukCAw';
const SERVICER = 'zhangsan';
const MSGID = 'CAQQluDa4QUY0On2rYSAgAMgzPrShAE=';
const CONVERSATION = `${CORP}:${KF}:${USER}`;

/** A raw sync_msg item, through the same classifier the pipeline uses. */
function kf(raw: Record<string, unknown>): KfMessage {
  const msg = toKfMessage({ msgid: MSGID, send_time: 1700000000, origin: 3, open_kfid: KF, external_userid: USER, ...raw });
  if (!msg) throw new Error('test payload has no msgid');
  return msg;
}
const event = (ev: Record<string, unknown>): KfMessage =>
  toKfMessage({ msgid: 'ev-' + String(ev.event_type), send_time: 1700000100, origin: 4, msgtype: 'event', event: ev })!;

const ctx: InboundContext = { corpId: CORP };
const channelData = (a: Partial<Activity>): WeComChannelData => a.channelData as WeComChannelData;

describe('toActivity: what every activity carries', () => {
  const msg = kf({ msgtype: 'text', text: { content: '你好' } });
  const a = toActivity(msg, ctx);

  it('channel, ids, time and service url', () => {
    expect(a).toMatchObject({ channelId: 'wecom', id: MSGID, serviceUrl: `wecom://${CORP}` });
    expect(a.timestamp).toEqual(new Date(1700000000 * 1000));
  });
  it('no locale unless one is configured (WeCom does not tell the customer\'s language)', () => {
    expect(a).not.toHaveProperty('locale');
    expect(toActivity(msg, { ...ctx, locale: 'en-US' }).locale).toBe('en-US');
  });
  it('the customer\'s name when the adapter knows it, on messages and on enter_session', () => {
    expect(a.from!.name).toBe('');
    expect(toActivity(msg, { ...ctx, customerName: '小明' }).from).toMatchObject({ id: USER, name: '小明', role: 'user' });
    const entered = toActivity(event({ event_type: 'enter_session', open_kfid: KF, external_userid: USER }), { ...ctx, customerName: '小明' });
    expect(entered.membersAdded).toEqual([expect.objectContaining({ id: USER, name: '小明' })]);
  });
  it('a personal conversation named by corp, account and customer', () => {
    expect(a.conversation).toMatchObject({ id: CONVERSATION, conversationType: 'personal', isGroup: false, tenantId: CORP });
  });
  it('from the customer to the customer service account', () => {
    expect(a.from).toMatchObject({ id: USER, role: 'user' });
    expect(a.recipient).toMatchObject({ id: KF, role: 'bot' });
  });
  it('the raw kf message stays in channelData', () => {
    expect(channelData(a)).toMatchObject({ corpId: CORP, openKfId: KF, externalUserId: USER, origin: 3 });
    expect(channelData(a).kf).toBe(msg);
  });
});

describe('toActivity: customer messages (wecom-kf-api.md §4)', () => {
  const rows: { msgtype: string; raw: Record<string, unknown>; ctx?: InboundContext; expected: Partial<Activity>; contentType?: string; content?: unknown }[] = [
    { msgtype: 'text', raw: { msgtype: 'text', text: { content: '我要退货' } }, expected: { type: 'message', text: '我要退货' } },
    { msgtype: 'text (menu click)', raw: { msgtype: 'text', text: { content: '查询订单', menu_id: 'order_query' } }, expected: { type: 'message', text: '查询订单', value: 'order_query' } },
    {
      msgtype: 'image, downloaded and accepted',
      raw: { msgtype: 'image', image: { media_id: '2iSLeVyqzk4eX0IB5kTi9Ljfa2rt9dwfq5WKRQ4Nvvgw' } },
      ctx: { corpId: CORP, media: { status: 'ok', contentType: 'image/jpeg', name: 'image.jpg', contentUrl: 'http://127.0.0.1:3978/media/abc', size: 120_000 } },
      expected: { type: 'message', text: '' },
      contentType: 'image/jpeg',
    },
    {
      msgtype: 'voice, not downloaded yet',
      raw: { msgtype: 'voice', voice: { media_id: 'v-media-1' } },
      expected: { type: 'message', text: '' },
      contentType: WeComContentTypes.media,
      content: { mediaId: 'v-media-1', kind: 'voice' },
    },
    {
      msgtype: 'video, refused by the media rules',
      raw: { msgtype: 'video', video: { media_id: 'vid-1' } },
      ctx: { corpId: CORP, media: { status: 'rejected', reason: 'video larger than 10 MB', detectedType: 'video/mp4', size: 12_000_000 } },
      expected: { type: 'message', text: '' },
      contentType: WeComContentTypes.rejected,
      content: { reason: 'video larger than 10 MB', kind: 'video', detectedType: 'video/mp4', size: 12_000_000 },
    },
    {
      msgtype: 'file, downloaded',
      raw: { msgtype: 'file', file: { media_id: 'f-1' } },
      ctx: { corpId: CORP, media: { status: 'ok', contentType: 'application/pdf', name: '发票.pdf', contentUrl: 'http://127.0.0.1:3978/media/f1', size: 5000 } },
      expected: { type: 'message', text: '' },
      contentType: 'application/pdf',
    },
    {
      msgtype: 'location',
      raw: { msgtype: 'location', location: { latitude: 23.1066805, longitude: 113.3245904, name: '广州塔', address: '广东省广州市海珠区阅江西路222号' } },
      expected: {
        type: 'message',
        text: '广州塔\n广东省广州市海珠区阅江西路222号',
        entities: [{ type: 'Place', name: '广州塔', address: '广东省广州市海珠区阅江西路222号', geo: { type: 'GeoCoordinates', latitude: 23.1066805, longitude: 113.3245904 } }],
      },
    },
    {
      msgtype: 'link',
      raw: { msgtype: 'link', link: { title: '春季新品', desc: '全场8折', url: 'https://shop.example.cn/spring', pic_url: 'https://img.example.cn/spring.jpg' } },
      expected: { type: 'message', text: '春季新品\nhttps://shop.example.cn/spring' },
      contentType: 'application/vnd.microsoft.card.hero',
      content: {
        title: '春季新品', text: '全场8折', images: [{ url: 'https://img.example.cn/spring.jpg' }],
        buttons: [{ type: 'openUrl', title: '春季新品', value: 'https://shop.example.cn/spring' }],
      },
    },
    {
      msgtype: 'business_card',
      raw: { msgtype: 'business_card', business_card: { userid: 'lisi' } },
      expected: { type: 'message', text: '[名片] lisi' },
      contentType: 'application/vnd.wecom.business_card',
      content: { userid: 'lisi' },
    },
    {
      msgtype: 'miniprogram',
      raw: { msgtype: 'miniprogram', miniprogram: { title: '会员中心', appid: 'wx8bd80126147dfAAA', pagepath: 'pages/member/index.html', thumb_media_id: 'thumb-1' } },
      expected: { type: 'message', text: '[小程序] 会员中心' },
      contentType: 'application/vnd.wecom.miniprogram',
      content: { title: '会员中心', appid: 'wx8bd80126147dfAAA', pagepath: 'pages/member/index.html', thumb_media_id: 'thumb-1' },
    },
    {
      msgtype: 'msgmenu (sent by the customer side)',
      raw: { msgtype: 'msgmenu', msgmenu: { head_content: '您对本次服务是否满意呢?', list: [{ type: 'click', click: { id: '101', content: '满意' } }, { type: 'click', click: { id: '102', content: '不满意' } }], tail_content: '欢迎再次光临' } },
      expected: { type: 'message', text: '您对本次服务是否满意呢?\n满意\n不满意\n欢迎再次光临' },
      contentType: 'application/vnd.wecom.msgmenu',
    },
    {
      msgtype: 'channels',
      raw: { msgtype: 'channels', channels: { sub_type: 1, nickname: '视频号名称', title: '视频标题' } },
      expected: { type: 'message', text: '[视频号] 视频号名称: 视频标题' },
      contentType: 'application/vnd.wecom.channels',
      content: { sub_type: 1, nickname: '视频号名称', title: '视频标题' },
    },
    {
      msgtype: 'channels_shop_product (price in fen, as a string)',
      raw: { msgtype: 'channels_shop_product', channels_shop_product: { product_id: '10000040418818', head_img: 'https://img/p.jpg', title: '保温杯', sales_price: '4990', shop_nickname: '好物小店', shop_head_img: 'https://img/s.jpg' } },
      expected: { type: 'message', text: '[视频号商品] 保温杯 ¥49.90 好物小店' },
      contentType: 'application/vnd.wecom.channels_shop_product',
    },
    {
      msgtype: 'channels_shop_order',
      raw: { msgtype: 'channels_shop_order', channels_shop_order: { order_id: '3705115058471208928', product_titles: '保温杯', price_wording: '¥49.90', state: '待发货', image_url: 'https://img/o.jpg', shop_nickname: '好物小店' } },
      expected: { type: 'message', text: '[视频号订单] 保温杯 ¥49.90 待发货' },
      contentType: 'application/vnd.wecom.channels_shop_order',
      content: { order_id: '3705115058471208928', state: '待发货' },
    },
    {
      msgtype: 'merged_msg (msg_content is a JSON string, one of them broken)',
      raw: {
        msgtype: 'merged_msg',
        merged_msg: {
          title: '客户的聊天记录',
          item: [
            { send_time: 1699990000, msgtype: 'text', sender_name: '小明', msg_content: '{"text":{"content":"在吗"}}' },
            { send_time: 1699990010, msgtype: 'image', sender_name: '小红', msg_content: '{"image":{"md5sum":"abc"}}' },
            { send_time: 1699990020, msgtype: 'text', sender_name: '小明', msg_content: 'not json {' },
          ],
        },
      },
      expected: { type: 'message', text: '[聊天记录] 客户的聊天记录\n小明: 在吗\n小红: [图片]\n小明: [文本]' },
      contentType: 'application/vnd.wecom.merged_msg',
      content: {
        title: '客户的聊天记录',
        item: [
          { sender_name: '小明', msg_content: { text: { content: '在吗' } } },
          { sender_name: '小红', msg_content: { image: { md5sum: 'abc' } } },
          { sender_name: '小明', msg_content: 'not json {' },
        ],
      },
    },
    {
      msgtype: 'a msgtype this version does not know (note)',
      raw: { msgtype: 'note', note: { title: 'x' } },
      expected: { type: 'message', text: '' },
      contentType: WeComContentTypes.unknown,
      content: { msgtype: 'note', note: { title: 'x' }, msgid: MSGID },
    },
    {
      msgtype: 'a known msgtype with its payload missing',
      raw: { msgtype: 'image' },
      expected: { type: 'message', text: '' },
      contentType: WeComContentTypes.unknown,
    },
  ];

  it.each(rows)('$msgtype', ({ raw, ctx: rowCtx, expected, contentType, content }) => {
    const msg = kf(raw);
    const a = toActivity(msg, rowCtx ?? ctx);
    expect(a).toMatchObject({ ...expected, id: MSGID, conversation: { id: CONVERSATION }, from: { id: USER, role: 'user' } });
    expect(a.value).toBe(expected.value); // only a menu click has a value
    expect(channelData(a).kf).toBe(msg);
    if (contentType === undefined) {
      expect(a.attachments ?? []).toEqual([]);
    } else {
      expect(a.attachments).toHaveLength(1);
      expect(a.attachments![0]!.contentType).toBe(contentType);
      if (content !== undefined) expect(a.attachments![0]!.content).toMatchObject(content as object);
    }
  });

  it('an accepted media attachment can be fetched by the bot (url, type from the bytes, name)', () => {
    const a = toActivity(kf({ msgtype: 'image', image: { media_id: 'm' } }), { corpId: CORP, media: { status: 'ok', contentType: 'image/png', name: 'photo.png', contentUrl: 'http://h/m/1', size: 9 } });
    expect(a.attachments).toEqual([{ contentType: 'image/png', contentUrl: 'http://h/m/1', name: 'photo.png' }]);
  });

  it('a location without name or address still has a text', () => {
    const a = toActivity(kf({ msgtype: 'location', location: { latitude: 31.2, longitude: 121.5 } }), ctx);
    expect(a.text).toBe('31.2,121.5');
  });
});

describe('toActivity: a human servicer writing from the WeCom client (origin 5)', () => {
  it('is an event, never a customer message, so the bot does not answer its own agents', () => {
    const msg = kf({ origin: 5, servicer_userid: SERVICER, msgtype: 'text', text: { content: '您好，我是客服小张' } });
    const a = toActivity(msg, ctx);
    expect(a.type).toBe(ActivityTypes.Event);
    expect(a.name).toBe(WeComEventNames.servicerMessage);
    expect(a.text).toBeUndefined();
    expect(a.value).toEqual({ text: '您好，我是客服小张', attachments: [] });
    expect(a.from).toMatchObject({ id: SERVICER, name: 'servicer', role: 'user' });
    expect(a.conversation?.id).toBe(CONVERSATION);
    expect(channelData(a)).toMatchObject({ origin: 5, servicerUserId: SERVICER });
    expect(channelData(a).kf).toBe(msg);
  });

  it('carries the servicer’s attachments in the value', () => {
    const a = toActivity(kf({ origin: 5, servicer_userid: SERVICER, msgtype: 'file', file: { media_id: 'f' } }), ctx);
    expect(a.value).toEqual({ text: '', attachments: [{ contentType: WeComContentTypes.media, content: { mediaId: 'f', kind: 'file' } }] });
  });
});

describe('toActivity: events (wecom-kf-api.md §5)', () => {
  const rows: { event_type: string; ev: Record<string, unknown>; expected: Partial<Activity>; data?: Partial<WeComChannelData>; from?: string; conversation?: string }[] = [
    {
      event_type: 'enter_session (the emulator sample)',
      ev: { event_type: 'enter_session', open_kfid: 'wk1', external_userid: 'wm1', scene: '', welcome_code: 'c1' },
      expected: { type: 'conversationUpdate', membersAdded: [{ id: 'wm1', name: '', role: 'user' }] },
      data: { scene: '', welcomeCode: 'c1' },
      from: 'wm1',
      conversation: `${CORP}:wk1:wm1`,
    },
    {
      event_type: 'enter_session from a Channels shop',
      ev: { event_type: 'enter_session', open_kfid: KF, external_userid: USER, scene: 'shop', scene_param: 'order%3D42', wechat_channels: { nickname: '视频号', shop_nickname: '小店', scene: 4 } },
      expected: { type: 'conversationUpdate', membersAdded: [{ id: USER, name: '', role: 'user' }] },
      data: { scene: 'shop', sceneParam: 'order%3D42', welcomeCode: undefined, wechatChannels: { nickname: '视频号', shop_nickname: '小店', scene: 4 } },
    },
    {
      event_type: 'user_recall_msg',
      ev: { event_type: 'user_recall_msg', open_kfid: KF, external_userid: USER, recall_msgid: 'the-recalled-msgid' },
      expected: { type: 'messageDelete', id: 'the-recalled-msgid' },
      data: { eventMsgid: 'ev-user_recall_msg' },
    },
    {
      event_type: 'servicer_recall_msg',
      ev: { event_type: 'servicer_recall_msg', open_kfid: KF, external_userid: USER, recall_msgid: 'r2', servicer_userid: SERVICER },
      expected: { type: 'event', name: 'wecom.servicerRecall', value: { recallMsgid: 'r2', servicerUserId: SERVICER } },
      from: SERVICER,
    },
    {
      event_type: 'session_status_change 1 (taken from the queue)',
      ev: { event_type: 'session_status_change', open_kfid: KF, external_userid: USER, change_type: 1, new_servicer_userid: SERVICER, msg_code: 'MSG_CODE_1' },
      expected: { type: 'event', name: 'wecom.sessionStatus', value: { changeType: 1, changeName: 'taken_from_queue', newServicerUserId: SERVICER, msgCode: 'MSG_CODE_1' } },
    },
    {
      event_type: 'session_status_change 2 (transferred)',
      ev: { event_type: 'session_status_change', open_kfid: KF, external_userid: USER, change_type: 2, old_servicer_userid: SERVICER, new_servicer_userid: 'lisi' },
      expected: { type: 'event', name: 'wecom.sessionStatus', value: { changeType: 2, changeName: 'transferred', oldServicerUserId: SERVICER, newServicerUserId: 'lisi' } },
    },
    {
      event_type: 'session_status_change 3 (ended)',
      ev: { event_type: 'session_status_change', open_kfid: KF, external_userid: USER, change_type: 3, old_servicer_userid: SERVICER, msg_code: 'END_CODE' },
      expected: { type: 'event', name: 'wecom.sessionStatus', value: { changeType: 3, changeName: 'ended', oldServicerUserId: SERVICER, msgCode: 'END_CODE' } },
    },
    {
      event_type: 'session_status_change 4 (re-opened)',
      ev: { event_type: 'session_status_change', open_kfid: KF, external_userid: USER, change_type: 4, old_servicer_userid: SERVICER, new_servicer_userid: SERVICER },
      expected: { type: 'event', name: 'wecom.sessionStatus', value: { changeType: 4, changeName: 'reopened' } },
    },
    {
      event_type: 'session_status_change with an undocumented change_type',
      ev: { event_type: 'session_status_change', open_kfid: KF, external_userid: USER, change_type: 9 },
      expected: { type: 'event', name: 'wecom.sessionStatus', value: { changeType: 9, changeName: 'unknown' } },
    },
    {
      event_type: 'servicer_status_change (no customer: an account-level conversation)',
      ev: { event_type: 'servicer_status_change', servicer_userid: SERVICER, open_kfid: KF, status: 2, stop_type: 1 },
      expected: { type: 'event', name: 'wecom.servicerStatus', value: { servicerUserId: SERVICER, status: 2, statusName: 'stopped', stopType: 1, stopTypeName: 'suspended' } },
      from: SERVICER,
      conversation: `${CORP}:${KF}`,
    },
    {
      event_type: 'msg_send_fail (48 h passed)',
      ev: { event_type: 'msg_send_fail', open_kfid: KF, external_userid: USER, fail_msgid: 'r_abc', fail_type: 4 },
      expected: { type: 'event', name: 'wecom.sendFailed', value: { failMsgid: 'r_abc', failType: 4, reason: 'more than 48 hours since the customer last wrote' } },
    },
    {
      event_type: 'msg_send_fail with an unlisted fail_type',
      ev: { event_type: 'msg_send_fail', open_kfid: KF, external_userid: USER, fail_msgid: 'r_def', fail_type: 3 },
      expected: { type: 'event', name: 'wecom.sendFailed', value: { failMsgid: 'r_def', failType: 3, reason: 'unknown fail_type 3' } },
    },
    {
      event_type: 'reject_customer_msg_switch_change',
      ev: { event_type: 'reject_customer_msg_switch_change', servicer_userid: SERVICER, open_kfid: KF, external_userid: USER, reject_switch: 1 },
      expected: { type: 'event', name: 'wecom.rejectSwitch', value: { servicerUserId: SERVICER, rejectSwitch: 1, rejecting: true } },
      from: SERVICER,
    },
    {
      event_type: 'an event type this version does not know',
      ev: { event_type: 'kf_new_thing', open_kfid: KF, external_userid: USER, foo: 1 },
      expected: { type: 'event', name: 'wecom.unknownEvent', value: { event_type: 'kf_new_thing', open_kfid: KF, external_userid: USER, foo: 1 } },
    },
  ];

  it.each(rows)('$event_type', ({ ev, expected, data, from, conversation }) => {
    const msg = event(ev);
    const a = toActivity(msg, ctx);
    expect(a).toMatchObject({ channelId: 'wecom', id: `ev-${String(ev.event_type)}`, ...expected });
    expect(a.conversation?.id).toBe(conversation ?? CONVERSATION);
    expect(a.from?.id).toBe(from ?? USER);
    expect(a.recipient).toMatchObject({ id: ev.open_kfid, role: 'bot' });
    expect(channelData(a)).toMatchObject({ corpId: CORP, origin: 4, ...data });
    expect(channelData(a).kf).toBe(msg);
    expect(a.timestamp).toEqual(new Date(1700000100 * 1000));
  });

  it('event names are exported constants', () => {
    expect(WeComEventNames).toEqual({
      servicerMessage: 'wecom.servicerMessage',
      servicerRecall: 'wecom.servicerRecall',
      sessionStatus: 'wecom.sessionStatus',
      servicerStatus: 'wecom.servicerStatus',
      sendFailed: 'wecom.sendFailed',
      rejectSwitch: 'wecom.rejectSwitch',
      unknownEvent: 'wecom.unknownEvent',
    });
  });

  it('never throws on an event without ids', () => {
    const a = toActivity(event({ event_type: 'mystery' }), ctx);
    expect(a).toMatchObject({ type: 'event', name: 'wecom.unknownEvent', conversation: { id: CORP } });
  });
});
