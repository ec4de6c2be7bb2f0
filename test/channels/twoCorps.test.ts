/**
 * Channels of two organisations side by side (as provider mode serves them), through one
 * ChannelService given a client per corp: no channel, link or agent crosses from one to the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelService, type CorpInfo } from '../../src/channels';
import { ManualClock } from '../../src/common';
import { type CorpCredentials, WeComEmulator } from '../../src/sandbox/emulator';
import { openStore, type Store } from '../../src/store';
import { WeComClient } from '../../src/wecom';

describe('channels of two corps', () => {
  let emu: WeComEmulator;
  let store: Store;
  let dataDir: string;
  const clients = new Map<string, WeComClient>();
  let a: CorpCredentials;
  let b: CorpCredentials;
  let kfA: string;
  let kfB: string;
  let corps: CorpInfo[];
  let channels: ChannelService;
  const counts: [string, number][] = [];

  beforeAll(async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    emu = new WeComEmulator({ clock });
    await emu.start();
    a = emu.addCorp();
    b = emu.addCorp();
    kfA = emu.addKfAccount(a.corpId, { name: 'A support' });
    kfB = emu.addKfAccount(b.corpId, { name: 'B support' });
    for (const corp of [a, b]) {
      clients.set(corp.corpId, new WeComClient({ corpId: corp.corpId, secret: corp.secret, baseUrl: emu.baseUrl, clock }));
      emu.addServicer(corp.corpId, { userid: 'zhangsan', openKfids: [] }); // the same user id in both corps
    }
    dataDir = mkdtempSync(join(tmpdir(), 'channels-two-'));
    store = await openStore({ dataDir, clock });
    corps = [{ corpId: a.corpId, name: 'A', authorised: true, kfAccounts: [kfA] }, { corpId: b.corpId, name: 'B', authorised: true, kfAccounts: [kfB] }];
    channels = new ChannelService({
      store, corps: async () => corps, clientFor: (corpId) => clients.get(corpId)!,
      agentsChanged: async (corpId, n) => counts.push([corpId, n]),
    });
  });
  afterAll(async () => {
    for (const c of clients.values()) await c.close();
    await emu.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps each corp\'s channels, servicers, links and agent counts apart', async () => {
    const chA = (await channels.create({ corpId: a.corpId, name: 'Sales', department: 'sales', openKfId: kfA, agents: ['zhangsan'] })).channel;
    const chB = (await channels.create({ corpId: b.corpId, name: 'Sales', department: 'sales', openKfId: kfB })).channel;
    expect((await channels.list(a.corpId)).map((c) => c.id)).toEqual([chA.id]);
    expect((await channels.list(b.corpId)).map((c) => c.id)).toEqual([chB.id]);
    await expect(channels.get(b.corpId, chA.id)).rejects.toMatchObject({ code: 'channel_not_found' });

    expect((await clients.get(a.corpId)!.listServicers(kfA)).map((s) => s.userid)).toEqual(['zhangsan']);
    expect(await clients.get(b.corpId)!.listServicers(kfB)).toEqual([]);
    expect(counts).toEqual([[a.corpId, 1]]);
    expect(await channels.agentCount(b.corpId)).toBe(0);

    const [linkA, linkB] = [await channels.chatLink(a.corpId, chA.id), await channels.chatLink(b.corpId, chB.id)];
    expect(linkA).not.toBe(linkB);
  });

  it('a CSA of one corp cannot be linked to a channel of the other', async () => {
    await expect(channels.create({ corpId: b.corpId, name: 'Stolen', department: 'x', openKfId: kfA })).rejects.toMatchObject({ code: 'csa_not_authorised' });
    corps = corps.map((c) => (c.corpId === b.corpId ? { ...c, kfAccounts: [kfB, kfA] } : c));
    // Even if the corp list were wrong, WeCom (kf/account/list of corp B) does not show A's account.
    await expect(channels.create({ corpId: b.corpId, name: 'Stolen', department: 'x', openKfId: kfA })).rejects.toMatchObject({ code: 'csa_not_authorised' });
  });

  it('after the authorisation is cancelled, channel changes name the admin step', async () => {
    corps = corps.map((c) => (c.corpId === a.corpId ? { ...c, authorised: false } : c));
    await expect(channels.create({ corpId: a.corpId, name: 'Later', department: 'x', openKfId: kfA })).rejects.toMatchObject({ code: 'app_not_authorised', hint: expect.stringContaining('install it again') });
  });
});
