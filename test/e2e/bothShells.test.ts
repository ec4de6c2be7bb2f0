/**
 * The same end-to-end scenarios through both shells, against the emulator through the real client:
 * an `AgentApplication` and an Agents SDK `ActivityHandler`, unchanged, behind the Agents shell
 * (`wecom-kf-botbuilder/agents`), and a botbuilder `ActivityHandler` behind the Bot Framework
 * shell (the main entry). Text, welcome, media in and out, the reply limit, handoff, licence hold
 * and release, exactly-once sends: each bot must meet the same rules with the same result.
 */
import { Activity } from '@microsoft/agents-activity';
import * as agents from '@microsoft/agents-hosting';
import * as botbuilder from 'botbuilder';
import { StoreStorage } from '../../src/agents';
import { WeComAdapter } from '../../src/botbuilder';
import type { InboxStatus } from '../../src/adapter/inboxRepository';
import type { LicensingService } from '../../src/licensing';
import type { SimulatedCustomer } from '../../src/sandbox/emulator';
import { adapterRig, type AdapterRig, type AgentsAdapterRig, receivedTexts } from '../support/adapterRig';
import { eventually, realMedia, settle } from '../support/e2e';

const MB = 1024 * 1024;
const DAY = 24 * 3600_000;

/** What the bot saw and what its sends met, whichever framework and style it is written in. */
interface Log {
  /** Every activity's type (and name, for events), in order. */
  seen: string[];
  /** Event values by name. */
  events: Record<string, unknown[]>;
  /** The content types of the attachments customers sent. */
  attachments: string[];
  /** Errors the bot's sends were refused with. */
  refusals: unknown[];
  /** Turns of the 'crash' message. */
  attempts: number;
}

/** What the bots' shared answer needs of a turn, in either framework. */
interface Turn {
  readonly activity: { readonly type?: string; readonly name?: string; readonly value?: unknown; readonly text?: string; readonly attachments?: readonly { readonly contentType: string }[] };
  /** Sends text, or an activity given as a plain object (each framework builds its own from it). */
  send(activity: string | Record<string, unknown>): Promise<unknown>;
}

const agentsTurn = (context: agents.TurnContext): Turn => ({
  activity: context.activity,
  send: (a) => context.sendActivity(typeof a === 'string' ? a : Activity.fromObject(a)),
});

const botbuilderTurn = (context: botbuilder.TurnContext): Turn => ({
  activity: context.activity,
  send: (a) => context.sendActivity(a as string | Partial<botbuilder.Activity>),
});

/**
 * The bot's answer to a customer's message, the same for every style (`count` is the
 * conversation's message count, kept in the bot's conversation state).
 */
async function answer(turn: Turn, count: number, log: Log): Promise<void> {
  const text = turn.activity.text ?? '';
  const attachments = turn.activity.attachments ?? [];
  if (attachments.length > 0) {
    log.attachments.push(...attachments.map((a) => a.contentType));
    await turn.send(`Got your ${attachments[0]!.contentType}`);
    return;
  }
  switch (text) {
    case 'human':
      await turn.send('Connecting you to a colleague…');
      await turn.send({ type: 'event', name: 'handoff.initiate', value: { servicerUserId: 'alice' } });
      return;
    case 'six replies':
      for (let i = 1; i <= 6; i++) await turn.send(`reply ${i}`).catch((e: unknown) => void log.refusals.push(e));
      return;
    case 'big picture': {
      const huge = Buffer.concat([realMedia.png, Buffer.alloc(3 * MB, 1)]);
      await turn.send({
        type: 'message', attachments: [{ contentType: 'image/png', name: 'huge.png', contentUrl: `data:image/png;base64,${huge.toString('base64')}` }],
      }).catch((e: unknown) => void log.refusals.push(e));
      return;
    }
    case 'crash':
      log.attempts++;
      await turn.send('reply 1');
      if (log.attempts === 1) throw new Error('the bot crashed half-way');
      await turn.send('reply 2');
      return;
    default:
      await turn.send(`You said: ${text} (#${count})`);
  }
}

function record(turn: Turn, log: Log): void {
  const { type, name, value } = turn.activity;
  log.seen.push(name ? `${type}:${name}` : String(type));
  if (type === 'event' && name) (log.events[name] ??= []).push(value);
}

/** A rig with the bot running, and what the scenarios ask of either shell's adapter. */
interface Running {
  readonly rig: AdapterRig | AgentsAdapterRig;
  licensing(): Promise<LicensingService>;
  inboxCounts(): Promise<Record<Exclude<InboxStatus, 'done'>, number>>;
}

