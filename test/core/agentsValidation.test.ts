/**
 * Every activity the channel hands a bot must pass the Microsoft 365 Agents SDK's own validation
 * (`Activity.fromObject`, zod) and carry what `AgentApplication` builds its state keys from and what
 * `TurnContext.sendActivities` needs to reply: otherwise an Agents SDK bot never sees the turn.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Activity } from '@microsoft/agents-activity';
import { ManualClock, silentLogger } from '../../src/common';
import {
  type ActivityStamp, channelEventActivity, ChannelEventError, type CoreActivity, handoffInitiateActivity, handoffStatusActivity,
} from '../../src/core';
import { compactContent } from '../../src/adapter/fromActivity';
import { Handoff } from '../../src/adapter/handoff';
import { SessionRepository } from '../../src/adapter/sessionRepository';
import { type InboundContext, toActivity, type WeComActivity } from '../../src/adapter/toActivity';
import { mergeWelcome, welcomeOverflowActivity } from '../../src/adapter/welcomeMessage';
import { openStore, type Store } from '../../src/store';
import { KfServiceState, type KfMessage, toKfMessage } from '../../src/wecom/kfMessages';

const CORP = 'ww5f3c9a1b2c3d4e5f';
const KF = 'wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw';
const USER = 'wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukCAw';
const CONVERSATION = `${CORP}:${KF}:${USER}`;
const ctx: InboundContext = { corpId: CORP };

let seq = 0;
function kf(raw: Record<string, unknown>): KfMessage {
  const msg = toKfMessage({ msgid: `msg-${++seq}`, send_time: 1767225600, origin: 3, open_kfid: KF, external_userid: USER, ...raw });
  if (!msg) throw new Error('test payload has no msgid');
  return msg;
}
const event = (ev: Record<string, unknown>): KfMessage => kf({ origin: 4, msgtype: 'event', event: ev, open_kfid: undefined, external_userid: undefined });

/** Runs `a` through the Agents SDK as its TurnContext would, and returns the parsed activity. */
function agentsAccept(a: object): Activity {
  const parsed = Activity.fromObject(a);
  // AgentApplication's state keys: `${channelId}/${recipient.id}/conversations/${conversation.id}` and `…/users/${from.id}`.
  expect(parsed.channelId).toBe('wecom');
  expect(parsed.recipient?.id).toEqual(expect.stringMatching(/./));
  expect(parsed.from?.id).toEqual(expect.stringMatching(/./));
  expect(parsed.conversation?.id).toEqual(expect.stringMatching(/./));
  // What TurnContext.sendActivities calls before any reply goes out.
  expect(() => parsed.getConversationReference()).not.toThrow();
  return parsed;
}

