/**
 * Cards whose pictures live on a real (misbehaving) HTTP server on 127.0.0.1, sent through the
 * adapter to the emulator's customer: a picture that cannot be had costs the picture, never the
 * card's words and links; an attachment the bot sent as such still fails clearly.
 */
import { type Activity, CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { createLogger } from '../../../src/common/logger';
import type { SentMessage } from '../../../src/sandbox/emulator';
import { WeComAdapter } from '../../../src/botbuilder';
import { adapterRig, type AdapterRig, type RigOptions } from '../../support/adapterRig';
import { dataUrl, realMedia, settle, shown } from '../../support/e2e';
import { imageServer, type ImageServer } from '../../support/imageServer';

describe('outbound: card pictures that cannot be fetched', () => {
  let rig: AdapterRig;
  let host: ImageServer;
  let logLines: Record<string, unknown>[];

  beforeAll(async () => void (host = await imageServer(realMedia.png)));
  afterAll(async () => host.close());
  afterEach(async () => rig?.close());

  /** The bot answers the customer's one message with `activity`; what the customer got and how the bot's send ended. */
  async function reply(activity: Partial<Activity>, rigOptions: RigOptions = {}): Promise<{ received: SentMessage[]; outcome: unknown }> {
    logLines = [];
    const logger = createLogger({ level: 'warn', destination: { write: (s: string) => void logLines.push(JSON.parse(s) as Record<string, unknown>) } });
    let outcome: unknown = 'not run';
    rig = await adapterRig({
      ...rigOptions,
      adapter: { logger },
      bot: async (context: TurnContext) => {
        if (context.activity.type !== 'message') return;
        outcome = await context.sendActivity(activity).then(() => 'sent', (e: unknown) => e);
      },
    });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('go'));
    return { received: customer.received(), outcome };
  }

  const warnings = (): Record<string, unknown>[] => logLines.filter((l) => l.level === 40);

  it('a hero card whose image answers 404 arrives as its text with its buttons as a menu, and a warning is logged', async () => {
    const card = CardFactory.heroCard('春季新品', '全场8折', [host.url('/missing')], [
      { type: 'imBack', title: '购买', value: 'buy' },
      { type: 'postBack', title: '收藏', value: 'save' },
    ]);
    const { received, outcome } = await reply(MessageFactory.attachment(card));
    expect(outcome).toBe('sent');
    expect(received).toEqual([expect.objectContaining({
      msgtype: 'msgmenu',
      payload: { head_content: '春季新品\n全场8折', list: [{ type: 'click', click: { id: 'buy', content: '购买' } }, { type: 'click', click: { id: 'save', content: '收藏' } }] },
    })]);
    expect(rig.emu.calls.filter((c) => c.path === 'media/upload')).toEqual([]);
    expect(warnings()).toEqual([expect.objectContaining({ msg: expect.stringContaining("card's picture or media was left out"), source: new URL(host.origin).host })]);
  });

  it('a hero card link whose thumbnail answers 404 arrives as text with title, description and URL, and a warning is logged', async () => {
    const card = CardFactory.heroCard('新品上市', [host.url('/missing')], [], { text: '春季限定，点击查看', tap: { type: 'openUrl', title: 'Open', value: 'https://shop.example.cn/new' } });
    const { received, outcome } = await reply(MessageFactory.attachment(card));
    expect(outcome).toBe('sent');
    expect(received.map((m) => [m.msgtype, shown(m)])).toEqual([['text', '新品上市\n春季限定，点击查看\nhttps://shop.example.cn/new']]);
    expect(warnings()).toEqual([expect.objectContaining({ msg: expect.stringContaining("card's thumbnail could not be fetched") })]);
  });

  it('a thumbnail behind a 301/302 chain is followed: the card arrives as a link with that picture', async () => {
    const card = CardFactory.heroCard('新品上市', [host.url('/chain/3')], [], { text: '春季限定', tap: { type: 'openUrl', title: 'Open', value: 'https://shop.example.cn/new' } });
    const { received, outcome } = await reply(MessageFactory.attachment(card));
    expect(outcome).toBe('sent');
    expect(received.map((m) => m.msgtype)).toEqual(['link']);
    const thumb = rig.emu.media(rig.corp.corpId, (received[0]!.payload as { thumb_media_id: string }).thumb_media_id);
    expect(thumb?.bytes.equals(realMedia.png)).toBe(true);
    expect(warnings()).toEqual([]);
  });

  it('a card picture behind a redirect to file: is left out; the text still arrives', async () => {
    const card = CardFactory.thumbnailCard('保温杯', '¥49.90', [host.url(`/to?location=${encodeURIComponent('file:///etc/passwd')}`)]);
    const { received, outcome } = await reply(MessageFactory.attachment(card));
    expect(outcome).toBe('sent');
    expect(received.map(shown)).toEqual(['保温杯\n¥49.90']);
    expect(warnings()).toHaveLength(1);
  });

  it('a card picture that is really a PDF is left out rather than sent as a file to download', async () => {
    const card = CardFactory.thumbnailCard('保温杯', '¥49.90', [dataUrl('image/png', realMedia.pdf)]);
    const { received, outcome } = await reply(MessageFactory.attachment(card));
    expect(outcome).toBe('sent');
    expect(received.map((m) => [m.msgtype, shown(m)])).toEqual([['text', '保温杯\n¥49.90']]);
    expect(warnings()).toEqual([expect.objectContaining({ msg: expect.stringContaining('not a JPG or PNG'), source: 'data: URL', detectedType: 'application/pdf' })]);
  });

  it('with the default middleware, a card picture the media rules refuse (a PNG over 2 MB) is left out; the text arrives', async () => {
    const big = Buffer.concat([realMedia.png, Buffer.alloc(2 * 1024 * 1024 + 1)]);
    const card = CardFactory.thumbnailCard('保温杯', '¥49.90', [dataUrl('image/png', big)], [{ type: 'imBack', title: '购买', value: 'buy' }]);
    const { received, outcome } = await reply(MessageFactory.attachment(card), { adapterClass: WeComAdapter });
    expect(outcome).toBe('sent');
    expect(received.map((m) => [m.msgtype, shown(m)])).toEqual([['msgmenu', '保温杯\n¥49.90']]);
    expect(warnings()).toEqual([expect.objectContaining({ msg: expect.stringContaining("card's picture or media was left out"), err: expect.objectContaining({ code: 'media_rejected' }) })]);
  });

  it('a link thumbnail that is really a PDF: the link arrives as text', async () => {
    const card = CardFactory.heroCard('新品上市', [dataUrl('image/png', realMedia.pdf)], [], { tap: { type: 'openUrl', title: 'Open', value: 'https://shop.example.cn/new' } });
    const { received, outcome } = await reply(MessageFactory.attachment(card));
    expect(outcome).toBe('sent');
    expect(received.map((m) => [m.msgtype, shown(m)])).toEqual([['text', '新品上市\nhttps://shop.example.cn/new']]);
    expect(warnings()).toHaveLength(1);
  });

  it('an image the bot sent as an attachment still fails the send clearly when it answers 404, and nothing is sent', async () => {
    const { received, outcome } = await reply(MessageFactory.attachment({ contentType: 'image/png', contentUrl: host.url('/missing'), name: 'chart.png' }));
    expect(outcome).toMatchObject({ code: 'attachment_unreadable', reason: 'http_status', message: expect.stringContaining('HTTP 404') });
    expect(received).toEqual([]);
  });

  it('a receipt card shows facts, items with quantities, tax, VAT and total, with its button as a menu', async () => {
    // As BotBuilder-Samples 06.using-cards builds it, plus VAT and an item subtitle.
    const card = CardFactory.receiptCard({
      title: 'John Doe',
      facts: [{ key: 'Order Number', value: '1234' }, { key: 'Payment Method', value: 'VISA 5555-****' }],
      items: [
        { title: 'Data Transfer', price: '$ 38.45', quantity: '368', image: { url: host.url('/missing') }, subtitle: 'GB, March', text: '', tap: undefined! },
        { title: 'App Service', price: '$ 45.00', quantity: '720', image: { url: host.url('/missing') }, subtitle: '', text: '', tap: undefined! },
      ],
      tax: '$ 7.50',
      vat: '$ 1.20',
      total: '$ 90.95',
      buttons: [{ type: 'openUrl', title: 'More information', value: 'https://azure.microsoft.com/en-us/pricing/details/bot-service/' }],
      tap: undefined!,
    });
    const { received, outcome } = await reply(MessageFactory.attachment(card));
    expect(outcome).toBe('sent');
    expect(received).toEqual([expect.objectContaining({
      msgtype: 'msgmenu',
      payload: {
        head_content: [
          'John Doe', 'Order Number: 1234', 'Payment Method: VISA 5555-****',
          'Data Transfer × 368  $ 38.45', '  GB, March', 'App Service × 720  $ 45.00',
          'Tax: $ 7.50', 'VAT: $ 1.20', 'Total: $ 90.95',
        ].join('\n'),
        list: [{ type: 'view', view: { url: 'https://azure.microsoft.com/en-us/pricing/details/bot-service/', content: 'More information' } }],
      },
    })]);
  });
});