/** An `AgentApplication` as its docs write one: routes, turn state (kept in the channel's store), the adapter passed in. */
async function agentApplication(log: Log): Promise<Running> {
  const rig = await adapterRig({ shell: 'agents' });
  const app = new agents.AgentApplication<agents.TurnState>({ adapter: rig.adapter.forAgentApplication(), storage: new StoreStorage(rig.store) });
  app.onTurn('beforeTurn', async (context) => {
    record(agentsTurn(context), log);
    return true;
  });
  app.onConversationUpdate('membersAdded', async (context) => {
    await context.sendActivity('Welcome! Ask me anything.');
  });
  app.onActivity('message', async (context, state) => {
    const count = ((state.getValue('conversation.count') as number | undefined) ?? 0) + 1;
    state.setValue('conversation.count', count);
    await answer(agentsTurn(context), count, log);
  });
  // handoff.status, wecom.* events: an AgentApplication routes them with onActivity('event').
  app.onActivity('event', async () => undefined);
  // Agents SDK 1.8: turn state is saved only when an afterTurn handler is registered.
  app.onTurn('afterTurn', async () => true);
  rig.setBot((context) => app.run(context));
  return { rig, licensing: () => rig.adapter.licensing(), inboxCounts: () => rig.adapter.inboxCounts() };
}

/** An Agents SDK `ActivityHandler` with `ConversationState`, as bots ported from botbuilder look. */
async function agentsActivityHandler(log: Log): Promise<Running> {
  const rig = await adapterRig({ shell: 'agents' });
  const conversationState = new agents.ConversationState(new agents.MemoryStorage());
  const counter = conversationState.createProperty<number>('count');
  const bot = new agents.ActivityHandler();
  bot.onTurn(async (context, next) => {
    record(agentsTurn(context), log);
    await next();
  });
  bot.onMembersAdded(async (context, next) => {
    await context.sendActivity('Welcome! Ask me anything.');
    await next();
  });
  bot.onMessage(async (context, next) => {
    const count = (await counter.get(context, 0)) + 1;
    await counter.set(context, count);
    await answer(agentsTurn(context), count, log);
    await next();
  });
  // The Agents SDK's ActivityHandler has no onEvent: events reach onUnrecognizedActivityType.
  bot.onUnrecognizedActivityType(async (_context, next) => next());
  rig.setBot(async (context) => {
    await bot.run(context);
    await conversationState.saveChanges(context, false);
  });
  return { rig, licensing: () => rig.adapter.licensing(), inboxCounts: () => rig.adapter.inboxCounts() };
}

/** A botbuilder `ActivityHandler` with `ConversationState` behind the Bot Framework shell (the main entry's `WeComAdapter`). */
async function botbuilderActivityHandler(log: Log): Promise<Running> {
  const rig = await adapterRig({ adapterClass: WeComAdapter });
  const adapter = rig.adapter as WeComAdapter;
  const conversationState = new botbuilder.ConversationState(new botbuilder.MemoryStorage());
  const counter = conversationState.createProperty<number>('count');
  const bot = new botbuilder.ActivityHandler();
  bot.onTurn(async (context, next) => {
    record(botbuilderTurn(context), log);
    await next();
  });
  bot.onMembersAdded(async (context, next) => {
    await context.sendActivity('Welcome! Ask me anything.');
    await next();
  });
  bot.onMessage(async (context, next) => {
    const count = (await counter.get(context, 0)) + 1;
    await counter.set(context, count);
    await answer(botbuilderTurn(context), count, log);
    await next();
  });
  rig.setBot(async (context) => {
    await bot.run(context);
    await conversationState.saveChanges(context, false);
  });
  return { rig, licensing: () => adapter.licensing(), inboxCounts: () => adapter.inboxCounts() };
}

