/**
 * `from.name` is the customer's WeChat nickname, from kf/customer/batchget: looked up in batches,
 * cached in the store, and replaced by a neutral name when WeCom has none or cannot be asked.
 */
import type { TurnContext } from 'botbuilder';
import { adapterRig, type AdapterRig } from '../../support/adapterRig';
import { recorder, settle, shown } from '../../support/e2e';

/** Greets by name, as BotBuilder-Samples' welcome and suggested-actions bots do. */
const greeter = async (context: TurnContext): Promise<void> => {
  if (context.activity.type === 'message') await context.sendActivity(`Hello ${context.activity.from.name}, you said: ${context.activity.text}`);
  if (context.activity.type === 'conversationUpdate') {
    for (const member of context.activity.membersAdded ?? []) await context.sendActivity(`Welcome to the shop, ${member.name}.`);
  }
};

describe('customer names', () => {
  let rig: AdapterRig;
  afterEach(async () => rig?.close());

  const batchgets = (): number => rig.emu.calls.filter((c) => c.path === 'kf/customer/batchget').length;

  it("the customer's nickname arrives as from.name, in messages and in the welcome's membersAdded", async () => {
    const bot = recorder(greeter);
    rig = await adapterRig({ bot: bot.logic });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf, undefined, { nickname: '小明' });
    await settle(rig, customer.enterSession());
    await settle(rig, customer.sendText('你好'));
    expect(bot.seen.map((a) => a.from)).toEqual([
      expect.objectContaining({ id: customer.externalUserId, name: '小明', role: 'user' }),
      expect.objectContaining({ id: customer.externalUserId, name: '小明', role: 'user' }),
    ]);
    expect(customer.received().map(shown)).toEqual(['Welcome to the shop, 小明.', 'Hello 小明, you said: 你好']);
  });

  it('20 customers writing at once are looked up in at most 2 batchget calls, each with their own name', async () => {
    const bot = recorder();
    rig = await adapterRig({ bot: bot.logic });
    const customers = Array.from({ length: 20 }, (_, i) => rig.emu.customer(rig.corp.corpId, rig.kf, undefined, { nickname: `客户${i}` }));
    await settle(rig, ...customers.map((c) => c.sendText('在吗')));
    expect(bot.seen).toHaveLength(20);
    const nameOf = new Map(bot.seen.map((a) => [a.from!.id, a.from!.name]));
    expect(customers.map((c) => nameOf.get(c.externalUserId))).toEqual(customers.map((_, i) => `客户${i}`));
    expect(batchgets()).toBeGreaterThanOrEqual(1);
    expect(batchgets()).toBeLessThanOrEqual(2);
  });

  it('the cache in the store spares a second call, also for a restarted adapter, until the name expires', async () => {
    const bot = recorder();
    rig = await adapterRig({ bot: bot.logic });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf, undefined, { nickname: 'Lily' });
    await settle(rig, customer.sendText('one'));
    await settle(rig, customer.sendText('two'));
    expect(batchgets()).toBe(1);

    // A second instance (or a restart) on the same store reads the cached name.
    await rig.adapter.close();
    rig.adapter = rig.newAdapter();
    await settle(rig, customer.sendText('three'));
    expect(batchgets()).toBe(1);

    // A day later the name is asked for again.
    rig.clock.advance(24 * 3600_000 + 1);
    await settle(rig, customer.sendText('four'));
    expect(batchgets()).toBe(2);
    expect(bot.seen.map((a) => a.from!.name)).toEqual(['Lily', 'Lily', 'Lily', 'Lily']);
  });

  it('a failing batchget still runs the turn, with the neutral name; the name comes once WeCom answers again', async () => {
    const bot = recorder(greeter);
    rig = await adapterRig({ bot: bot.logic });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf, undefined, { nickname: '晓雪' });
    rig.emu.faults.inject({ path: 'kf/customer/batchget', times: Infinity, fault: { kind: 'errcode', errcode: 60020 } });
    await settle(rig, customer.sendText('hi'));
    expect(customer.received().map(shown)).toEqual(['Hello 微信用户, you said: hi']);

    // The failure is not cached for long: after the back-off, the next turn asks again and gets the name.
    rig.emu.faults.clear();
    rig.clock.advance(31_000);
    await settle(rig, customer.sendText('again'));
    expect(customer.received().map(shown).at(-1)).toBe('Hello 晓雪, you said: again');
  });

  it('a customer WeCom has no nickname for gets the neutral name (configurable)', async () => {
    const bot = recorder();
    rig = await adapterRig({ bot: bot.logic, adapter: { customerNameFallback: 'Customer' } });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf, undefined, { nickname: '' });
    await settle(rig, customer.sendText('hi'));
    expect(bot.seen[0]!.from!.name).toBe('Customer');
  });
});
