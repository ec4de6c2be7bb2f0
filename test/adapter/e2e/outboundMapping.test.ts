/**
 * What a customer receives when the bot sends text, Markdown, suggested actions, attachments and
 * cards: through the real client (media/upload, send_msg) into the emulator's customer.
 */
import { type Activity, CardFactory, MessageFactory, type ResourceResponse, type TurnContext } from 'botbuilder';
import type { SentMessage, SimulatedCustomer } from '../../../src/sandbox/emulator';
import { adapterRig, type AdapterRig } from '../../support/adapterRig';
import { dataUrl, realMedia, settle, shown } from '../../support/e2e';

describe('outbound: what the customer receives', () => {
  let rig: AdapterRig;
  let customer: SimulatedCustomer;

  afterEach(async () => rig?.close());

  /** The bot answers the customer's one message with `reply`; returns what the customer received. */
  async function replyWith(reply: (context: TurnContext) => Promise<unknown>): Promise<SentMessage[]> {
    rig = await adapterRig({ bot: async (context) => void (context.activity.type === 'message' && (await reply(context))) });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('go'));
    return customer.received();
  }

  /** The media the emulator holds for a received message. */
  function mediaOf(m: SentMessage): { bytes: Buffer; filename: string } {
    const id = (m.payload as { media_id?: string; thumb_media_id?: string }).media_id ?? (m.payload as { thumb_media_id: string }).thumb_media_id;
    const item = rig.emu.media(rig.corp.corpId, id);
    if (!item) throw new Error(`media ${id} is not in the emulator`);
    return item;
  }

  it('long Chinese text is split into several messages of at most 2048 bytes that join back into the text', async () => {
    const sentence = '您好，感谢您联系我们的客服中心。关于您的订单问题，我们已经为您查询了物流信息！';
    const text = sentence.repeat(40); // about 4.6 KB in UTF-8
    expect(Buffer.byteLength(text)).toBeGreaterThan(2 * 2048);
    const received = await replyWith((ctx) => ctx.sendActivity(text));
    expect(received.length).toBe(3);
    for (const m of received) {
      expect(m.msgtype).toBe('text');
      expect(Buffer.byteLength(shown(m))).toBeLessThanOrEqual(2048);
    }
    expect(received.map(shown).join('')).toBe(text);
  });

  it('Markdown arrives as readable plain text', async () => {
    const received = await replyWith((ctx) => ctx.sendActivity('# 订单状态\n**已发货**，详情见 [物流](https://kd.example.cn/t/9)\n- 顺丰\n- 预计明天送达'));
    expect(received.map(shown)).toEqual(['订单状态\n已发货，详情见 物流 (https://kd.example.cn/t/9)\n• 顺丰\n• 预计明天送达']);
  });

  it('suggested actions become one msgmenu whose head is the text and whose items are clickable', async () => {
    const received = await replyWith((ctx) => ctx.sendActivity(MessageFactory.suggestedActions(['Tea', 'Coffee'], 'What would you like?')));
    expect(received).toEqual([expect.objectContaining({
      msgtype: 'msgmenu',
      payload: { head_content: 'What would you like?', list: [{ type: 'click', click: { id: 'Tea', content: 'Tea' } }, { type: 'click', click: { id: 'Coffee', content: 'Coffee' } }] },
    })]);
  });

  it('an image attachment given as a data: URL is uploaded with media/upload and arrives as an image with the same bytes', async () => {
    const received = await replyWith((ctx) => ctx.sendActivity(MessageFactory.attachment({ contentType: 'image/png', contentUrl: dataUrl('image/png', realMedia.png), name: 'chart.png' })));
    expect(received.map((m) => m.msgtype)).toEqual(['image']);
    expect(mediaOf(received[0]!).bytes.equals(realMedia.png)).toBe(true);
    expect(rig.emu.calls.filter((c) => c.path === 'media/upload')).toEqual([expect.objectContaining({ query: { type: 'image' }, errcode: 0 })]);
  });

  it.each([
    ['a PDF mislabelled as image/png', realMedia.pdf, 'image/png', 'invoice.pdf'],
    ['a DOCX labelled octet-stream', realMedia.docx, 'application/octet-stream', 'contract.docx'],
  ])('%s goes out as a file, by its real bytes, under its name', async (_name, bytes, declared, name) => {
    const received = await replyWith((ctx) => ctx.sendActivity(MessageFactory.attachment({ contentType: declared, contentUrl: dataUrl(declared, bytes), name })));
    expect(received.map((m) => m.msgtype)).toEqual(['file']);
    const media = mediaOf(received[0]!);
    expect(media.bytes.equals(bytes)).toBe(true);
    expect(media.filename).toBe(name);
  });

  it('a hero card with an image and an openUrl tap arrives as a link message with the image as its thumbnail', async () => {
    const card = CardFactory.heroCard('新品上市', [dataUrl('image/png', realMedia.png)], [], { text: '春季限定，点击查看', tap: { type: 'openUrl', title: 'Open', value: 'https://shop.example.cn/new' } });
    const received = await replyWith((ctx) => ctx.sendActivity(MessageFactory.attachment(card)));
    expect(received).toEqual([expect.objectContaining({
      msgtype: 'link',
      payload: { title: '新品上市', desc: '春季限定，点击查看', url: 'https://shop.example.cn/new', thumb_media_id: expect.any(String) },
    })]);
    expect(mediaOf(received[0]!).bytes.equals(realMedia.png)).toBe(true);
  });

  it("sendActivity and sendActivities resolve with WeCom's msgid of what was sent", async () => {
    const ids: (ResourceResponse | undefined)[] = [];
    const received = await replyWith(async (ctx) => {
      ids.push(await ctx.sendActivity('one'));
      ids.push(...(await ctx.sendActivities([{ type: 'message', text: 'two' }, { type: 'typing' }, { type: 'message', text: 'three' }] as Partial<Activity>[])));
    });
    expect(received.map(shown)).toEqual(['one', 'two', 'three']);
    expect(ids.map((r) => r?.id)).toEqual([received[0]!.msgid, received[1]!.msgid, '', received[2]!.msgid]);
    expect(new Set(received.map((m) => m.msgid)).size).toBe(3);
  });
});
