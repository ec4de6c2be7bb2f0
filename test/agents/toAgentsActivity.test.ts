import { Activity, type ConversationReference } from '@microsoft/agents-activity';
import { continuationActivity, toAgentsActivity } from '../../src/agents/toAgentsActivity';
import { AgentsActivityRefusedError } from '../../src/agents/agentsErrors';
import { toActivity } from '../../src/adapter/toActivity';
import { isChannelError } from '../../src/common';
import type { InboundCoreActivity } from '../../src/core';
import { toKfMessage } from '../../src/wecom/kfMessages';

const CORP = 'ww5f3c9a1b2c3d4e5f';
const KF = 'wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw';
const USER = 'wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukCAw';
const CONVERSATION = `${CORP}:${KF}:${USER}`;

/** A customer's text as the core hands it to a shell, with the empty strings the Agents SDK refuses. */
function inbound(overrides: Partial<InboundCoreActivity> = {}): InboundCoreActivity {
  return {
    type: 'message', id: 'm1', channelId: 'wecom', serviceUrl: `wecom://${CORP}`, timestamp: new Date(1700000000000),
    text: '你好', textFormat: 'plain',
    conversation: { id: CONVERSATION, conversationType: 'personal', isGroup: false, tenantId: CORP, name: '' },
    from: { id: USER, name: '', role: 'user' },
    recipient: { id: KF, name: '', role: 'bot' },
    channelData: { corpId: CORP, openKfId: KF, externalUserId: USER, origin: 3, kf: { msgid: 'm1', msgtype: 'text', text: { content: '你好' } } },
    ...overrides,
  };
}

describe('toAgentsActivity: what an Agents SDK bot receives', () => {
  it('is an agents Activity with the channel, ids and text the bot reads', () => {
    const a = toAgentsActivity(inbound());
    expect(a).toBeInstanceOf(Activity);
    expect(a.channelId).toBe('wecom');
    expect(a).toMatchObject({ type: 'message', id: 'm1', text: '你好', serviceUrl: `wecom://${CORP}`, from: { id: USER, role: 'user' }, recipient: { id: KF, role: 'bot' } });
    expect(a.conversation).toEqual({ id: CONVERSATION, conversationType: 'personal', isGroup: false, tenantId: CORP });
    expect(a.timestamp).toEqual(new Date(1700000000000));
  });

  it('keeps channelData whole (the raw kf message included)', () => {
    const source = inbound();
    expect(toAgentsActivity(source).channelData).toEqual(source.channelData);
  });

  it('gives replies an address: the conversation reference a send needs', () => {
    const ref = toAgentsActivity(inbound()).getConversationReference();
    expect(ref).toMatchObject({ channelId: 'wecom', user: { id: USER }, agent: { id: KF }, conversation: { id: CONVERSATION }, activityId: 'm1' });
  });

  it('leaves the core\'s activity as it was', () => {
    const source = inbound();
    const before = structuredClone(source);
    toAgentsActivity(source);
    expect(source).toEqual(before);
  });

  it('keeps an empty text (a message of only an attachment) and an empty customer name', () => {
    const a = toAgentsActivity(inbound({ text: '' }));
    expect(a.text).toBe('');
    expect(a.from?.name).toBe('');
  });

  it('drops empty optional strings the SDK refuses (locale, attachment names, member roles)', () => {
    const a = toAgentsActivity(inbound({
      locale: '',
      attachments: [{ contentType: 'image/png', contentUrl: 'data:image/png;base64,AA==', name: '' }],
      membersAdded: [{ id: USER, name: '', role: '' }],
    }));
    expect(a.locale).toBeUndefined();
    expect(a.attachments).toEqual([{ contentType: 'image/png', contentUrl: 'data:image/png;base64,AA==' }]);
    expect(a.membersAdded).toEqual([{ id: USER, name: '' }]);
  });

  it('fills an account-wide event\'s empty from.id with the servicer, and the kf account as recipient', () => {
    const a = toAgentsActivity(inbound({
      type: 'event', name: 'wecom.servicerStatus', text: undefined, textFormat: undefined,
      conversation: { id: `${CORP}:${KF}`, conversationType: 'personal', isGroup: false, tenantId: CORP, name: '' },
      from: { id: '', name: '' }, recipient: { id: '', name: '', role: 'bot' },
      channelData: { corpId: CORP, openKfId: KF, servicerUserId: 'zhangsan', origin: 4 },
    }));
    expect(a.from?.id).toBe('zhangsan');
    expect(a.recipient?.id).toBe(KF);
  });

  it('addresses a corp-wide event (licence status) from and to the corp', () => {
    const a = toAgentsActivity(inbound({
      type: 'event', name: 'wecom.licenceStatus', text: undefined, textFormat: undefined,
      conversation: { id: CORP, conversationType: 'corp', isGroup: false, tenantId: CORP },
      from: { id: '', name: '' }, recipient: { id: '', name: '' },
      channelData: {},
    }));
    expect(a.from?.id).toBe(CORP);
    expect(a.recipient?.id).toBe(CORP);
    expect(() => a.getConversationReference()).not.toThrow();
  });

  it('accepts what today\'s kf mapping produces for a customer\'s text and an enter_session', () => {
    const text = toKfMessage({ msgid: 'm9', send_time: 1700000000, origin: 3, open_kfid: KF, external_userid: USER, msgtype: 'text', text: { content: 'hi' } })!;
    const entered = toKfMessage({ msgid: 'e1', send_time: 1700000000, origin: 4, msgtype: 'event', event: { event_type: 'enter_session', open_kfid: KF, external_userid: USER, welcome_code: 'w1' } })!;
    for (const msg of [text, entered]) {
      const core = toActivity(msg, { corpId: CORP }) as unknown as InboundCoreActivity;
      const a = toAgentsActivity(core);
      expect(a).toMatchObject({ id: msg.msgid, from: { id: USER }, recipient: { id: KF } });
      expect(a.conversation?.id).toBe(CONVERSATION);
    }
  });
});

