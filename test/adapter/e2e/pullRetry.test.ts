/**
 * A pull that fails (WeCom's sync_msg answering 500s or errcode -1) is tried again by itself: no
 * message waits for the next callback or the 5-minute sweep. Real outages, real time.
 */
import { LeaseRepository } from '../../../src/store';
import { WeComAdapter } from '../../../src/botbuilder';
import type { WeComEmulator } from '../../../src/sandbox/emulator';
import { adapterRig, type AdapterRig, receivedTexts } from '../../support/adapterRig';
import { eventually } from '../../support/e2e';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** sync_msg fails until `end()`: HTTP 500 and errcode -1 in turn. */
function syncOutage(emu: WeComEmulator): { end(): void } {
  for (let i = 0; i < 200; i++) {
    emu.faults.inject({ path: 'kf/sync_msg', fault: i % 2 === 0 ? { kind: 'http_500' } : { kind: 'errcode', errcode: -1 } });
  }
  return { end: () => emu.faults.clear() };
}

const syncCalls = (rig: AdapterRig): number => rig.emu.calls.filter((c) => c.path === 'kf/sync_msg').length;

describe('a failed pull is pulled again by itself', () => {
  let rig: AdapterRig;
  afterEach(async () => rig?.close());

  it('6 s outage, 8 customers waiting: all answered within 5 s of the outage ending, with no new callback', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter });
    const outage = syncOutage(rig.emu);
    const customers = Array.from({ length: 8 }, () => rig.emu.customer(rig.corp.corpId, rig.kf));
    for (const [i, c] of customers.entries()) await (await c.sendText(`hello ${i}`)).delivery;
    await sleep(6000);
    expect(rig.emu.received(rig.corp.corpId)).toHaveLength(0);
    const callsBefore = syncCalls(rig);
    outage.end();

    await eventually(() => {
      for (const [i, c] of customers.entries()) expect(receivedTexts(rig, c.externalUserId)).toEqual([`You said: hello ${i}`]);
    }, 5000);
    expect(syncCalls(rig)).toBeGreaterThan(callsBefore); // pulled by the retry: nobody published anything since
  }, 30_000);

  it('8 messages of one customer during a 6 s outage: ≤ 5 sends after the 8th, the 8th answered, no 95001', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter });
    const outage = syncOutage(rig.emu);
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    for (let i = 1; i <= 8; i++) await (await customer.sendText(`m${i}`)).delivery;
    await sleep(6000);
    outage.end();

    await eventually(() => expect(receivedTexts(rig, customer.externalUserId)).toContain('You said: m8'), 5000);
    await rig.adapter.idle();
    const texts = receivedTexts(rig, customer.externalUserId);
    expect(texts.length).toBeLessThanOrEqual(5);
    expect(texts[texts.length - 1]).toBe('You said: m8');
    expect(rig.emu.calls.filter((c) => c.errcode === 95001 || c.errcode === 95002)).toEqual([]);
  }, 30_000);

  it('60 s outage: answered once it ends, and the retries stay within WeCom\'s 10 pulls a minute', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter });
    const outage = syncOutage(rig.emu);
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('still there?')).delivery;
    const callsAfterCallback = syncCalls(rig);
    await sleep(60_000);
    const retries = syncCalls(rig) - callsAfterCallback;
    outage.end();
    expect(retries).toBeGreaterThanOrEqual(3); // it kept trying...
    expect(retries).toBeLessThanOrEqual(10); // ...within the rate
    await eventually(() => expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: still there?']), 35_000);
  }, 120_000);

  it('a restarted process pulls the wake-ups the dead one could not answer, at start-up', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter });
    const outage = syncOutage(rig.emu);
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('before the crash')).delivery;
    await rig.adapter.close(); // the first process is gone; its wake-up stays in the store
    outage.end();

    const restarted = rig.newAdapter();
    await restarted.start(async (context) => {
      if (context.activity.type === 'message') await context.sendActivity(`You said: ${context.activity.text}`);
    });
    await eventually(() => expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: before the crash']), 5000);
  }, 30_000);

  it('a restarted process pulls as soon as it is made, keeps the messages until the bot is known, then answers', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter });
    const outage = syncOutage(rig.emu);
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('anyone?')).delivery;
    await rig.adapter.close();
    outage.end();

    const restarted = rig.newAdapter(); // no callback, no start(): the background start pulls
    const inbox = rig.store.collection<{ _id: string; status: string }>('kf_inbox');
    await eventually(async () => expect((await inbox.find({})).map((e) => e.status)).toEqual(['pending']), 5000);
    expect(rig.emu.received(rig.corp.corpId)).toEqual([]);
    // The licensing jobs started too: the corp's trial is on record without any callback.
    expect(await rig.store.collection('licences').countDocuments({})).toBeGreaterThan(0);

    await restarted.start(async (context) => void (await context.sendActivity(`You said: ${context.activity.text}`)));
    await eventually(() => expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: anyone?']), 5000);
  }, 30_000);

  it('on a shared store, a wake-up left while a dead process still holds the sync lease is pulled once that lease expires', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter, sharedStore: true });
    const outage = syncOutage(rig.emu);
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('is anyone there?')).delivery;
    await rig.adapter.close();
    outage.end();
    // The dead process's lease (SIGKILL: never released) outlives it for a while.
    await new LeaseRepository(rig.store).acquire(`sync:${rig.corp.corpId}:${rig.kf}`, 'dead-instance', 1500);

    const restarted = rig.newAdapter();
    await restarted.start(async (context) => void (await context.sendActivity(`You said: ${context.activity.text}`)));
    await sleep(300);
    expect(receivedTexts(rig, customer.externalUserId)).toEqual([]); // the lease still stands
    rig.clock.advance(2000);
    await eventually(() => expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: is anyone there?']), 5000);
  }, 30_000);

  it('on a shared store, a conversation whose turns a dead process was running is answered once that process\'s lease expires', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter, sharedStore: true });
    const outage = syncOutage(rig.emu);
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('still waiting')).delivery;
    await rig.adapter.close();
    outage.end();
    // The dead process was running this customer's turns (SIGKILL: the lease was never released).
    await new LeaseRepository(rig.store).acquire(`turns:${rig.corp.corpId}:${rig.kf}:${customer.externalUserId}`, 'dead-instance', 1500);

    const restarted = rig.newAdapter();
    await restarted.start(async (context) => void (await context.sendActivity(`You said: ${context.activity.text}`)));
    await sleep(300);
    expect(receivedTexts(rig, customer.externalUserId)).toEqual([]); // the lease still stands
    rig.clock.advance(2000);
    // Without a second look once it expires, the message would wait for the sweep, minutes later.
    await eventually(() => expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: still waiting']), 5000);
  }, 30_000);

  it('alone on its DATA_DIR, a restarted process does not wait for the leases a dead one left', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter });
    const outage = syncOutage(rig.emu);
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('anyone?')).delivery;
    await rig.adapter.close();
    outage.end();
    // The embedded store's DATA_DIR lock says the old process is gone: whatever leases it left
    // (SIGKILL) stand for nothing, and the customer need not wait for them to expire.
    const leases = new LeaseRepository(rig.store);
    await leases.acquire(`sync:${rig.corp.corpId}:${rig.kf}`, 'dead-instance', 60_000);
    await leases.acquire(`turns:${rig.corp.corpId}:${rig.kf}:${customer.externalUserId}`, 'dead-instance', 60_000);

    const restarted = rig.newAdapter();
    await restarted.start(async (context) => void (await context.sendActivity(`You said: ${context.activity.text}`)));
    await eventually(() => expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: anyone?']), 5000);
  }, 30_000);
});
