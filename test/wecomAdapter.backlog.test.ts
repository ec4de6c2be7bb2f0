import { WindowMiddleware, WindowRepository } from '../src/middleware';
import { WeComAdapter, type WeComAdapterOptions } from '../src/botbuilder';
import { adapterRig, type AdapterRig, receivedTexts } from './support/adapterRig';

/**
 * WeCom allows 5 replies after the customer's *latest* message. When a customer wrote several
 * messages before the bot answered (a burst, an outage, a restart), all turns of that backlog
 * share those 5 slots, and the newest message is always answered.
 */
describe('a backlog of customer messages shares one reply quota', () => {
  let rig: AdapterRig;
  afterEach(async () => rig?.close());

  const sends = (r: AdapterRig) => r.emu.calls.filter((c) => c.path === 'kf/send_msg');
  const refusals = (r: AdapterRig) => r.emu.calls.filter((c) => c.errcode === 95001 || c.errcode === 95002);

  async function eightDuringOutage(r: AdapterRig): Promise<string> {
    const customer = r.emu.customer(r.corp.corpId, r.kf);
    r.emu.faults.inject({ path: 'kf/sync_msg', times: Infinity, fault: { kind: 'http_500' } });
    for (let i = 1; i <= 8; i++) await (await customer.sendText(`m${i}`)).delivery;
    await r.adapter.idle();
    expect(sends(r)).toHaveLength(0);
    r.emu.faults.clear();
    return customer.externalUserId;
  }

  // With a real outage and the pull's own retry: test/adapter/e2e/pullRetry.test.ts.
  it('answers at most 5 times after the 8th message, answers the 8th, and WeCom never refuses', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter, adapter: { retryDelayMs: 5 } });
    const customer = await eightDuringOutage(rig);
    await rig.adapter.sweep(); // stands in for whatever pulls next (a callback, the retry, the sweep)
    await rig.adapter.idle();

    const texts = receivedTexts(rig, customer);
    expect(texts.length).toBeLessThanOrEqual(5);
    expect(texts).toContain('You said: m8');
    expect(texts[texts.length - 1]).toBe('You said: m8');
    // The oldest messages are answered while slots remain beyond those kept for the newest.
    expect(texts).toEqual(['You said: m1', 'You said: m2', 'You said: m3', 'You said: m8']);
    expect(refusals(rig)).toEqual([]);

    // A 9th message opens a fresh quota of 5.
    rig.setBot(async (context) => {
      if (context.activity.type !== 'message') return;
      for (let i = 1; i <= 5; i++) await context.sendActivity(`reply ${i} to ${context.activity.text}`);
    });
    await (await rig.emu.customer(rig.corp.corpId, rig.kf, customer).sendText('m9')).delivery;
    await rig.adapter.idle();
    expect(receivedTexts(rig, customer).slice(4)).toEqual([1, 2, 3, 4, 5].map((i) => `reply ${i} to m9`));
    expect(refusals(rig)).toEqual([]);
  });

  it('runs every message of the backlog to its end (state saved), holding back only the replies that do not fit', async () => {
    const turns: string[] = [];
    rig = await adapterRig({
      adapterClass: WeComAdapter,
      bot: async (context) => {
        if (context.activity.type !== 'message') return;
        const response = await context.sendActivity(`You said: ${context.activity.text}`);
        turns.push(`${context.activity.text}:${response?.id ? 'sent' : 'held back'}`);
      },
    });
    await eightDuringOutage(rig);
    await rig.adapter.sweep();
    await rig.adapter.idle();
    expect(turns).toEqual(['m1:sent', 'm2:sent', 'm3:sent', 'm4:held back', 'm5:held back', 'm6:held back', 'm7:held back', 'm8:sent']);
    const inbox = await rig.store.collection<{ _id: string; status: string }>('kf_inbox').find({});
    expect(inbox.map((e) => e.status)).toEqual(Array(8).fill('done'));
  });

  it('with 300 ms per WeCom call and no fault, 8 quick messages still get ≤ 5 sends after the 8th, the 8th answered', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter });
    rig.emu.faults.inject({ times: Infinity, fault: { kind: 'delay', ms: 300 } });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    const published = [];
    for (let i = 1; i <= 8; i++) published.push(await customer.sendText(`m${i}`));
    const eighthAt = rig.emu.calls.length;
    for (const p of published) await p.delivery;
    await rig.adapter.idle();

    const texts = receivedTexts(rig, customer.externalUserId);
    expect(texts[texts.length - 1]).toBe('You said: m8');
    const sentAfterEighth = rig.emu.calls.slice(eighthAt).filter((c) => c.path === 'kf/send_msg' && c.errcode === 0);
    expect(sentAfterEighth.length).toBeLessThanOrEqual(5);
    expect(refusals(rig)).toEqual([]);
  }, 30_000);

  it('with the middleware installed by hand, the repository passed as observer shares the quota the same way', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter, adapter: { licensing: false } as Partial<WeComAdapterOptions> });
    const windows = new WindowRepository(rig.store);
    const adapter = rig.newAdapter({ defaultMiddleware: false, licensing: false, observer: windows } as Partial<WeComAdapterOptions>);
    adapter.use(new WindowMiddleware(windows, { keepForNewest: 1 }));
    rig.adapter = adapter;
    const customer = await eightDuringOutage(rig);
    await adapter.sweep();
    await adapter.idle();
    // keepForNewest 1: four older messages answered, then the newest.
    expect(receivedTexts(rig, customer)).toEqual(['You said: m1', 'You said: m2', 'You said: m3', 'You said: m4', 'You said: m8']);
    expect(refusals(rig)).toEqual([]);
  });
});
