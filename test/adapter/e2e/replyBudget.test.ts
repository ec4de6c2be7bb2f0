/**
 * What does not fit WeChat's limits is reported, never lost: a welcome longer than one message,
 * a welcome turn retried after its message went out, and an activity bigger than the replies left.
 */
import type { Activity, TurnContext } from 'botbuilder';
import { WELCOME_OVERFLOW_EVENT } from '../../../src/adapter';
import type { SimulatedCustomer } from '../../../src/sandbox/emulator';
import { WeComAdapter } from '../../../src/botbuilder';
import { adapterRig, type AdapterRig } from '../../support/adapterRig';
import { settle, shown } from '../../support/e2e';

const refusals = (rig: AdapterRig): unknown[] => rig.emu.calls.filter((c) => c.path.startsWith('kf/send_msg') && c.errcode !== 0);
const paragraph = (n: number, word: string): string => Array.from({ length: n }, () => word).join(' ');

describe('within one welcome message and five replies', () => {
  let rig: AdapterRig;
  let customer: SimulatedCustomer;
  afterEach(async () => rig?.close());

  it('a 3000-byte welcome: 2048 bytes arrive with the welcome code, the bot is told the rest and sends it once the customer writes', async () => {
    const welcome = `${paragraph(400, 'welcome')} END`; // 3203 bytes
    let later: Partial<Activity>[] = [];
    rig = await adapterRig({
      adapterClass: WeComAdapter,
      bot: async (ctx: TurnContext) => {
        if (ctx.activity.type === 'conversationUpdate') await ctx.sendActivity(welcome);
        if (ctx.activity.type === 'event' && ctx.activity.name === WELCOME_OVERFLOW_EVENT) later = (ctx.activity.value as { leftOut: Partial<Activity>[] }).leftOut;
        if (ctx.activity.type === 'message') {
          await ctx.sendActivities(later.splice(0));
          await ctx.sendActivity(`You said: ${ctx.activity.text}`);
        }
      },
    });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.enterSession());
    const first = customer.received();
    expect(first.map((m) => m.via)).toEqual(['send_msg_on_event']);
    expect(Buffer.byteLength(shown(first[0]!))).toBeLessThanOrEqual(2048);
    expect(later).toHaveLength(1);

    await settle(rig, customer.sendText('hi'));
    const texts = customer.received().map(shown);
    expect(texts).toHaveLength(3);
    expect(`${texts[0]} ${texts[1]}`).toBe(welcome);
    expect(texts[2]).toBe('You said: hi');
    expect(refusals(rig)).toEqual([]);
  });

  it('a welcome turn retried after its message went out does not send it again', async () => {
    let runs = 0;
    let failOnce = true;
    rig = await adapterRig({
      adapterClass: WeComAdapter,
      bot: async (ctx: TurnContext) => {
        if (ctx.activity.type !== 'conversationUpdate') return;
        runs++;
        await ctx.sendActivity('Welcome!');
        await ctx.sendActivity('Ask me anything.');
      },
    });
    // Fails the first welcome turn after the bot (and its welcome) finished: a state store hiccup, say.
    rig.adapter.use({
      onTurn: async (ctx, next) => {
        await next();
        if (ctx.activity.type === 'conversationUpdate' && failOnce) {
          failOnce = false;
          throw new Error('state store hiccup');
        }
      },
    });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.enterSession());
    expect(runs).toBe(2);
    expect(customer.received().map(shown)).toEqual(['Welcome!\n\nAsk me anything.']);
    expect(rig.emu.calls.filter((c) => c.path === 'kf/send_msg_on_event')).toHaveLength(1);
  });

  it('an activity needing more messages than the replies left, even compactly: 5 go out, the bot\'s send rejects with ReplyTooLargeError', async () => {
    const outcomes: unknown[] = [];
    rig = await adapterRig({
      adapterClass: WeComAdapter,
      bot: async (ctx: TurnContext) => {
        if (ctx.activity.type !== 'message') return;
        try {
          await ctx.sendActivity(Array.from({ length: 7 }, (_, i) => `${paragraph(400, 'word')} ${i}`).join('\n')); // 7 messages of ~2 KB
        } catch (e) {
          outcomes.push(e);
        }
      },
    });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('tell me everything'));
    expect(customer.received()).toHaveLength(5);
    expect(outcomes).toEqual([expect.objectContaining({ name: 'ReplyTooLargeError', code: 'reply_too_large', final: true, sent: 5 })]);
    expect((outcomes[0] as { unsent: unknown[] }).unsent).toHaveLength(2);
    expect(refusals(rig)).toEqual([]);
  });
});
