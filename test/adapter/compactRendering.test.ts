import { ActionTypes, CardFactory, MessageFactory } from 'botbuilder';
import type { Activity, Attachment } from 'botbuilder';
import { fitToReplies, fromActivity, type OutboundPart, UnsupportedActivityError } from '../../src/adapter/fromActivity';
import type { KfMenuItem } from '../../src/wecom/kfMessages';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const text = (content: string): OutboundPart => ({ kind: 'send', message: { msgtype: 'text', text: { content } } });
const menu = (list: KfMenuItem[], head?: string): OutboundPart => ({ kind: 'send', message: { msgtype: 'msgmenu', msgmenu: head === undefined ? { list } : { head_content: head, list } } });
const click = (id: string, content: string): KfMenuItem => ({ type: 'click', click: { id, content } });
const view = (url: string, content: string): KfMenuItem => ({ type: 'view', view: { url, content } });
const compact = (activity: Partial<Activity>): OutboundPart[] => fromActivity(activity, { compact: true });

const hero = CardFactory.heroCard('Hero', 'A hero card', ['https://x.cn/hero.jpg'], [{ type: ActionTypes.OpenUrl, title: 'Open', value: 'https://x.cn/open' }]);
const video = CardFactory.videoCard('Video', ['https://x.cn/v.mp4'], [{ type: ActionTypes.OpenUrl, title: 'More', value: 'https://x.cn/more' }], { subtitle: 'by us' });
const adaptive = CardFactory.adaptiveCard({
  type: 'AdaptiveCard', body: [{ type: 'TextBlock', text: 'Flight' }, { type: 'FactSet', facts: [{ title: 'From', value: 'SFO' }] }],
  actions: [{ type: 'Action.Submit', title: 'Book', data: 'book' }, { type: 'Action.OpenUrl', title: 'Site', url: 'https://x.cn/site' }],
});
const png = { contentType: 'image/png', contentUrl: 'data:image/png;base64,iVBORw0KGgo=' } as Attachment;

describe('fromActivity compact mode: as few kf messages as the content allows', () => {
  const rows: { name: string; activity: Partial<Activity>; parts: OutboundPart[] }[] = [
    {
      name: 'a carousel of cards: one text, a card after another, link buttons as lines, pictures left out',
      activity: { text: 'Here you are', attachments: [hero, video] },
      parts: [text('Here you are\n\nHero\nA hero card\nOpen: https://x.cn/open\n\nVideo\nby us\nhttps://x.cn/v.mp4\nMore: https://x.cn/more')],
    },
    {
      name: 'buttons that answer the bot stay a menu, headed by the text',
      activity: { attachments: [adaptive] },
      parts: [menu([click('book', 'Book')], 'Flight\nFrom: SFO\nSite: https://x.cn/site')],
    },
    {
      name: 'suggested actions stay a menu, with every kind of action it can hold',
      activity: { ...MessageFactory.suggestedActions([{ type: ActionTypes.ImBack, title: 'Red', value: 'red' }, { type: ActionTypes.OpenUrl, title: 'Web', value: 'https://x.cn' }], 'Pick'), attachments: [hero] },
      parts: [menu([click('red', 'Red'), view('https://x.cn', 'Web')], 'Pick\n\nHero\nA hero card\nOpen: https://x.cn/open')],
    },
    {
      name: 'media attachments cannot become text: they are still sent, and the menu comes last',
      activity: { text: 'Look', attachments: [png], suggestedActions: { to: [], actions: [{ type: ActionTypes.ImBack, title: 'Ok', value: 'ok' }] } },
      parts: [text('Look'), { kind: 'media', mediaType: 'image', attachment: { contentType: 'image/png', contentUrl: png.contentUrl, content: undefined, name: undefined } }, menu([click('ok', 'Ok')])],
    },
    {
      name: 'a card with only a picture gives the picture\'s address',
      activity: { attachments: [CardFactory.heroCard('', ['https://x.cn/only.jpg'])] },
      parts: [text('https://x.cn/only.jpg')],
    },
    {
      name: 'a kf message in channelData still goes last, as it is',
      activity: { text: 'Where', channelData: { wecom: { msgtype: 'location', location: { latitude: 1, longitude: 2 } } } },
      parts: [text('Where'), { kind: 'send', message: { msgtype: 'location', location: { latitude: 1, longitude: 2 } } }],
    },
  ];
  it.each(rows)('$name', ({ activity, parts }) => expect(compact(activity)).toEqual(parts));

  it('nine cards whose normal rendering takes 10 messages fit two texts of at most 2048 bytes, nothing lost', () => {
    const long = (n: number): Attachment => CardFactory.thumbnailCard(`Card ${n}`, [`https://x.cn/${n}.jpg`], [{ type: ActionTypes.OpenUrl, title: `Go ${n}`, value: `https://x.cn/go/${n}` }], {
      text: `${'word '.repeat(60)}end ${n}`,
    });
    const activity = { attachments: [...Array.from({ length: 8 }, (_, i) => long(i)), video] };
    expect(fromActivity(activity).length).toBe(10);
    const parts = compact(activity);
    expect(parts).toHaveLength(2);
    const texts = parts.map((p) => (p.kind === 'send' && p.message.msgtype === 'text' ? p.message.text.content : ''));
    for (const t of texts) expect(bytes(t)).toBeLessThanOrEqual(2048);
    for (let n = 0; n < 8; n++) expect(texts.join('\n')).toContain(`end ${n}\nGo ${n}: https://x.cn/go/${n}`);
    expect(texts.join('\n')).toContain('https://x.cn/v.mp4');
  });

  it('a card WeChat cannot show at all is refused as in the normal rendering', () => {
    expect(() => compact({ attachments: [CardFactory.heroCard('', [])] })).toThrow(UnsupportedActivityError);
  });
});

