import { ActivityTypes, CardFactory, MessageFactory } from 'botbuilder';
import type { Activity, Attachment } from 'botbuilder';
import { fromActivity, UnsupportedActivityError } from '../../src/adapter/fromActivity';
import type { OutboundPart } from '../../src/adapter/fromActivity';
import type { KfMenuItem, KfOutboundMessage } from '../../src/wecom/kfMessages';
import { isChannelError } from '../../src/common/errors';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const text = (content: string): OutboundPart => ({ kind: 'send', message: { msgtype: 'text', text: { content } } });
const menu = (list: KfMenuItem[], head?: string): OutboundPart => ({ kind: 'send', message: { msgtype: 'msgmenu', msgmenu: head === undefined ? { list } : { head_content: head, list } } });
const click = (id: string, content: string): KfMenuItem => ({ type: 'click', click: { id, content } });
const view = (url: string, content: string): KfMenuItem => ({ type: 'view', view: { url, content } });
const att = (a: Partial<Attachment>): Attachment => ({ contentType: '', ...a }) as Attachment;

/** Every text a customer would see must be non-empty and within WeCom's limits. */
function expectWithinLimits(parts: OutboundPart[], maxTextBytes = 2048): void {
  for (const p of parts) {
    if (p.kind !== 'send') continue;
    const m = p.message;
    if (m.msgtype === 'text') {
      expect(m.text.content.trim()).not.toBe('');
      expect(bytes(m.text.content)).toBeLessThanOrEqual(maxTextBytes);
    }
    if (m.msgtype === 'msgmenu') {
      expect(m.msgmenu.list.length).toBeLessThanOrEqual(10);
      expect(bytes(m.msgmenu.head_content ?? '')).toBeLessThanOrEqual(1024);
      for (const item of m.msgmenu.list) {
        if (item.type === 'click') {
          expect(bytes(item.click.id)).toBeLessThanOrEqual(64);
          expect(bytes(item.click.content)).toBeGreaterThan(0);
          expect(bytes(item.click.content)).toBeLessThanOrEqual(128);
        }
      }
    }
  }
}

