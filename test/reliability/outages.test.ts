/**
 * WeCom down for "120 s" in each of the ways it goes down: every call answered HTTP 500, every call
 * answered errcode -1 (system busy), every call left hanging until the client gives up, every call
 * carried out but answered only after the client gave up. The access
 * token runs out as the outage starts, so gettoken is in the outage too, not only sync_msg and
 * send_msg. Customers keep writing throughout; callbacks still reach the app (they come from
 * WeCom's push side). Once WeCom is back, the ledger must balance: 0 lost, 0 duplicated, order kept.
 *
 * Time: 120 s of WeCom time at 1/SCALE (see scale.ts), so 6 s of wall time per outage.
 */
import type { Fault } from '../../src/sandbox/emulator';
import { WeComAdapter } from '../../src/botbuilder';
import { adapterRig, type AdapterRig } from '../support/adapterRig';
import { eventually } from '../support/e2e';
import { deliveredBy, Ledger, report } from './ledger';
import { scaled, scaledAdapterOptions } from './scale';

jest.setTimeout(120_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const CUSTOMERS = 8;
const OUTAGE_MS = scaled(120_000);
/** Messages each customer writes while WeCom is down: one per stage. */
const DURING = 3;

const kinds: [string, Fault][] = [
  ['HTTP 500 on every call', { kind: 'http_500' }],
  ['errcode -1 (system busy) on every call', { kind: 'errcode', errcode: -1 }],
  ['every call hangs until the client times out', { kind: 'timeout' }],
  // The cruellest for duplicates: each call is carried out, but its answer comes after the client
  // gave up (requestTimeoutMs), so every send is repeated with a msgid WeCom has already seen.
  ['every answer comes after the client gave up (the call is carried out)', { kind: 'delay', ms: (scaledAdapterOptions.requestTimeoutMs ?? 1000) + 500 }],
];

describe('a 120 s WeCom outage while customers keep writing', () => {
  let rig: AdapterRig;
  afterEach(async () => rig?.close());

  it.each(kinds)('%s: after recovery every message is answered once, in order', async (name, fault) => {
    rig = await adapterRig({ adapterClass: WeComAdapter, adapter: scaledAdapterOptions });
    const { emu, corp } = rig;
    const ledger = new Ledger(`outage, ${name}`);
    const customers = Array.from({ length: CUSTOMERS }, () => emu.customer(corp.corpId, rig.kf));
    const write = async (i: number, text: string): Promise<void> => {
      const c = customers[i]!;
      ledger.wrote(c.externalUserId, text);
      await c.sendText(text); // the callback goes out in the background
    };

    // Before: a normal conversation, so the outage hits a warm app (token cached, cursor stored).
    for (let i = 0; i < CUSTOMERS; i++) await write(i, `c${i} before`);
    await eventually(() => void ledger.settle(deliveredBy(emu, corp.corpId)), 30_000);

    // The outage, in three stages of 40 s, as a real one spreads: send_msg fails first (messages
    // pulled, answers refused), then every call, then the cached access token's 2 hours run out
    // (the shared clock moves on), so gettoken fails too. Customers write once in each stage.
    const callsBefore = emu.calls.length;
    const stage = OUTAGE_MS / 3;
    const started = Date.now();
    const failedOn = (path: string): number => emu.calls.slice(callsBefore).filter((c) => c.path === path && c.fault === fault.kind).length;
    emu.faults.inject({ path: 'kf/send_msg', fault, times: Infinity });
    for (let i = 0; i < CUSTOMERS; i++) await write(i, `c${i} during 1`);
    await eventually(() => expect(failedOn('kf/send_msg')).toBeGreaterThan(0), 30_000);
    await sleep(started + stage - Date.now());
    emu.faults.inject({ fault, times: Infinity });
    for (let i = 0; i < CUSTOMERS; i++) await write(i, `c${i} during 2`);
    await sleep(started + 2 * stage - Date.now());
    rig.clock.advance(7_200_000 + 60_000);
    for (let i = 0; i < CUSTOMERS; i++) await write(i, `c${i} during 3`);
    await sleep(started + OUTAGE_MS - Date.now());
    emu.faults.clear();

    // Each of the three calls was hit by the outage, and no answer went out during it.
    const hit = Object.fromEntries(['kf/sync_msg', 'kf/send_msg', 'gettoken'].map((path) => [path, failedOn(path) > 0]));
    expect(hit).toEqual({ 'kf/sync_msg': true, 'kf/send_msg': true, gettoken: true });
    // Nothing answered during the outage (a late answer is still a carried-out call).
    if (fault.kind !== 'delay') expect(emu.received(corp.corpId)).toHaveLength(CUSTOMERS);

    // After: one more message each, then everything must be answered.
    for (let i = 0; i < CUSTOMERS; i++) await write(i, `c${i} after`);
    await eventually(() => void ledger.settle(deliveredBy(emu, corp.corpId)), 60_000);
    // Nothing more trickles in (a duplicate would come from a send retried after it went out).
    await rig.adapter.idle();
    await sleep(scaled(30_000));
    const verdict = ledger.settle(deliveredBy(emu, corp.corpId));
    expect(verdict).toMatchObject({ sent: CUSTOMERS * (DURING + 2), delivered: CUSTOMERS * (DURING + 2) });
    expect(emu.calls.filter((c) => c.errcode === 95001 || c.errcode === 95002)).toEqual([]);
    report(verdict);
  });
});
