import { ActionTypes, CardFactory, MessageFactory } from 'botbuilder';
import type { Activity, CardAction } from 'botbuilder';
import { compactContent, fromActivity } from '../../src/adapter/fromActivity';
import { mergeWelcome } from '../../src/adapter/welcomeMessage';
import type { KfMenuItem } from '../../src/wecom/kfMessages';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const merge = (...activities: Partial<Activity>[]): ReturnType<typeof mergeWelcome> => mergeWelcome(activities.map(compactContent));
const click = (id: string): KfMenuItem => ({ type: 'click', click: { id, content: id } });
const imBacks = (n: number): CardAction[] => Array.from({ length: n }, (_, i) => ({ type: ActionTypes.ImBack, title: `c${i + 1}`, value: `c${i + 1}` }));
const paragraph = (n: number, word: string): string => Array.from({ length: n }, () => word).join(' ');

describe('mergeWelcome: a welcome turn in the one message its code allows', () => {
  it('joins texts with a blank line (sample 03: four sendActivity calls)', () => {
    expect(merge({ text: 'Welcome.' }, { text: 'You joined.' }, { text: 'I handle hi.' }, { text: 'Try it now.' })).toEqual({
      message: { msgtype: 'text', text: { content: 'Welcome.\n\nYou joined.\n\nI handle hi.\n\nTry it now.' } },
      leftOut: [],
    });
  });

  it('heads the suggested actions with the texts before them (sample 08: a text, then a question with Red/Yellow/Blue)', () => {
    const question = MessageFactory.suggestedActions(['Red', 'Yellow', 'Blue'].map((c) => ({ type: ActionTypes.ImBack, title: c, value: c })), 'What is your favorite color?');
    expect(merge({ text: 'Welcome to suggestedActionsBot.' }, question)).toEqual({
      message: { msgtype: 'msgmenu', msgmenu: { head_content: 'Welcome to suggestedActionsBot.\n\nWhat is your favorite color?', list: [click('Red'), click('Yellow'), click('Blue')] } },
      leftOut: [],
    });
  });

  it('puts text sent after the menu in tail_content, and a card as text', () => {
    const card = CardFactory.heroCard('Help', 'Ask me anything', [], [{ type: ActionTypes.OpenUrl, title: 'Docs', value: 'https://x.cn/docs' }]);
    expect(merge(MessageFactory.suggestedActions(imBacks(2), 'Pick one'), { attachments: [card] })).toEqual({
      message: { msgtype: 'msgmenu', msgmenu: { head_content: 'Pick one', list: [click('c1'), click('c2')], tail_content: 'Help\nAsk me anything\nDocs: https://x.cn/docs' } },
      leftOut: [],
    });
  });

  it('a 3000-byte welcome: the first 2048 bytes, cut at a word, go out; the rest is left out as text to send later', () => {
    const long = paragraph(500, 'hello'); // 2999 bytes
    const { message, leftOut } = merge({ text: long }, { text: 'and this' });
    expect(message?.msgtype).toBe('text');
    const sent = message?.msgtype === 'text' ? message.text.content : '';
    expect(bytes(sent)).toBeLessThanOrEqual(2048);
    expect(bytes(sent)).toBeGreaterThan(2000);
    expect(leftOut).toEqual([
      { type: 'message', text: long.slice(sent.length + 1), textFormat: 'plain' },
      { type: 'message', text: 'and this', textFormat: 'plain' },
    ]);
    expect(`${sent} ${leftOut[0]!.text}`).toBe(long);
  });

  it('12 suggested actions: the first 10 go in the menu, the other 2 are left out as a menu to send later', () => {
    const { message, leftOut } = merge(MessageFactory.suggestedActions(imBacks(12), 'Choose'));
    expect(message).toEqual({ msgtype: 'msgmenu', msgmenu: { head_content: 'Choose', list: imBacks(10).map((a) => click(a.value as string)) } });
    expect(leftOut).toEqual([{ type: 'message', channelData: { wecom: { msgtype: 'msgmenu', msgmenu: { list: [click('c11'), click('c12')] } } } }]);
  });

  it('text over 1024 bytes cannot head a menu: the texts go out; the menu with its question, and all after it, are left out in order', () => {
    const head = paragraph(200, 'long'); // 999 bytes
    const { message, leftOut } = merge({ text: head }, { text: paragraph(10, 'more') }, MessageFactory.suggestedActions(imBacks(2), 'Pick'), { text: 'bye' });
    expect(message).toEqual({ msgtype: 'text', text: { content: `${head}\n\n${paragraph(10, 'more')}` } });
    expect(leftOut).toEqual([
      { type: 'message', channelData: { wecom: { msgtype: 'msgmenu', msgmenu: { head_content: 'Pick', list: [click('c1'), click('c2')] } } } },
      { type: 'message', text: 'bye', textFormat: 'plain' },
    ]);
  });

  it('a single activity whose text is too long to head its menu: the text goes out, the menu is left out', () => {
    const long = paragraph(250, 'long'); // 1249 bytes
    const { message, leftOut } = merge(MessageFactory.suggestedActions(imBacks(2), long));
    expect(message).toEqual({ msgtype: 'text', text: { content: long } });
    expect(leftOut).toEqual([{ type: 'message', channelData: { wecom: { msgtype: 'msgmenu', msgmenu: { list: [click('c1'), click('c2')] } } } }]);
  });

  it('what a welcome cannot carry (an image) is left out, and the texts around it still go', () => {
    const image = { contentType: 'image/png', contentUrl: 'https://x.cn/a.png' };
    const { message, leftOut } = merge({ text: 'Hi' }, { attachments: [image] }, { text: 'there' });
    expect(message).toEqual({ msgtype: 'text', text: { content: 'Hi\n\nthere' } });
    expect(leftOut).toEqual([{ type: 'message', attachments: [{ contentType: 'image/png', contentUrl: 'https://x.cn/a.png', content: undefined, name: undefined }] }]);
  });

  it('two menus with nothing between them share one list while it holds 10', () => {
    const { message } = merge(MessageFactory.suggestedActions(imBacks(3), 'A'), MessageFactory.suggestedActions(imBacks(2)));
    expect(message).toMatchObject({ msgtype: 'msgmenu', msgmenu: { head_content: 'A', list: [click('c1'), click('c2'), click('c3'), click('c1'), click('c2')] } });
  });

  it('everything left out can be sent later unchanged: it renders without error', () => {
    const { leftOut } = merge({ text: paragraph(500, 'hello') }, MessageFactory.suggestedActions(imBacks(12), 'Choose'), { attachments: [{ contentType: 'image/png', contentUrl: 'https://x.cn/a.png' }] });
    expect(leftOut.map((a) => a.text?.slice(0, 6) ?? (a.attachments ? 'image' : 'menu'))).toEqual(['hello ', 'Choose', 'menu', 'menu', 'image']);
    for (const activity of leftOut) expect(fromActivity(activity).length).toBeGreaterThan(0);
  });
});