describe('fitToReplies: the rendering an activity gets for the replies left', () => {
  const parts = (n: number): OutboundPart[] => Array.from({ length: n }, (_, i) => text(`p${i}`));
  const rows: { name: string; normal: number; compact: number; left: number | undefined; parts: number; isCompact: boolean; fits: number }[] = [
    { name: 'no limit known: as it is', normal: 12, compact: 2, left: undefined, parts: 12, isCompact: false, fits: 12 },
    { name: 'leaves a reply for what comes next: as it is', normal: 4, compact: 1, left: 5, parts: 4, isCompact: false, fits: 4 },
    { name: 'would take the last reply: compact, when smaller', normal: 5, compact: 2, left: 5, parts: 2, isCompact: true, fits: 2 },
    { name: 'nine cards in a fresh window: compact', normal: 12, compact: 2, left: 5, parts: 2, isCompact: true, fits: 2 },
    { name: 'compact no smaller (long text): as it is, the excess counted out', normal: 7, compact: 7, left: 5, parts: 7, isCompact: false, fits: 5 },
    { name: 'even compact too big: the excess counted out', normal: 6, compact: 3, left: 2, parts: 3, isCompact: true, fits: 2 },
    { name: 'no reply left: unchanged, the window refuses it', normal: 3, compact: 1, left: 0, parts: 3, isCompact: false, fits: 3 },
  ];
  it.each(rows)('$name', (row) => {
    const fitted = fitToReplies(parts(row.normal), () => parts(row.compact), row.left);
    expect({ parts: fitted.parts.length, isCompact: fitted.compact, fits: fitted.fits }).toEqual({ parts: row.parts, isCompact: row.isCompact, fits: row.fits });
  });
});

describe('fromActivity compact mode: receipts', () => {
  it('keeps a receipt\'s lines as data, never as Markdown (a "+ Milk" item stays, "*2*" keeps its stars)', () => {
    const receipt = CardFactory.receiptCard({
      title: 'Order', facts: [{ key: 'Ref', value: '*2*' }],
      items: [{ title: '+ Milk', quantity: '2', price: '$ 3.00' }], tax: '$ 0.30', total: '$ 6.30',
    } as Parameters<typeof CardFactory.receiptCard>[0]);
    const [part] = compact({ attachments: [receipt, receipt] });
    const content = part?.kind === 'send' && part.message.msgtype === 'text' ? part.message.text.content : '';
    expect(content).toContain('+ Milk × 2');
    expect(content).toContain('*2*');
    expect(content).not.toContain('•');
  });
});
