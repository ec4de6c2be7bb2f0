import { ActivityTypes, type Activity, type ConversationReference, type TurnContext } from 'botbuilder';
import { ManualClock } from '../../src/common/clock';
import { getConversationWindow } from '../../src/middleware/getConversationWindow';
import { defaultMiddleware } from '../../src/middleware/defaultMiddleware';
import type { Store } from '../../src/store';
import { FakeWeCom } from './fakeWeCom';
import { SendLoopTestAdapter, type SendTransport } from './testAdapter';
import { openTestStore } from './windowStore';

const t0 = Date.UTC(2026, 0, 1, 8, 0, 0);
const hour = 3600_000;
const conv = 'ww1:wk1:wm1';
const customer = { id: 'wm1', name: 'customer' };
const kfAccount = { id: 'wk1', name: 'kf' };
const reference: Partial<ConversationReference> = {
  channelId: 'wecom', serviceUrl: 'https://qyapi.weixin.qq.com', conversation: { id: conv, name: conv, isGroup: false, conversationType: 'personal' }, bot: kfAccount, user: customer,
};

/** An activity as the adapter delivers a customer's kf message. */
function customerActivity(kf: ReturnType<FakeWeCom['customerWrites']>): Partial<Activity> {
  return {
    ...reference, type: ActivityTypes.Message, id: kf.msgid, text: kf.text.content, from: customer, recipient: kfAccount,
    channelData: { corpId: 'ww1', openKfId: 'wk1', externalUserId: 'wm1', origin: 3, kf },
  };
}

/** Sends `n` replies one after another; what each call did. */
async function replies(context: TurnContext, n: number): Promise<('sent' | string)[]> {
  const results: string[] = [];
  for (let i = 0; i < n; i++) {
    try {
      await context.sendActivity(`reply ${i + 1}`);
      results.push('sent');
    } catch (e) {
      results.push((e as { reason?: string }).reason ?? String(e));
    }
  }
  return results;
}