describe.each([
  ['an Agents SDK AgentApplication', agentApplication],
  ['an Agents SDK ActivityHandler', agentsActivityHandler],
  ['a botbuilder ActivityHandler', botbuilderActivityHandler],
])('%s over WeChat', (_style, run) => {
  let rig: AdapterRig | AgentsAdapterRig;
  let bot: Running;
  let log: Log;
  let customer: SimulatedCustomer;

  async function start(): Promise<void> {
    log = { seen: [], events: {}, attachments: [], refusals: [], attempts: 0 };
    bot = await run(log);
    rig = bot.rig;
    rig.emu.addServicer(rig.corp.corpId, { userid: 'alice' });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);
  }

  const texts = (): string[] => receivedTexts(rig, customer.externalUserId);
  const sendMsgCalls = (): unknown[] => rig.emu.calls.filter((c) => c.path === 'kf/send_msg');

  afterEach(async () => rig?.close());

  it('answers text, keeping its conversation state from turn to turn', async () => {
    await start();
    await settle(rig, customer.sendText('hello'));
    await settle(rig, customer.sendText('again'));
    expect(texts()).toEqual(['You said: hello (#1)', 'You said: again (#2)']);
    expect(log.seen).toEqual(['message', 'message']);
  });

  it('welcomes a customer who enters the chat with one welcome message', async () => {
    await start();
    await settle(rig, customer.enterSession());
    const received = customer.received();
    expect(received.map((m) => m.via)).toEqual(['send_msg_on_event']);
    expect(texts()).toEqual(['Welcome! Ask me anything.']);
    expect(log.seen).toEqual(['conversationUpdate']);
  });

  it('sees the image a customer sends, and has an oversized image of its own refused by the media rules before upload', async () => {
    await start();
    await settle(rig, customer.sendImage(realMedia.png, 'cat.png'));
    expect(log.attachments).toEqual(['image/png']);
    expect(texts()).toEqual(['Got your image/png']);

    await settle(rig, customer.sendText('big picture'));
    expect(log.refusals).toEqual([expect.objectContaining({ name: 'MediaRejectedError', code: 'media_rejected', direction: 'outbound', reason: 'too-large' })]);
    expect(rig.emu.calls.filter((c) => c.path === 'media/upload')).toEqual([]);
    expect(texts()).toEqual(['Got your image/png']);
  });

  it('has the 6th reply to one message refused by the conversation window, and nothing of it sent', async () => {
    await start();
    await settle(rig, customer.sendText('six replies'));
    expect(texts()).toEqual(['reply 1', 'reply 2', 'reply 3', 'reply 4', 'reply 5']);
    expect(log.refusals).toEqual([expect.objectContaining({ name: 'ConversationLockedError', code: 'conversation_locked', reason: 'reply-limit' })]);
    expect(sendMsgCalls()).toHaveLength(5);
    expect(rig.emu.calls.filter((c) => c.errcode === 95001 || c.errcode === 95002)).toEqual([]);
  });

  it('hands off with handoff.initiate: the servicer takes the chat, and the bot hears handoff.status accepted, then completed', async () => {
    await start();
    await settle(rig, customer.sendText('human'));
    expect(rig.emu.sessionState(rig.corp.corpId, rig.kf, customer.externalUserId)).toEqual({ service_state: 3, servicer_userid: 'alice' });
    expect(log.events['handoff.status']).toEqual([{ state: 'accepted' }]);

    await settle(rig, customer.sendText('are you a real person?'));
    expect(log.events['wecom.handoffMessage']).toEqual([expect.objectContaining({ text: 'are you a real person?' })]);

    await settle(rig, rig.emu.servicer(rig.corp.corpId, 'alice').endSession(rig.kf, customer.externalUserId));
    expect(log.events['handoff.status']).toEqual([{ state: 'accepted' }, { state: 'completed' }]);

    await settle(rig, customer.sendText('thanks'));
    expect(texts()).toEqual(['Connecting you to a colleague…', 'You said: thanks (#2)']);
  });

  it('holds messages while the licence has expired, and delivers them in order once credits renew it', async () => {
    await start();
    await settle(rig, customer.sendText('in trial'));
    rig.clock.advance(91 * DAY);
    const licensing = await bot.licensing();
    await licensing.runDueJobs();
    await settle(rig, customer.sendText('held 1'), customer.sendText('held 2'));
    expect(texts()).toEqual(['You said: in trial (#1)']);
    expect(await bot.inboxCounts()).toMatchObject({ held: 2 });

    await licensing.purchase(rig.corp.corpId, 4);
    await eventually(async () => {
      await rig.adapter.idle();
      expect(texts()).toEqual(['You said: in trial (#1)', 'You said: held 1 (#2)', 'You said: held 2 (#3)']);
    }, 20_000);
    expect(await bot.inboxCounts()).toMatchObject({ held: 0 });
    // The corp-wide licence events reached the bot too (addressed from and to the corp).
    await eventually(() => expect(log.events['wecom.licenceStatus']).toEqual([
      expect.objectContaining({ valid: false }), expect.objectContaining({ valid: true }),
    ]), 20_000);
  });

  it('retries a turn that crashed after its first send: the customer gets each reply once', async () => {
    await start();
    await settle(rig, customer.sendText('crash'));
    expect(log.attempts).toBe(2);
    expect(texts()).toEqual(['reply 1', 'reply 2']);
    expect(sendMsgCalls()).toHaveLength(2);
  });
});
