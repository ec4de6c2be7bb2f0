/**
 * Two instances on a store they share (as with MongoDB), WeCom's callbacks landing on either: the
 * instance that pulls an account keeps its sync lease across a burst, and the other one's callbacks
 * must still be answered, promptly, once each and in order (the holder looks for wake-ups left to it
 * when it gives the lease up).
 */
import { LeaseRepository } from '../../../src/store';
import { WeComAdapter } from '../../../src/botbuilder';
import { adapterRig, type AdapterRig, receivedTexts } from '../../support/adapterRig';
import { eventually } from '../../support/e2e';

describe('two instances on a shared store, callbacks landing on either', () => {
  let rig: AdapterRig;
  afterEach(async () => rig?.close());

  it('answers every message once and in order, whichever instance its callback reached, without waiting for a lease to expire', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter, sharedStore: true });
    const first = rig.adapter;
    const second = rig.newAdapter();
    await second.start(async (context) => void (await context.sendActivity(`You said: ${context.activity.text}`)));
    const customers = [rig.emu.customer(rig.corp.corpId, rig.kf), rig.emu.customer(rig.corp.corpId, rig.kf)];
    const expected = new Map(customers.map((c) => [c.externalUserId, [] as string[]]));
    for (let i = 0; i < 8; i++) {
      // The callback of every other message goes to the instance that did not pull the last one.
      rig.adapter = i % 2 === 0 ? first : second;
      const customer = customers[Math.floor(i / 2) % 2]!;
      await (await customer.sendText(`m${i}`)).delivery;
      expected.get(customer.externalUserId)!.push(`You said: m${i}`);
      // The sync lease lasts 30 s (by the test clock, which stands still): an answer within 10 s
      // of real time came from the lease being given up, not from its expiry.
      await eventually(() => {
        for (const c of customers) expect(receivedTexts(rig, c.externalUserId)).toEqual(expected.get(c.externalUserId));
      }, 10_000);
    }
    await Promise.all([first.idle(), second.idle()]);
    for (const c of customers) expect(receivedTexts(rig, c.externalUserId)).toEqual(expected.get(c.externalUserId));
  }, 120_000);

  it('gives up its leases when it closes, so another instance need not wait for them to expire', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter, sharedStore: true });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('hello')).delivery;
    await eventually(() => expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: hello']));
    await rig.adapter.close();
    const leases = new LeaseRepository(rig.store);
    expect(await leases.current(`turns:${rig.corp.corpId}:${rig.kf}:${customer.externalUserId}`)).toBeNull();
    expect(await leases.current(`sync:${rig.corp.corpId}:${rig.kf}`)).toBeNull();
  });
});
