/**
 * Many customers at once, in order per customer; and the first start of an account, which must
 * not answer days-old history.
 */
import { adapterRig, type AdapterRig, receivedTexts } from '../../support/adapterRig';
import { settle } from '../../support/e2e';

describe('order and history', () => {
  let rig: AdapterRig;
  afterEach(async () => rig?.close());

  it('100 customers × 10 messages: every message answered once, each customer’s replies in order', async () => {
    const inFlight = new Map<string, number>();
    let overlapped = false;
    rig = await adapterRig({
      // 500 callbacks at once on a 2-core machine: give each WeCom's real 5 s to be answered (the rig's
      // default is a tighter 2 s), so the test measures order and exactly-once, not the machine's speed.
      switches: { callbackTimeoutMs: 5000 },
      bot: async (ctx) => {
        if (ctx.activity.type !== 'message') return;
        const who = ctx.activity.conversation.id;
        inFlight.set(who, (inFlight.get(who) ?? 0) + 1);
        if (inFlight.get(who)! > 1) overlapped = true; // one customer's turns must never overlap
        await ctx.sendActivity(`re: ${ctx.activity.text}`);
        inFlight.set(who, inFlight.get(who)! - 1);
      },
    });
    const customers = Array.from({ length: 100 }, () => rig.emu.customer(rig.corp.corpId, rig.kf));
    // WeCom allows 5 replies per customer message, counted from the latest one, so a customer's 10
    // messages come as two bursts of 5 (each burst published before any answer can go out).
    for (const burst of [0, 5]) {
      const published = [];
      for (let i = burst; i < burst + 5; i++) for (const [c, customer] of customers.entries()) published.push(customer.sendText(`c${c} m${i}`));
      const reports = await settle(rig, ...published);
      expect(reports.every((r) => r.delivered)).toBe(true);
    }

    for (const [c, customer] of customers.entries()) {
      expect(receivedTexts(rig, customer.externalUserId)).toEqual(Array.from({ length: 10 }, (_, i) => `re: c${c} m${i}`));
    }
    expect(rig.emu.received(rig.corp.corpId)).toHaveLength(1000);
    expect(overlapped).toBe(false);
  });

  it('the first start skips messages older than the backfill window and answers the newer ones', async () => {
    rig = await adapterRig({ adapter: { backfillMs: 30 * 60_000 } });
    const { corpId } = rig.corp;
    rig.emu.setCallbackUrl(corpId, undefined); // the app is not deployed yet: nobody hears these
    const early = rig.emu.customer(corpId, rig.kf);
    const late = rig.emu.customer(corpId, rig.kf);
    await early.sendText('anyone there? (yesterday)');
    rig.clock.advance(20 * 3600_000);
    await early.sendText('hello again (2 h ago)');
    rig.clock.advance(2 * 3600_000);
    await late.sendText('hi (10 min ago)');
    rig.clock.advance(10 * 60_000);

    rig.emu.setCallbackUrl(corpId, rig.callbackUrl); // deployed; the first callback comes with a new message
    await settle(rig, early.sendText('is this thing on? (now)'));
    await rig.adapter.sweep();
    await rig.adapter.idle();

    expect(receivedTexts(rig, early.externalUserId)).toEqual(['You said: is this thing on? (now)']);
    expect(receivedTexts(rig, late.externalUserId)).toEqual(['You said: hi (10 min ago)']);
  });
});
