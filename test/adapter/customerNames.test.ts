/**
 * CustomerNames against the emulator through the real client and a real store: batches of at most
 * 100 ids, a slow WeCom never holding a turn past the wait, and what is cached for how long.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, silentLogger } from '../../src/common';
import { type CachedCustomerName, CUSTOMER_NAME_TTL_MS, CustomerNames, NO_CUSTOMER_NAME_TTL_MS } from '../../src/adapter/customerNames';
import { type CorpCredentials, WeComEmulator } from '../../src/sandbox/emulator';
import { KeyValueRepository, openStore, type Store } from '../../src/store';
import { WeComClient } from '../../src/wecom';
import { eventually } from '../support/e2e';

describe('CustomerNames', () => {
  let clock: ManualClock;
  let emu: WeComEmulator;
  let corp: CorpCredentials;
  let kf: string;
  let client: WeComClient;
  let store: Store;
  let dataDir: string;
  let cache: KeyValueRepository<CachedCustomerName>;

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 2, 1, 8));
    emu = new WeComEmulator({ clock });
    await emu.start();
    corp = emu.addCorp();
    kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
    client = new WeComClient({ corpId: corp.corpId, secret: corp.secret, baseUrl: emu.baseUrl, clock, backoffBaseMs: 1, backoffMaxMs: 5, timeoutMs: 3_000 });
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-names-'));
    store = await openStore({ dataDir, clock });
    cache = new KeyValueRepository<CachedCustomerName>(store, 'kf_customer_names');
  });
  afterEach(async () => {
    await client.close();
    await emu.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const names = (extra: Partial<ConstructorParameters<typeof CustomerNames>[0]> = {}): CustomerNames =>
    new CustomerNames({ corpId: corp.corpId, client: () => client, cache, clock, logger: silentLogger, fallback: '微信用户', enabled: true, ...extra });
  const batchgets = () => emu.calls.filter((c) => c.path === 'kf/customer/batchget').map((c) => (c.body as { external_userid_list: string[] }).external_userid_list.length);

  async function activeCustomers(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const c = emu.customer(corp.corpId, kf, undefined, { nickname: `n${i}` });
      await c.sendText('hi');
      ids.push(c.externalUserId);
    }
    return ids;
  }

  it('150 customers asked at once take two calls of at most 100 ids, and each gets their own name', async () => {
    const ids = await activeCustomers(150);
    const lookup = names();
    const got = await Promise.all(ids.map((id) => lookup.nameOf(id)));
    expect(got).toEqual(ids.map((_, i) => `n${i}`));
    expect(batchgets().sort((a, b) => b - a)).toEqual([100, 50]);
  });

  it('a slow WeCom: the turn gets the fallback after the wait, and the late answer is cached for the next one', async () => {
    const [id] = await activeCustomers(1);
    emu.faults.inject({ path: 'kf/customer/batchget', fault: { kind: 'delay', ms: 300 } });
    const lookup = names({ waitMs: 20 });
    expect(await lookup.nameOf(id!)).toBe('微信用户');
    await eventually(async () => expect(await cache.get(`${corp.corpId}:${id}`)).toEqual({ nickname: 'n0' }));
    expect(await lookup.nameOf(id!)).toBe('n0');
    expect(batchgets()).toHaveLength(1);
  });

  it('a name is kept a day; "no nickname" an hour; an id WeCom does not describe gets the fallback', async () => {
    const [named] = await activeCustomers(1);
    const anonymous = emu.customer(corp.corpId, kf, undefined, { nickname: '' });
    await anonymous.sendText('hi');
    const lookup = names();
    expect(await Promise.all([lookup.nameOf(named!), lookup.nameOf(anonymous.externalUserId), lookup.nameOf('wmNobody')])).toEqual(['n0', '微信用户', '微信用户']);
    expect(batchgets()).toEqual([3]);
    await eventually(async () => expect(await cache.get(`${corp.corpId}:wmNobody`)).toEqual({ nickname: '' }));

    clock.advance(NO_CUSTOMER_NAME_TTL_MS + 1);
    await lookup.nameOf(named!);
    await lookup.nameOf(anonymous.externalUserId);
    expect(batchgets()).toEqual([3, 1]); // only the one without a nickname was asked again
    await eventually(async () => expect(await cache.get(`${corp.corpId}:${anonymous.externalUserId}`)).toBeDefined());

    clock.advance(CUSTOMER_NAME_TTL_MS);
    expect(await lookup.nameOf(named!)).toBe('n0');
    expect(batchgets()).toEqual([3, 1, 1]);
  });

  it('lookups turned off: no call, the fallback for everyone', async () => {
    const [id] = await activeCustomers(1);
    expect(await names({ enabled: false }).nameOf(id!)).toBe('微信用户');
    expect(batchgets()).toEqual([]);
  });
});