describe('toActivity output passes the Agents SDK validation, channelData.kf intact', () => {
  const media = { status: 'ok', contentType: 'image/png', name: 'photo.png', contentUrl: 'data:image/png;base64,iVBORw0KGgo=', size: 8 } as const;
  const rows: { kind: string; msg: KfMessage; ctx?: InboundContext }[] = [
    { kind: 'text', msg: kf({ msgtype: 'text', text: { content: '你好' } }) },
    { kind: 'text, with the customer\'s name and a locale', msg: kf({ msgtype: 'text', text: { content: 'hi' } }), ctx: { corpId: CORP, customerName: '小明', locale: 'zh-CN' } },
    { kind: 'menu click', msg: kf({ msgtype: 'text', text: { content: '查询订单', menu_id: 'order_query' } }) },
    { kind: 'image, downloaded', msg: kf({ msgtype: 'image', image: { media_id: 'i1' } }), ctx: { corpId: CORP, media } },
    { kind: 'image, downloaded with no file name', msg: kf({ msgtype: 'image', image: { media_id: 'i2' } }), ctx: { corpId: CORP, media: { ...media, name: '' } } },
    { kind: 'voice, not downloaded yet', msg: kf({ msgtype: 'voice', voice: { media_id: 'v1' } }) },
    { kind: 'video, refused by the media rules', msg: kf({ msgtype: 'video', video: { media_id: 'vid1' } }), ctx: { corpId: CORP, media: { status: 'rejected', reason: 'too-large', size: 30_000_000, limit: 10_485_760 } } },
    { kind: 'file', msg: kf({ msgtype: 'file', file: { media_id: 'f1' } }), ctx: { corpId: CORP, media: { ...media, contentType: 'application/pdf', name: 'order.pdf' } } },
    { kind: 'location', msg: kf({ msgtype: 'location', location: { latitude: 31.2, longitude: 121.5, name: '外滩', address: '上海市黄浦区' } }) },
    { kind: 'link', msg: kf({ msgtype: 'link', link: { title: '', desc: '', url: 'https://example.cn/a', pic_url: '' } }) },
    { kind: 'miniprogram', msg: kf({ msgtype: 'miniprogram', miniprogram: { title: '小程序', appid: 'wx1', pagepath: 'pages/index', thumb_media_id: 't1' } }) },
    { kind: 'msgmenu', msg: kf({ msgtype: 'msgmenu', msgmenu: { head_content: '请选择', list: [{ type: 'click', click: { id: '1', content: '满意' } }] } }) },
    { kind: 'an unknown msgtype', msg: kf({ msgtype: 'kf_new_thing', kf_new_thing: { a: 1 } }) },
    { kind: 'a servicer\'s message (origin 5)', msg: kf({ origin: 5, servicer_userid: 'zhangsan', msgtype: 'text', text: { content: '您好' } }) },
    { kind: 'a servicer\'s message without servicer_userid', msg: kf({ origin: 5, msgtype: 'text', text: { content: '您好' } }) },
    { kind: 'enter_session', msg: event({ event_type: 'enter_session', open_kfid: KF, external_userid: USER, scene: '', welcome_code: 'wc1' }) },
    { kind: 'user_recall_msg', msg: event({ event_type: 'user_recall_msg', open_kfid: KF, external_userid: USER, recall_msgid: 'msg-1' }) },
    { kind: 'servicer_recall_msg', msg: event({ event_type: 'servicer_recall_msg', open_kfid: KF, external_userid: USER, recall_msgid: 'r2', servicer_userid: 'zhangsan' }) },
    { kind: 'session_status_change', msg: event({ event_type: 'session_status_change', open_kfid: KF, external_userid: USER, change_type: 1, new_servicer_userid: 'zhangsan' }) },
    { kind: 'servicer_status_change (account-wide: no customer)', msg: event({ event_type: 'servicer_status_change', servicer_userid: 'zhangsan', open_kfid: KF, status: 2, stop_type: 1 }) },
    { kind: 'msg_send_fail', msg: event({ event_type: 'msg_send_fail', open_kfid: KF, external_userid: USER, fail_msgid: 'r_abc', fail_type: 4 }) },
    { kind: 'reject_customer_msg_switch_change', msg: event({ event_type: 'reject_customer_msg_switch_change', servicer_userid: 'zhangsan', open_kfid: KF, external_userid: USER, reject_switch: 1 }) },
    { kind: 'an unknown event of a kf account (no customer)', msg: event({ event_type: 'kf_new_event', open_kfid: KF }) },
    { kind: 'an unknown event of the corp (no account, no customer)', msg: event({ event_type: 'mystery' }) },
  ];

  it.each(rows)('$kind', ({ msg, ctx: rowCtx }) => {
    const a = toActivity(msg, rowCtx ?? ctx);
    const parsed = agentsAccept(a);
    expect(parsed.type).toBe(a.type);
    expect(parsed.channelData).toEqual(a.channelData);
    expect((parsed.channelData as WeComActivity['channelData']).kf).toEqual(msg);
    expect(parsed.timestamp).toEqual(new Date(1767225600 * 1000));
    expect(parsed.attachments ?? []).toEqual(a.attachments ?? []);
  });

  it('account-wide events are addressed from and to the kf account, corp-wide ones the corp', () => {
    expect(toActivity(event({ event_type: 'kf_new_event', open_kfid: KF }), ctx)).toMatchObject({
      from: { id: KF }, recipient: { id: KF, role: 'bot' }, conversation: { id: `${CORP}:${KF}` },
    });
    expect(toActivity(event({ event_type: 'mystery' }), ctx)).toMatchObject({ from: { id: CORP }, recipient: { id: CORP, role: 'bot' }, conversation: { id: CORP } });
  });

  it('the conversation is named by its id, and the attachment of a nameless file has no name', () => {
    const a = toActivity(kf({ msgtype: 'image', image: { media_id: 'i3' } }), { corpId: CORP, media: { ...media, name: '' } });
    expect(a.conversation.name).toBe(CONVERSATION);
    expect(a.attachments).toEqual([{ contentType: 'image/png', contentUrl: media.contentUrl }]);
  });

  it('the check is real: the Agents SDK refuses an empty conversation name, as toActivity once produced', () => {
    const a = toActivity(kf({ msgtype: 'text', text: { content: 'hi' } }), ctx);
    let refused: unknown;
    try {
      Activity.fromObject({ ...a, conversation: { ...a.conversation, name: '' } });
    } catch (e) {
      refused = e;
    }
    expect(refused).toMatchObject({ issues: [expect.objectContaining({ path: ['conversation', 'name'], code: 'too_small' })] });
  });
});