describe('fromActivity: what is sent', () => {
  const rows: { name: string; activity: Partial<Activity>; parts: OutboundPart[] }[] = [
    { name: 'typing sends nothing (the adapter handles it)', activity: { type: ActivityTypes.Typing }, parts: [] },
    { name: 'a handoff event sends nothing', activity: { type: ActivityTypes.Event, name: 'handoff.initiate' }, parts: [] },
    { name: 'endOfConversation sends nothing', activity: { type: ActivityTypes.EndOfConversation, text: 'bye' }, parts: [] },
    { name: 'plain text', activity: MessageFactory.text('您好，有什么可以帮您？'), parts: [text('您好，有什么可以帮您？')] },
    { name: 'an activity without type is a message (as TurnContext defaults it)', activity: { text: 'hi' }, parts: [text('hi')] },
    {
      name: 'markdown becomes readable plain text',
      activity: MessageFactory.text('## 订单 #42\n**已发货**，[查看物流](https://t.cn/x)\n- 红茶 ×2\n- 绿茶 ×1'),
      parts: [text('订单 #42\n已发货，查看物流 (https://t.cn/x)\n• 红茶 ×2\n• 绿茶 ×1')],
    },
    { name: 'textFormat plain is sent untouched', activity: { type: 'message', text: '**not bold**', textFormat: 'plain' }, parts: [text('**not bold**')] },
    { name: 'whitespace-only text sends nothing', activity: MessageFactory.text('  \n  '), parts: [] },
    { name: 'empty text sends nothing', activity: MessageFactory.text(''), parts: [] },
    {
      name: 'suggested actions become one menu with the text as its head',
      activity: MessageFactory.suggestedActions([
        { type: 'imBack', title: '红茶', value: '红茶' },
        { type: 'postBack', title: '绿茶', value: 'green_tea' },
        { type: 'messageBack', title: '乌龙', value: { tea: 'oolong' }, displayText: '我要乌龙' },
        { type: 'openUrl', title: '查看菜单', value: 'https://shop.example.cn/menu' },
      ], '请选择：'),
      parts: [menu([click('红茶', '红茶'), click('green_tea', '绿茶'), click('{"tea":"oolong"}', '我要乌龙'), view('https://shop.example.cn/menu', '查看菜单')], '请选择：')],
    },
    {
      name: 'MessageFactory.suggestedActions with plain strings (what ChoicePrompt sends)',
      activity: MessageFactory.suggestedActions(['是', '否'], '确认下单吗？'),
      parts: [menu([click('是', '是'), click('否', '否')], '确认下单吗？')],
    },
    {
      name: 'suggested actions without text: a menu without head',
      activity: { type: 'message', suggestedActions: { to: [], actions: [{ type: 'imBack', title: 'A', value: 'a' }] } },
      parts: [menu([click('a', 'A')])],
    },
    {
      name: 'a call action becomes a text line; showCard is left out',
      activity: { type: 'message', text: '联系我们', suggestedActions: { to: [], actions: [{ type: 'call', title: '客服热线', value: 'tel:4008123123' }, { type: 'showCard', title: 'x', value: {} }] } },
      parts: [menu([{ type: 'text', text: { content: '客服热线 4008123123' } }], '联系我们')],
    },
    {
      name: 'a hero card with an image and an openUrl tap becomes a link',
      activity: MessageFactory.attachment(CardFactory.heroCard('春季新品', '全场**8折**', [{ url: 'https://img.example.cn/spring.jpg' }], [], {
        tap: { type: 'openUrl', title: '打开', value: 'https://shop.example.cn/spring' },
      })),
      parts: [{ kind: 'link', title: '春季新品', desc: '全场8折', url: 'https://shop.example.cn/spring', thumbnailUrl: 'https://img.example.cn/spring.jpg' }],
    },
    {
      name: 'a hero card with an image and an openUrl button: link, other buttons as a menu',
      activity: MessageFactory.attachment(CardFactory.heroCard('新品', ['https://img.example.cn/a.png'], [
        { type: 'openUrl', title: '购买', value: 'https://shop.example.cn/buy' },
        { type: 'imBack', title: '咨询', value: '咨询新品' },
      ])),
      parts: [
        { kind: 'link', title: '新品', url: 'https://shop.example.cn/buy', thumbnailUrl: 'https://img.example.cn/a.png' },
        menu([click('咨询新品', '咨询')]),
      ],
    },
    {
      name: 'a hero card without image: title and text as the head of a menu of its buttons',
      activity: MessageFactory.attachment(CardFactory.heroCard('售后服务', '请选择服务类型', undefined, [
        { type: 'imBack', title: '退货', value: 'return' },
        { type: 'imBack', title: '换货', value: 'exchange' },
      ])),
      parts: [menu([click('return', '退货'), click('exchange', '换货')], '售后服务\n请选择服务类型')],
    },
    {
      name: 'a thumbnail card with an image and postBack buttons: the image (optional next to the text), then the menu',
      activity: MessageFactory.attachment(CardFactory.thumbnailCard('保温杯', '¥49.90', ['https://img.example.cn/cup.jpg'], [{ type: 'postBack', title: '加入购物车', value: 'cart:cup' }])),
      parts: [
        { kind: 'media', mediaType: 'image', optional: true, attachment: { contentUrl: 'https://img.example.cn/cup.jpg', contentType: undefined, content: undefined, name: undefined } },
        menu([click('cart:cup', '加入购物车')], '保温杯\n¥49.90'),
      ],
    },
    {
      name: 'a hero card with text only: text',
      activity: MessageFactory.attachment(CardFactory.heroCard('营业时间', '每天 9:00–21:00')),
      parts: [text('营业时间\n每天 9:00–21:00')],
    },
    {
      name: 'a video card: the video, then its text',
      activity: MessageFactory.attachment(CardFactory.videoCard('使用教程', ['https://v.example.cn/howto.mp4'])),
      parts: [{ kind: 'media', mediaType: 'video', optional: true, attachment: { contentUrl: 'https://v.example.cn/howto.mp4', contentType: undefined, content: undefined, name: undefined } }, text('使用教程')],
    },
    {
      name: 'a hero card that is only its image: the image is required (leaving it out would send nothing)',
      activity: MessageFactory.attachment(CardFactory.heroCard('', ['https://img.example.cn/cup.jpg'])),
      parts: [{ kind: 'media', mediaType: 'image', attachment: { contentUrl: 'https://img.example.cn/cup.jpg', contentType: undefined, content: undefined, name: undefined } }],
    },
    {
      name: 'a receipt card: every field, items with quantity, price, subtitle and text; tax, VAT, total; buttons as a menu',
      activity: MessageFactory.attachment(CardFactory.receiptCard({
        title: 'John Doe',
        facts: [{ key: 'Order Number', value: '1234' }, { key: 'Payment Method', value: 'VISA 5555-****' }],
        items: [
          { title: 'Data Transfer', price: '$38.45', quantity: '368', subtitle: 'GB', text: 'March *2026*', image: { url: 'https://img.example.cn/t.png' } },
          { title: 'App Service', price: '$45.00', quantity: '720' },
          { title: 'Support plan', price: '$0.00' },
        ],
        tax: '$7.50',
        vat: '$1.23',
        total: '$90.95',
        buttons: [{ type: 'openUrl', title: 'More information', value: 'https://azure.microsoft.com/en-us/pricing/' }],
      } as Parameters<typeof CardFactory.receiptCard>[0])),
      parts: [menu([view('https://azure.microsoft.com/en-us/pricing/', 'More information')], [
        'John Doe',
        'Order Number: 1234',
        'Payment Method: VISA 5555-****',
        'Data Transfer × 368  $38.45',
        '  GB',
        '  March *2026*',
        'App Service × 720  $45.00',
        'Support plan  $0.00',
        'Tax: $7.50',
        'VAT: $1.23',
        'Total: $90.95',
      ].join('\n'))],
    },
    {
      name: 'an adaptive card: text blocks and facts flattened, actions as a menu',
      activity: MessageFactory.attachment(CardFactory.adaptiveCard({
        type: 'AdaptiveCard', version: '1.5',
        body: [
          { type: 'TextBlock', text: '**订单确认**', weight: 'Bolder' },
          { type: 'ColumnSet', columns: [{ type: 'Column', items: [{ type: 'TextBlock', text: '左' }] }, { type: 'Column', items: [{ type: 'TextBlock', text: '右' }] }] },
          { type: 'FactSet', facts: [{ title: '商品', value: '保温杯' }, { title: '金额', value: '¥49.90' }] },
          { type: 'Image', url: 'https://img.example.cn/cup.jpg' },
          { type: 'TextBlock', text: 'hidden', isVisible: false },
          { type: 'Input.Text', id: 'note' },
        ],
        actions: [
          { type: 'Action.Submit', title: '确认', data: { action: 'confirm' } },
          { type: 'Action.OpenUrl', title: '详情', url: 'https://shop.example.cn/o/42' },
          { type: 'Action.ShowCard', title: 'more', card: {} },
        ],
      })),
      parts: [menu([click('{"action":"confirm"}', '确认'), view('https://shop.example.cn/o/42', '详情')], '订单确认\n左\n右\n商品: 保温杯\n金额: ¥49.90')],
    },
    {
      name: 'a Place entity becomes a location message',
      activity: { type: 'message', entities: [{ type: 'Place', name: '广州塔', address: '阅江西路222号', geo: { type: 'GeoCoordinates', latitude: 23.1066805, longitude: 113.3245904 } }] },
      parts: [{ kind: 'send', message: { msgtype: 'location', location: { latitude: 23.1066805, longitude: 113.3245904, name: '广州塔', address: '阅江西路222号' } } }],
    },
    {
      name: 'text, attachment and suggested actions: text first, then the file, then the menu',
      activity: {
        type: 'message',
        text: '这是您的发票',
        attachments: [att({ contentType: 'application/pdf', contentUrl: 'https://files.example.cn/invoice.pdf', name: '发票.pdf' })],
        suggestedActions: { to: [], actions: [{ type: 'imBack', title: '谢谢', value: '谢谢' }] },
      },
      parts: [
        text('这是您的发票'),
        { kind: 'media', mediaType: 'file', attachment: { contentType: 'application/pdf', contentUrl: 'https://files.example.cn/invoice.pdf', name: '发票.pdf', content: undefined } },
        menu([click('谢谢', '谢谢')]),
      ],
    },
    {
      name: 'channelData.wecom is sent as it is, after the text',
      activity: { type: 'message', text: '打开小程序', channelData: { wecom: { msgtype: 'miniprogram', miniprogram: { appid: 'wx123', title: '会员中心', thumb_media_id: 'MEDIA_ID', pagepath: 'pages/index' } } } },
      parts: [text('打开小程序'), { kind: 'send', message: { msgtype: 'miniprogram', miniprogram: { appid: 'wx123', title: '会员中心', thumb_media_id: 'MEDIA_ID', pagepath: 'pages/index' } } }],
    },
    {
      name: 'channelData itself may be the kf message (ca_link)',
      activity: { type: 'message', channelData: { msgtype: 'ca_link', ca_link: { link_url: 'https://work.weixin.qq.com/ca/cawcde123' } } },
      parts: [{ kind: 'send', message: { msgtype: 'ca_link', ca_link: { link_url: 'https://work.weixin.qq.com/ca/cawcde123' } } }],
    },
    {
      name: 'channelData for other channels is ignored',
      activity: { type: 'message', text: 'hi', channelData: { notification: { alert: true } } },
      parts: [text('hi')],
    },
  ];

  it.each(rows)('$name', ({ activity, parts }) => {
    const got = fromActivity(activity);
    expect(got).toEqual(parts);
    expectWithinLimits(got);
  });
});