describe('WindowMiddleware through a botbuilder turn', () => {
  let clock: ManualClock;
  let store: Store;
  let wecom: FakeWeCom;
  const adapterOn = (s: Store, transport: SendTransport = (send) => wecom.send(send)) => {
    const adapter = new SendLoopTestAdapter(transport);
    for (const m of defaultMiddleware(s, clock)) adapter.use(m);
    return adapter;
  };

  beforeEach(async () => {
    clock = new ManualClock(t0);
    store = await openTestStore(clock);
    wecom = new FakeWeCom(clock);
  });
  afterEach(async () => {
    expect(wecom.refusals()).toEqual([]); // WeCom never had to refuse: the middleware refused first
    await store.close();
  });

  it('5 replies go out, the 6th rejects with conversation_locked / reply-limit and is not sent', async () => {
    const adapter = adapterOn(store);
    let sixth: Promise<unknown> = Promise.resolve();
    await adapter.processActivity(customerActivity(wecom.customerWrites(conv)), async (context) => {
      for (let i = 0; i < 5; i++) await context.sendActivity(`reply ${i + 1}`);
      sixth = context.sendActivity('one too many');
      await sixth.catch(() => undefined);
    });
    await expect(sixth).rejects.toMatchObject({
      name: 'ConversationLockedError', code: 'conversation_locked', reason: 'reply-limit', lockedAt: t0, resumesWhen: 'customer-writes', conversationId: conv,
    });
    expect(wecom.delivered()).toHaveLength(5);
  });

  it('replies at 47:59, refuses at 48:00 with window-expired, and opens again when the customer writes', async () => {
    const adapter = adapterOn(store);
    await adapter.processActivity(customerActivity(wecom.customerWrites(conv)), async () => undefined);
    clock.advance(47 * hour + 59 * 60_000);
    await adapter.continueConversation(reference, async (context) => {
      await context.sendActivity('still here at 47:59');
    });
    clock.advance(60_000);
    await expect(adapter.continueConversation(reference, async (context) => {
      await context.sendActivity('too late');
    })).rejects.toMatchObject({ code: 'conversation_locked', reason: 'window-expired', lockedAt: t0 + 48 * hour });

    let results: string[] = [];
    await adapter.processActivity(customerActivity(wecom.customerWrites(conv, 'back again')), async (context) => {
      results = await replies(context, 6);
    });
    expect(results).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'reply-limit']);
    expect(wecom.delivered()).toHaveLength(6);
  });

  it('refuses a proactive message to a customer who never wrote', async () => {
    const adapter = adapterOn(store);
    await expect(adapter.continueConversation(reference, async (context) => {
      await context.sendActivity('Big sale today!');
    })).rejects.toMatchObject({ code: 'conversation_locked', reason: 'never-initiated', lockedAt: undefined });
    expect(wecom.log).toEqual([]);
  });

  it('a welcome answered with send_msg_on_event spends nothing and is not refused', async () => {
    const adapter = adapterOn(store);
    await adapter.continueConversation(reference, async (context) => {
      await context.sendActivity({ type: ActivityTypes.Message, text: 'Welcome!', channelData: { via: 'send_msg_on_event' } });
    });
    await adapter.processActivity(customerActivity(wecom.customerWrites(conv)), async (context) => {
      await context.sendActivity({ type: ActivityTypes.Message, text: 'Welcome!', channelData: { via: 'send_msg_on_event' } });
    });
    await expect(getConversationWindow(store, conv)).resolves.toMatchObject({ open: true, repliesLeft: 5 });
  });

  it('a late older customer message does not reopen a locked window', async () => {
    const adapter = adapterOn(store);
    const older = wecom.customerWrites(conv, 'first');
    clock.advance(60_000);
    const newer = wecom.customerWrites(conv, 'second');
    await adapter.processActivity(customerActivity(newer), (context) => replies(context, 5).then(() => undefined));
    let results: string[] = [];
    await adapter.processActivity(customerActivity(older), async (context) => {
      results = await replies(context, 1);
    });
    expect(results).toEqual(['reply-limit']);
  });

  it('gives the slot back when the send certainly did not happen, keeps it when it may have', async () => {
    const outcomes = ['not_sent', 'unknown'] as const;
    let call = 0;
    const adapter = adapterOn(store, (send) => {
      const status = outcomes[call++];
      if (status === 'not_sent') return { status, error: new Error('WeCom busy'), errcode: -1 };
      if (status === 'unknown') return { status, error: new Error('socket hang up') };
      return wecom.send(send);
    });
    await adapter.processActivity(customerActivity(wecom.customerWrites(conv)), async (context) => {
      await expect(context.sendActivity('a')).rejects.toThrow('WeCom busy');
      await expect(getConversationWindow(store, conv)).resolves.toMatchObject({ repliesLeft: 5 });
      await expect(context.sendActivity('b')).rejects.toThrow('socket hang up');
      await expect(getConversationWindow(store, conv)).resolves.toMatchObject({ repliesLeft: 4 });
    });
  });

  it('locks the window when WeCom answers 95001 although our count had room', async () => {
    let refuse = true;
    const adapter = adapterOn(store, (send) => {
      if (!refuse) return wecom.send(send);
      refuse = false;
      return { status: 'not_sent', error: new Error('95001'), errcode: 95001 };
    });
    await adapter.processActivity(customerActivity(wecom.customerWrites(conv)), async (context) => {
      await expect(context.sendActivity('a')).rejects.toThrow('95001');
      await expect(context.sendActivity('b')).rejects.toMatchObject({ code: 'conversation_locked', reason: 'reply-limit' });
    });
    await adapter.processActivity(customerActivity(wecom.customerWrites(conv)), async (context) => {
      await context.sendActivity('open again');
    });
  });

  it('one activity that becomes several kf messages spends one slot per kf message', async () => {
    const adapter = adapterOn(store);
    const png = `data:image/png;base64,${Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000049444154ae4260820000000049454e44ae426082', 'hex').toString('base64')}`;
    await adapter.processActivity(customerActivity(wecom.customerWrites(conv)), async (context) => {
      await context.sendActivity({ type: ActivityTypes.Message, text: 'here is the chart', attachments: [{ contentType: 'image/png', contentUrl: png, name: 'chart.png' }] });
    });
    await expect(getConversationWindow(store, conv)).resolves.toMatchObject({ repliesLeft: 3 });
  });

  it('two adapter instances on one store, 20 replies fired at once: exactly 5 reach WeCom', async () => {
    const instanceA = adapterOn(store);
    const instanceB = adapterOn(store);
    await instanceA.processActivity(customerActivity(wecom.customerWrites(conv)), async () => undefined);
    const attempts = Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? instanceA : instanceB).continueConversation(reference, async (context) => {
        await context.sendActivity(`reply ${i}`);
      }),
    );
    const settled = await Promise.allSettled(attempts);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(5);
    expect(settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason)).toEqual(
      Array.from({ length: 15 }, () => expect.objectContaining({ code: 'conversation_locked', reason: 'reply-limit' })),
    );
    expect(wecom.delivered()).toHaveLength(5);
  });
});