describe('activities the channel raises itself pass the Agents SDK validation', () => {
  let n = 0;
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 8));
  const stamp: ActivityStamp = { clock, newId: () => `ev-${++n}` };

  describe('handoff events (a real Handoff over a store)', () => {
    let dataDir: string;
    let store: Store;
    let sessions: SessionRepository;
    let raised: { conversationId: string; activity: object }[];
    let handoff: Handoff;

    beforeEach(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'agents-validation-'));
      store = await openStore({ dataDir, clock });
      sessions = new SessionRepository(store);
      raised = [];
      handoff = new Handoff({
        // No WeCom in these tests: asking it fails, which the handoff treats as a refusal or keeps what it knew.
        clientFor: () => { throw new Error('WeCom is not reachable in this test'); },
        sessions, logger: silentLogger, stamp,
        runLater: (conversationId, activity) => void raised.push({ conversationId, activity }),
      });
    });
    afterEach(async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('handoff.status completed, when the servicer ends the session: EventFactory\'s shape, addressed like the turn, stamped', async () => {
      await sessions.set(CONVERSATION, KfServiceState.Human, 'alice');
      const ended = toActivity(event({ event_type: 'session_status_change', open_kfid: KF, external_userid: USER, change_type: 3, old_servicer_userid: 'alice' }), ctx);
      await handoff.beforeTurn(CONVERSATION, ended.channelData.kf, ended);
      expect(raised).toHaveLength(1);
      const status = raised[0]!.activity;
      expect(status).toMatchObject({
        type: 'event', name: 'handoff.status', value: { state: 'completed' }, id: expect.stringMatching(/^ev-/), timestamp: new Date(clock.now()),
        attachments: [], entities: [], channelId: 'wecom', serviceUrl: `wecom://${CORP}`,
        conversation: { id: CONVERSATION, name: CONVERSATION }, from: { id: USER }, recipient: { id: KF },
      });
      const parsed = agentsAccept(status);
      expect(parsed.value).toEqual({ state: 'completed' });
      expect(parsed.channelData).toEqual(ended.channelData);
    });

    it('handoff.status failed, when WeCom cannot move the session', async () => {
      const turn = toActivity(kf({ msgtype: 'text', text: { content: 'human' } }), ctx);
      await handoff.initiate(turn, handoffInitiateActivity(turn, { servicerUserId: 'alice' }, undefined, stamp));
      expect(raised.map((r) => r.conversationId)).toEqual([CONVERSATION]);
      expect(agentsAccept(raised[0]!.activity).value).toEqual({ state: 'failed', message: 'WeCom is not reachable in this test' });
    });

    it('wecom.handoffMessage, a customer writing while a human holds the session', async () => {
      await sessions.set(CONVERSATION, KfServiceState.Human, 'alice');
      const msg = kf({ msgtype: 'text', text: { content: 'are you a real person?' } });
      const seen = await handoff.beforeTurn(CONVERSATION, msg, toActivity(msg, ctx));
      expect(seen).toMatchObject({ type: 'event', name: 'wecom.handoffMessage', value: { text: 'are you a real person?' } });
      expect((agentsAccept(seen).channelData as WeComActivity['channelData']).kf).toEqual(msg);
    });
  });

  it('handoff.initiate built for an Agents SDK bot: botbuilder EventFactory\'s fields, accepted', () => {
    const turn = toActivity(kf({ msgtype: 'text', text: { content: 'human' } }), ctx);
    const initiate = handoffInitiateActivity(turn, { servicerUserId: 'alice' }, [{ type: 'message', text: 'human' }], stamp);
    expect(initiate).toMatchObject({
      type: 'event', name: 'handoff.initiate', value: { servicerUserId: 'alice' }, replyToId: turn.id, channelId: 'wecom',
      relatesTo: { activityId: turn.id, conversation: { id: CONVERSATION }, channelId: 'wecom', user: { id: USER }, bot: { id: KF } },
      attachments: [{ contentType: 'application/json', name: 'Transcript', content: [{ type: 'message', text: 'human' }] }], entities: [],
    });
    expect(Activity.fromObject(initiate).value).toEqual({ servicerUserId: 'alice' });
  });

  it('a bare handoff.status has EventFactory.createHandoffStatus\'s fields, with the injected id and time', () => {
    expect(handoffStatusActivity({ id: CONVERSATION }, 'accepted', undefined, { clock, newId: () => 'fixed' })).toEqual({
      type: 'event', name: 'handoff.status', value: { state: 'accepted', message: undefined }, id: 'fixed', timestamp: new Date(clock.now()),
      conversation: { id: CONVERSATION }, attachments: [], entities: [],
    });
  });

  it('wecom.welcomeOverflow, addressed like the welcome turn', () => {
    const welcome = toActivity(event({ event_type: 'enter_session', open_kfid: KF, external_userid: USER, welcome_code: 'wc1' }), ctx);
    const turn: CoreActivity[] = [
      { type: 'message', text: 'Welcome!' },
      { type: 'message', attachments: [{ contentType: 'image/png', contentUrl: 'https://example.cn/logo.png' }] },
    ];
    const overflow = welcomeOverflowActivity(welcome, mergeWelcome(turn.map(compactContent)), stamp);
    const parsed = agentsAccept(overflow);
    expect(parsed).toMatchObject({ type: 'event', name: 'wecom.welcomeOverflow', conversation: { id: CONVERSATION }, from: { id: USER } });
    expect(parsed.value).toEqual({
      sent: { msgtype: 'text', text: { content: 'Welcome!' } },
      leftOut: [{ type: 'message', attachments: [{ contentType: 'image/png', contentUrl: 'https://example.cn/logo.png' }] }],
    });
    expect(parsed.channelData).toEqual(welcome.channelData);
  });

  it('a corp-wide event (the licence status): from and recipient are the corp', () => {
    const licence = channelEventActivity({
      name: 'wecom.licenceStatus', value: { corpId: CORP, from: 'expired', to: 'active', valid: true }, stamp,
      conversation: { id: CORP, isGroup: false, conversationType: 'corp', tenantId: CORP },
    });
    const parsed = agentsAccept(licence);
    expect(parsed).toMatchObject({
      type: 'event', name: 'wecom.licenceStatus', serviceUrl: `wecom://${CORP}`, from: { id: CORP, name: 'wecom' }, recipient: { id: CORP, name: 'wecom' },
      conversation: { id: CORP, name: CORP, conversationType: 'corp', tenantId: CORP }, channelData: { corpId: CORP },
    });
    expect(parsed.timestamp).toEqual(new Date(clock.now()));
  });

  it('an event with no conversation to go to is refused with a named, final error', () => {
    let caught: unknown;
    try {
      channelEventActivity({ name: 'wecom.somewhere', stamp });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ChannelEventError);
    expect(caught).toMatchObject({ code: 'channel_event_invalid', final: true });
  });
});