describe('fromActivity: media attachments by declared type (the adapter checks the real bytes)', () => {
  it.each([
    ['image/png by url', 'image', { contentType: 'image/png', contentUrl: 'https://x.cn/a.png' }],
    ['image/jpeg as a data: URL', 'image', { contentType: 'image/jpeg', contentUrl: 'data:image/jpeg;base64,/9j/4AAQ' }],
    ['a data: URL without contentType uses its own type', 'image', { contentUrl: 'data:image/png;base64,iVBORw0KGgo=' }],
    ['audio/amr is a voice message', 'voice', { contentType: 'audio/amr', contentUrl: 'https://x.cn/a.amr' }],
    ['audio/mpeg is not a voice WeChat plays: a file', 'file', { contentType: 'audio/mpeg', contentUrl: 'https://x.cn/a.mp3' }],
    ['video/mp4', 'video', { contentType: 'video/mp4', contentUrl: 'https://x.cn/a.mp4' }],
    ['application/pdf', 'file', { contentType: 'application/pdf', contentUrl: 'https://x.cn/a.pdf' }],
    ['a docx', 'file', { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', contentUrl: 'https://x.cn/a.docx' }],
    ['application/octet-stream: decide from the bytes', 'auto', { contentType: 'application/octet-stream', contentUrl: 'https://x.cn/blob' }],
    ['no contentType: decide from the bytes', 'auto', { contentUrl: 'https://x.cn/blob' }],
    ['bytes in content, no url', 'image', { contentType: 'image/png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]) }],
  ] as const)('%s → %s', (_name, mediaType, attachment: Partial<Attachment>) => {
    const parts = fromActivity({ type: 'message', attachments: [att(attachment)] });
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ kind: 'media', mediaType, attachment });
  });
});

describe('fromActivity: long text', () => {
  it('CJK text longer than 2048 bytes is split into parts the customer reads in order', () => {
    const para = '您好，感谢您的耐心等待。我们已经收到您的退货申请，预计三个工作日内处理完毕。';
    const long = Array.from({ length: 40 }, () => para).join('\n');
    const parts = fromActivity(MessageFactory.text(long));
    expect(parts.length).toBeGreaterThan(1);
    expectWithinLimits(parts);
    const contents = parts.map((p) => (p.kind === 'send' && p.message.msgtype === 'text' ? p.message.text.content : ''));
    expect(contents.join('\n')).toBe(long); // broken at newlines, which are the only thing dropped
  });

  it('maxTextBytes sets the part size', () => {
    const parts = fromActivity(MessageFactory.text('one two three four five'), { maxTextBytes: 10 });
    expect(parts).toEqual([text('one two'), text('three four'), text('five')]);
  });

  it('text too long for a menu head goes first, the menu after', () => {
    const long = '说明'.repeat(200); // 1200 bytes
    const parts = fromActivity(MessageFactory.suggestedActions(['好'], long));
    expect(parts).toEqual([text(long), menu([click('好', '好')])]);
  });
});

describe('fromActivity: menu limits', () => {
  it('more than 10 actions: split into menus of 10, the head on the first, nothing dropped', () => {
    const choices = Array.from({ length: 23 }, (_, i) => `选项${i + 1}`);
    const parts = fromActivity(MessageFactory.suggestedActions(choices, '请选择'));
    expect(parts).toHaveLength(3);
    const lists = parts.map((p) => (p.kind === 'send' && p.message.msgtype === 'msgmenu' ? p.message.msgmenu : undefined));
    expect(lists.map((m) => m?.list.length)).toEqual([10, 10, 3]);
    expect(lists.map((m) => m?.head_content)).toEqual(['请选择', undefined, undefined]);
    expect(lists.flatMap((m) => m!.list.map((i) => (i.type === 'click' ? i.click.id : '')))).toEqual(choices);
    expectWithinLimits(parts);
  });

  it('a value longer than 64 bytes gets a stable, distinct id of ≤64 bytes', () => {
    const a = `order:${'商品'.repeat(20)}:A`;
    const b = `order:${'商品'.repeat(20)}:B`;
    const ids = (): string[] => {
      const [part] = fromActivity(MessageFactory.suggestedActions([{ type: 'postBack', title: 'A', value: a }, { type: 'postBack', title: 'B', value: b }]));
      const m = (part as { message: KfOutboundMessage }).message;
      return m.msgtype === 'msgmenu' ? m.msgmenu.list.map((i) => (i.type === 'click' ? i.click.id : '')) : [];
    };
    const [idA, idB] = ids();
    expect(bytes(idA!)).toBeLessThanOrEqual(64);
    expect(idA!.startsWith('order:商品')).toBe(true);
    expect(idA).not.toBe(idB);
    expect(ids()).toEqual([idA, idB]);
  });

  it('a title longer than 128 bytes is cut at a character with …', () => {
    const [part] = fromActivity(MessageFactory.suggestedActions([{ type: 'imBack', title: '长'.repeat(60), value: 'x' }]));
    const m = (part as { message: KfOutboundMessage }).message;
    const item = m.msgtype === 'msgmenu' ? m.msgmenu.list[0] : undefined;
    expect(item).toEqual(click('x', `${'长'.repeat(41)}…`));
  });
});

describe('fromActivity: what cannot be sent says so', () => {
  it.each([
    ['a malformed channelData.wecom', { type: 'message', channelData: { wecom: { msgtype: 'location', location: { latitude: 'north' } } } }, /location\.latitude/],
    ['an unknown msgtype in channelData', { type: 'message', channelData: { msgtype: 'sticker', sticker: {} } }, /malformed kf message/],
    ['a menu of 11 items in channelData', { type: 'message', channelData: { wecom: { msgtype: 'msgmenu', msgmenu: { list: Array.from({ length: 11 }, (_, i) => click(`${i}`, `${i}`)) } } } }, /msgmenu\.list/],
    ['an inbound-only wecom attachment echoed back', { type: 'message', attachments: [att({ contentType: 'application/vnd.wecom.rejected-attachment', content: { reason: 'x' } })] }, /cannot be sent to WeChat/],
    ['an attachment with neither url nor bytes', { type: 'message', attachments: [att({ contentType: 'application/x-custom' })] }, /cannot be sent to WeChat/],
    ['an empty hero card', { type: 'message', attachments: [CardFactory.heroCard('')] }, /without title, text, image or buttons/],
  ])('%s → activity_unsupported', (_name, activity, message) => {
    let caught: unknown;
    try {
      fromActivity(activity as Partial<Activity>);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UnsupportedActivityError);
    expect(isChannelError(caught, 'activity_unsupported')).toBe(true);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toMatch(/Fix: /);
  });
});
