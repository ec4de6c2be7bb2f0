/**
 * What the Agents shell adds to the channel for the Agents SDK: it is accepted as an
 * `AgentApplication`'s adapter without Azure settings (or drives one that keeps its own
 * CloudAdapter), errors reach the inbox's retry unless the bot handles them while final refusals end
 * the turn for good, proactive turns run on the SDK's continuation event under the same rules, and
 * what WeCom kf cannot do is refused with a typed error. Against the emulator through the real client.
 */
import { Activity, type ConversationReference } from '@microsoft/agents-activity';
import { AgentApplication, MemoryStorage, type TurnContext, type TurnState } from '@microsoft/agents-hosting';
import { handoffInitiateActivity, type InboundCoreActivity } from '../../src/core';
import type { SimulatedCustomer } from '../../src/sandbox/emulator';
import { adapterRig, type AgentsAdapterRig, receivedTexts } from '../support/adapterRig';
import { settle } from '../support/e2e';

describe('the Agents SDK shell', () => {
  let rig: AgentsAdapterRig;
  let customer: SimulatedCustomer;
  afterEach(async () => rig?.close());

  async function start(): Promise<void> {
    rig = await adapterRig({ shell: 'agents' });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);
  }

  it('is taken as an AgentApplication\'s adapter with no Azure settings, even in production', async () => {
    await start();
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      // What the SDK does without our adapter: builds a CloudAdapter, which wants an Azure client id.
      expect(() => new AgentApplication({})).toThrow(/ClientId required in production/);
      const app = new AgentApplication({ adapter: rig.adapter.forAgentApplication(), agentName: 'support-bot' });
      expect(app.adapter).toBe(rig.adapter);
      expect(rig.adapter.agentName).toBe('support-bot');
    } finally {
      if (before === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = before;
    }
  });

  it('leaves a failed turn to the bot\'s own onError when it sets one: the customer gets its apology once, no retry', async () => {
    await start();
    let attempts = 0;
    const handled: string[] = [];
    const app = new AgentApplication<TurnState>({ adapter: rig.adapter.forAgentApplication() });
    app.onActivity('message', async () => {
      attempts++;
      throw new Error('the order service is down');
    });
    app.onError(async (context, error) => {
      handled.push(error.message);
      await context.sendActivity('Sorry, something went wrong on our side.');
    });
    rig.setBot((context) => app.run(context));
    await settle(rig, customer.sendText('where is my order?'));
    expect(attempts).toBe(1);
    expect(handled).toEqual(['the order service is down']);
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['Sorry, something went wrong on our side.']);
  });

  it('ends a turn for good when the bot lets a final refusal through: kept as refused, not retried', async () => {
    await start();
    let attempts = 0;
    const app = new AgentApplication<TurnState>({ adapter: rig.adapter.forAgentApplication() });
    app.onActivity('message', async (context) => {
      attempts++;
      for (let i = 1; i <= 6; i++) await context.sendActivity(`reply ${i}`); // the 6th is refused by the window
    });
    rig.setBot((context) => app.run(context));
    await settle(rig, customer.sendText('everything, please'));
    expect(attempts).toBe(1);
    expect(receivedTexts(rig, customer.externalUserId)).toHaveLength(5);
    expect(await rig.adapter.inboxCounts()).toMatchObject({ refused: 1, failed: 0, pending: 0 });
  });

  it('keeps a message as refused when the bot sends what the Agents SDK\'s validation refuses: the reply before it went out once, no retry', async () => {
    await start();
    let attempts = 0;
    const app = new AgentApplication<TurnState>({ adapter: rig.adapter.forAgentApplication() });
    app.onActivity('message', async (context) => {
      attempts++;
      await context.sendActivity('Pick one:');
      // A card action with an empty title: the SDK refuses it in sendActivity, before the adapter sees it.
      await context.sendActivity(Activity.fromObject({ type: 'message', text: 'menu', suggestedActions: { to: [], actions: [{ type: 'imBack', title: 'ok', value: 'ok' }] } }));
      const invalid = { type: 'message', suggestedActions: { to: [], actions: [{ type: 'imBack', title: '', value: 'a' }] } };
      await context.sendActivity(invalid as unknown as Activity);
    });
    rig.setBot((context) => app.run(context));
    await settle(rig, customer.sendText('menu please'));
    expect(attempts).toBe(1);
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['Pick one:', expect.stringContaining('menu')]);
    expect(await rig.adapter.inboxCounts()).toMatchObject({ refused: 1, failed: 0, pending: 0 });
  });

  it('also runs an AgentApplication that keeps its own CloudAdapter (for Azure channels), given as process() logic', async () => {
    await start();
    const app = new AgentApplication<TurnState>({ storage: new MemoryStorage() });
    app.onActivity('message', async (context, state) => {
      const count = (state.getValue<number | undefined>('conversation.count') ?? 0) + 1;
      state.setValue('conversation.count', count);
      await context.sendActivity(`You said: ${context.activity.text} (#${count})`);
    });
    app.onTurn('afterTurn', async () => true);
    rig.setBot((context) => app.run(context));
    await settle(rig, customer.sendText('one'));
    await settle(rig, customer.sendText('two'));
    expect(app.adapter).not.toBe(rig.adapter);
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: one (#1)', 'You said: two (#2)']);
  });

  it('sends proactively through the app or the adapter, on the SDK\'s continuation event, within the reply window', async () => {
    await start();
    let reference: ConversationReference | undefined;
    const app = new AgentApplication<TurnState>({ adapter: rig.adapter.forAgentApplication() });
    app.onActivity('message', async (context) => void (reference = context.activity.getConversationReference()));
    rig.setBot((context) => app.run(context));
    await settle(rig, customer.sendText('tell me when it ships'));

    await app.sendProactiveActivity('', reference!, 'Your order shipped');
    const seen: string[] = [];
    await rig.adapter.continueConversation('', { conversation: reference!.conversation }, async (context) => {
      seen.push(`${context.activity.type}:${context.activity.name}`);
      await context.sendActivity('It arrives tomorrow');
    });
    expect(seen).toEqual(['event:ContinueConversation']);
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['Your order shipped', 'It arrives tomorrow']);
  });

  it('refuses a proactive message to a customer who never wrote, before WeCom sees it', async () => {
    await start();
    const conversation = { id: `${rig.corp.corpId}:${rig.kf}:wm_never_wrote` };
    await expect(rig.adapter.continueConversation('', { conversation } as Partial<ConversationReference>, async (context) => {
      await context.sendActivity('promo');
    })).rejects.toMatchObject({ code: 'conversation_locked', reason: 'never-initiated' });
    expect(rig.emu.calls.filter((c) => c.path === 'kf/send_msg')).toEqual([]);
  });

  it('hands off on the SDK\'s own word too: an activity of type handoff, built with handoffInitiateActivity', async () => {
    await start();
    const statuses: unknown[] = [];
    rig.emu.addServicer(rig.corp.corpId, { userid: 'alice' });
    rig.setBot(async (context: TurnContext) => {
      if (context.activity.type === 'message') {
        await context.sendActivity(Activity.fromObject({ ...handoffInitiateActivity(context.activity, { servicerUserId: 'alice' }), type: 'handoff' }));
      } else if (context.activity.name === 'handoff.status') {
        statuses.push(context.activity.value);
      }
    });
    await settle(rig, customer.sendText('a person, please'));
    expect(rig.emu.sessionState(rig.corp.corpId, rig.kf, customer.externalUserId)).toEqual({ service_state: 3, servicer_userid: 'alice' });
    expect(statuses).toEqual([{ state: 'accepted' }]);
  });

  it('refuses what WeCom kf cannot do with a final, typed error', async () => {
    await start();
    let context: TurnContext | undefined;
    const outcomes: unknown[] = [];
    rig.setBot(async (ctx) => {
      context = ctx;
      for (const attempt of [
        () => ctx.updateActivity(Activity.fromObject({ type: 'message', id: 'x', text: 'edited' })),
        () => ctx.deleteActivity('x'),
        () => rig.adapter.uploadAttachment(),
        () => rig.adapter.getAttachmentInfo(),
        () => rig.adapter.getAttachment(),
      ]) await attempt().then(() => outcomes.push('done'), (e: unknown) => outcomes.push(e));
    });
    await settle(rig, customer.sendText('hi'));
    expect(context).toBeDefined();
    expect(outcomes).toHaveLength(5);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ code: 'operation_not_supported', final: true });
  });

  it('fails for good on an activity the SDK refuses, so the inbox parks it instead of retrying', async () => {
    await start();
    let turns = 0;
    rig.setBot(async () => void turns++);
    await settle(rig, customer.sendText('hi'));
    const refused: InboundCoreActivity = {
      type: 'message', id: 'm-bad', channelId: 'wecom', serviceUrl: 'wecom://x', timestamp: new Date(),
      from: { id: 'wm1', name: '' }, recipient: { id: 'wk1', name: '' },
      conversation: { id: '', isGroup: false, conversationType: 'personal' }, channelData: {},
    };
    await expect(rig.adapter.runTurn(refused, () => undefined)).rejects.toMatchObject({
      code: 'agents_activity_refused', final: true, issues: [expect.stringMatching(/^conversation\.id: /)],
    });
    expect(turns).toBe(1);
  });
});
