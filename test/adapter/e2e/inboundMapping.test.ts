/**
 * Every kind of kf message and event a customer, a servicer or WeCom can produce, through the
 * emulator's encrypted callback, sync_msg and media/get, as the bot receives it.
 */
import { ActivityTypes, type Activity } from 'botbuilder';
import type { WeComChannelData } from '../../../src/adapter';
import type { SimulatedCustomer } from '../../../src/sandbox/emulator';
import { adapterRig, type AdapterRig, echoBot } from '../../support/adapterRig';
import { bytesOfDataUrl, realMedia, recorder, type Recorder, settle, shown } from '../../support/e2e';

describe('inbound: what the bot receives for each kf message', () => {
  let rig: AdapterRig;
  let bot: Recorder;
  let customer: SimulatedCustomer;
  let conversationId: string;

  beforeEach(async () => {
    bot = recorder(echoBot);
    rig = await adapterRig({ bot: bot.logic });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    conversationId = `${rig.corp.corpId}:${rig.kf}:${customer.externalUserId}`;
  });
  afterEach(async () => rig?.close());

  /** The one activity the bot got, with the envelope every activity must have. */
  function only(): Partial<Activity> & { channelData: WeComChannelData } {
    expect(bot.seen).toHaveLength(1);
    const activity = bot.seen[0]! as Partial<Activity> & { channelData: WeComChannelData };
    expect(activity).toMatchObject({ channelId: 'wecom', conversation: { id: conversationId }, recipient: { id: rig.kf } });
    expect(activity.channelData).toMatchObject({ corpId: rig.corp.corpId, openKfId: rig.kf, externalUserId: customer.externalUserId });
    return activity;
  }

  it('text: a message from the customer, raw kf message in channelData, and the bot answers it', async () => {
    const { msgid } = await customer.sendText('你好，我想问一下');
    await settle(rig, customer.sendText('second')); // a second message must not be merged into the first
    expect(bot.seen.map((a) => a.text)).toEqual(['你好，我想问一下', 'second']);
    const [first] = bot.seen as (Partial<Activity> & { channelData: WeComChannelData })[];
    expect(first).toMatchObject({ type: 'message', id: msgid, channelId: 'wecom', from: { id: customer.externalUserId, role: 'user' }, conversation: { id: conversationId } });
    expect(first!.value).toBeUndefined();
    expect(first!.channelData.kf).toMatchObject({ msgid, origin: 3, msgtype: 'text', text: { content: '你好，我想问一下' }, open_kfid: rig.kf, external_userid: customer.externalUserId });
    expect(customer.received().map(shown)).toEqual(['You said: 你好，我想问一下', 'You said: second']);
  });

  it('a msgmenu click: the text the customer saw and the menu id as value', async () => {
    const click = await customer.clickMenu('size_large', 'Large cup');
    await settle(rig, click);
    const { msgid } = click;
    const a = only();
    expect(a).toMatchObject({ type: 'message', id: msgid, text: 'Large cup', value: 'size_large' });
    expect(a.channelData.kf).toMatchObject({ msgtype: 'text', text: { content: 'Large cup', menu_id: 'size_large' } });
  });

  it.each([
    ['image', 'photo.png', realMedia.png, 'image/png', (c: SimulatedCustomer, b: Buffer) => c.sendImage(b, 'photo.png', 'application/octet-stream')],
    ['voice', 'voice.amr', realMedia.amr, 'audio/amr', (c: SimulatedCustomer, b: Buffer) => c.sendVoice(b, 'voice.amr', 'application/octet-stream')],
    ['video', 'clip.mp4', realMedia.mp4, 'video/mp4', (c: SimulatedCustomer, b: Buffer) => c.sendVideo(b, 'clip.mp4', 'application/octet-stream')],
    ['file', 'report.pdf', realMedia.pdf, 'application/pdf', (c: SimulatedCustomer, b: Buffer) => c.sendFile(b, 'report.pdf', 'application/octet-stream')],
  ])('%s: a data: URL attachment with the bytes sent, typed by the bytes (WeCom said octet-stream)', async (msgtype, name, bytes, contentType, send) => {
    const published = await send(customer, bytes);
    await settle(rig, published);
    const a = only();
    expect(a).toMatchObject({ type: 'message', id: published.msgid });
    expect(a.attachments).toHaveLength(1);
    const [attachment] = a.attachments!;
    expect(attachment).toMatchObject({ contentType, name });
    expect(bytesOfDataUrl(attachment!.contentUrl).equals(bytes)).toBe(true);
    expect(a.channelData.kf).toMatchObject({ msgtype, [msgtype]: { media_id: expect.any(String) } });
  });

  it('location: text with the place, and a Place entity with the coordinates', async () => {
    await settle(rig, customer.sendLocation({ latitude: 31.2304, longitude: 121.4737, name: '外滩', address: '上海市黄浦区中山东一路' }));
    const a = only();
    expect(a.text).toBe('外滩\n上海市黄浦区中山东一路');
    expect(a.entities).toEqual([{ type: 'Place', name: '外滩', address: '上海市黄浦区中山东一路', geo: { type: 'GeoCoordinates', latitude: 31.2304, longitude: 121.4737 } }]);
    expect(a.channelData.kf).toMatchObject({ msgtype: 'location', location: { latitude: 31.2304, longitude: 121.4737 } });
  });

  it('link: title and url as text, and a hero card that opens the url', async () => {
    await settle(rig, customer.sendLink({ title: 'Order #42', url: 'https://shop.example.cn/o/42', desc: 'Two teas', pic_url: 'https://shop.example.cn/p.png' }));
    const a = only();
    expect(a.text).toBe('Order #42\nhttps://shop.example.cn/o/42');
    expect(a.attachments).toEqual([{
      contentType: 'application/vnd.microsoft.card.hero',
      content: expect.objectContaining({ title: 'Order #42', text: 'Two teas', images: [{ url: 'https://shop.example.cn/p.png' }], tap: expect.objectContaining({ type: 'openUrl', value: 'https://shop.example.cn/o/42' }) }),
    }]);
  });

  it('business card and mini program: readable text and the payload as a vnd.wecom attachment', async () => {
    await settle(rig, customer.sendBusinessCard('zhangsan'));
    await settle(rig, customer.sendMiniprogram({ title: '会员中心', appid: 'wx1234567890abcdef', pagepath: 'pages/vip/index' }));
    expect(bot.seen.map((a) => a.text)).toEqual(['[名片] zhangsan', '[小程序] 会员中心']);
    expect(bot.seen[0]!.attachments).toEqual([{ contentType: 'application/vnd.wecom.business_card', content: { userid: 'zhangsan' } }]);
    expect(bot.seen[1]!.attachments).toEqual([{
      contentType: 'application/vnd.wecom.miniprogram',
      content: { title: '会员中心', appid: 'wx1234567890abcdef', pagepath: 'pages/vip/index', thumb_media_id: expect.any(String) },
    }]);
  });

  it('enter_session: conversationUpdate with the customer added, scene in channelData, and the welcome goes out on the welcome code', async () => {
    rig.setBot(recorderThen(bot, async (ctx) => {
      if (ctx.activity.type === ActivityTypes.ConversationUpdate) await ctx.sendActivity('欢迎光临！');
    }));
    const entered = await customer.enterSession({ scene: 'qr_store', sceneParam: 'table=7' });
    expect(entered.welcomeCode).toEqual(expect.any(String));
    await settle(rig, entered);
    const a = only();
    expect(a).toMatchObject({ type: 'conversationUpdate', id: entered.msgid, membersAdded: [{ id: customer.externalUserId }] });
    expect(a.channelData).toMatchObject({ scene: 'qr_store', sceneParam: 'table=7', origin: 4 });
    expect(a.channelData.kf).toMatchObject({ msgtype: 'event', event: { event_type: 'enter_session', scene: 'qr_store', scene_param: 'table=7' } });
    expect(customer.received()).toEqual([expect.objectContaining({ via: 'send_msg_on_event', msgtype: 'text', payload: { content: '欢迎光临！' } })]);
  });

  it('a recall: messageDelete whose id is the recalled message', async () => {
    const sent = await customer.sendText('oops');
    await settle(rig, sent);
    await settle(rig, customer.recall(sent.msgid));
    expect(bot.seen.map((a) => a.type)).toEqual(['message', 'messageDelete']);
    const del = bot.seen[1]! as Partial<Activity> & { channelData: WeComChannelData };
    expect(del).toMatchObject({ id: sent.msgid, conversation: { id: conversationId }, channelData: { kf: { event: { event_type: 'user_recall_msg', recall_msgid: sent.msgid } } } });
  });

  it("a servicer's reply from the WeCom client is a wecom.servicerMessage event, never a customer message, and the bot does not answer it", async () => {
    rig.emu.addServicer(rig.corp.corpId, { userid: 'alice' });
    await settle(rig, customer.sendText('hi'));
    await settle(rig, rig.emu.servicer(rig.corp.corpId, 'alice').reply(rig.kf, customer.externalUserId, 'Alice here, how can I help?'));
    const fromServicer = bot.of('event', 'wecom.servicerMessage');
    expect(fromServicer).toHaveLength(1);
    expect(fromServicer[0]).toMatchObject({ from: { id: 'alice' }, value: { text: 'Alice here, how can I help?' }, channelData: { origin: 5, servicerUserId: 'alice' } });
    expect(bot.of('message').map((a) => a.text)).toEqual(['hi']);
    expect(customer.received().map(shown)).toEqual(['You said: hi']);
  });

  it('session_status_change, msg_send_fail and servicer_status_change become named events', async () => {
    const ids = { open_kfid: rig.kf, external_userid: customer.externalUserId };
    await settle(rig, rig.emu.pushEvent(rig.corp.corpId, { event_type: 'session_status_change', ...ids, change_type: 1, new_servicer_userid: 'alice', msg_code: 'MC1' }));
    await settle(rig, rig.emu.pushEvent(rig.corp.corpId, { event_type: 'msg_send_fail', ...ids, fail_msgid: 'r_abc', fail_type: 4 }));
    await settle(rig, rig.emu.pushEvent(rig.corp.corpId, { event_type: 'servicer_status_change', open_kfid: rig.kf, servicer_userid: 'alice', status: 2, stop_type: 1 }));
    expect(bot.seen.map((a) => [a.type, a.name])).toEqual([['event', 'wecom.sessionStatus'], ['event', 'wecom.sendFailed'], ['event', 'wecom.servicerStatus']]);
    const [session, fail, servicer] = bot.seen;
    expect(session).toMatchObject({ conversation: { id: conversationId }, value: { changeType: 1, changeName: 'taken_from_queue', newServicerUserId: 'alice', msgCode: 'MC1' } });
    expect(fail).toMatchObject({ conversation: { id: conversationId }, value: { failMsgid: 'r_abc', failType: 4, reason: 'more than 48 hours since the customer last wrote' } });
    // A servicer's status concerns the account, not one customer.
    expect(servicer).toMatchObject({ conversation: { id: `${rig.corp.corpId}:${rig.kf}` }, value: { servicerUserId: 'alice', statusName: 'stopped', stopTypeName: 'suspended' } });
    for (const a of bot.seen) expect((a.channelData as WeComChannelData).kf).toMatchObject({ origin: 4, msgtype: 'event' });
    expect(rig.emu.received(rig.corp.corpId)).toEqual([]);
  });
});

function recorderThen(bot: Recorder, then: (ctx: Parameters<Recorder['logic']>[0]) => Promise<void>): Recorder['logic'] {
  return async (ctx) => {
    await bot.logic(ctx);
    await then(ctx);
  };
}