describe('toAgentsActivity: what the SDK still refuses', () => {
  const noConversation = (): InboundCoreActivity => inbound({ conversation: { id: '', conversationType: 'personal', isGroup: false } });

  it('throws a final, typed error naming the refused field, so the inbox parks the message', () => {
    let thrown: unknown;
    try {
      toAgentsActivity(noConversation());
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(AgentsActivityRefusedError);
    expect(isChannelError(thrown, 'agents_activity_refused')).toBe(true);
    const err = thrown as AgentsActivityRefusedError;
    expect(err.final).toBe(true);
    expect(err).toMatchObject({ activityId: 'm1', conversationId: '' });
    expect(err.issues).toEqual([expect.stringMatching(/^conversation\.id: /)]);
    expect(err.message).toMatch(/refused activity m1 .*conversation\.id: .*kept as refused, not retried/);
  });

  it('lists every field zod refused', () => {
    const bad = inbound({ type: 'message', attachments: [{ contentType: '' }], entities: [{ type: '' }] });
    expect(() => toAgentsActivity(bad)).toThrow(expect.objectContaining({
      issues: expect.arrayContaining([expect.stringMatching(/^attachments\.0\.contentType: /), expect.stringMatching(/^entities\.0\.type: /)]),
    }));
  });
});

describe('continuationActivity: the event a proactive turn runs on', () => {
  it('addresses the customer from the conversation id when the reference names no one, on channel wecom', () => {
    const a = continuationActivity({ conversation: { id: CONVERSATION, name: '', isGroup: false } }, { user: USER, agent: KF });
    expect(a).toBeInstanceOf(Activity);
    expect(a).toMatchObject({ type: 'event', name: 'ContinueConversation', from: { id: USER }, recipient: { id: KF }, conversation: { id: CONVERSATION } });
    expect(a.channelId).toBe('wecom');
    expect(a.getConversationReference()).toMatchObject({ user: { id: USER }, agent: { id: KF } });
  });

  it('keeps what the reference says (a reference saved from an earlier turn)', () => {
    const saved = toAgentsActivity(inbound()).getConversationReference();
    const a = continuationActivity(saved, { user: 'ignored', agent: 'ignored' });
    expect(a).toMatchObject({ from: { id: USER, role: 'user' }, recipient: { id: KF, role: 'bot' }, serviceUrl: `wecom://${CORP}` });
  });

  it('refuses a reference without a conversation with the typed error', () => {
    expect(() => continuationActivity({ channelId: 'wecom' } as Partial<ConversationReference>)).toThrow(AgentsActivityRefusedError);
  });
});
