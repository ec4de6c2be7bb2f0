/**
 * Channels in provider mode against the emulator's suite: a corp installs the app, the corp client
 * gets its token from service/get_corp_token, and a CSA becomes usable only once the corp grants
 * it to the app (kf_account_auth_change) or the app creates it. Cancelling the authorisation turns
 * WeCom's 48004 into the admin step to take.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelService, type CorpInfo } from '../../src/channels';
import { ManualClock } from '../../src/common';
import { openStore, type Store } from '../../src/store';
import { SuiteClient, type WeComClient } from '../../src/wecom';
import { providerWorld, type ProviderWorld } from '../support/providerReceiver';

describe('channels in provider mode', () => {
  let world: ProviderWorld;
  let suiteClient: SuiteClient;
  let corpClient: WeComClient;
  let store: Store;
  let dataDir: string;
  let kf: string;
  let granted: string[];
  let channels: ChannelService;

  beforeEach(async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    world = await providerWorld(clock);
    const { emu, suite, corp, app } = world;
    kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
    emu.addServicer(corp.corpId, { userid: 'alice', openKfids: [] });
    suiteClient = new SuiteClient({
      suiteId: suite.suiteId, suiteSecret: suite.suiteSecret, baseUrl: emu.baseUrl, clock, backoffBaseMs: 1, backoffMaxMs: 5, timeoutMs: 2000,
      ticket: async () => emu.provider.latestTicket(suite.suiteId),
    });
    await emu.provider.pushSuiteTicket(suite.suiteId).delivery;
    const { preAuthCode } = await suiteClient.getPreAuthCode();
    await emu.provider.authorise(corp.corpId, preAuthCode).delivery;
    const created = [...app.received].reverse().find((r) => r.event.kind === 'create_auth')!.event as { authCode: string };
    const grant = await suiteClient.getPermanentCode(created.authCode);
    corpClient = suiteClient.corpClient(grant.authCorpId, grant.permanentCode);
    granted = [];
    dataDir = mkdtempSync(join(tmpdir(), 'channels-provider-'));
    store = await openStore({ dataDir, clock });
    const corps = async (): Promise<CorpInfo[]> => [{ corpId: corp.corpId, authorised: true, kfAccounts: granted }];
    channels = new ChannelService({ store, corps, clientFor: () => corpClient });
  });
  afterEach(async () => {
    await corpClient.close();
    await suiteClient.close();
    await world.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a CSA not granted to the app is refused until the corp grants it; then agents become its servicers', async () => {
    const { emu, corp } = world;
    expect(await channels.accounts(corp.corpId)).toEqual([{ openKfId: kf, name: 'Support', managed: false }]);
    await expect(channels.create({ corpId: corp.corpId, name: 'Sales', department: 'sales', openKfId: kf })).rejects.toMatchObject({ code: 'csa_not_authorised', message: expect.stringContaining('manage_privilege') });
    // WeCom decides: a corp list that claims the grant early does not make the CSA usable.
    granted.push(kf);
    await expect(channels.create({ corpId: corp.corpId, name: 'Sales', department: 'sales', openKfId: kf })).rejects.toMatchObject({ code: 'csa_not_authorised' });

    await emu.provider.grantKfAccounts(corp.corpId, { add: [kf] });
    const { channel, agents } = await channels.create({ corpId: corp.corpId, name: 'Sales', department: 'sales', openKfId: kf, agents: ['alice'] });
    expect(agents).toEqual([{ userId: 'alice', ok: true }]);
    expect((await corpClient.listServicers(kf)).map((s) => s.userid)).toEqual(['alice']);
    expect(await channels.chatLink(corp.corpId, channel.id)).toMatch(/^https:\/\/work\.weixin\.qq\.com\/kfid\//);
  });

  it('a CSA the app creates is the app\'s at once, before any kf_account_auth_change reached the corp list', async () => {
    const { channel } = await channels.create({ corpId: world.corp.corpId, name: 'Returns', department: 'returns' });
    expect(await channels.accounts(world.corp.corpId)).toContainEqual({ openKfId: channel.openKfId, name: 'Returns', managed: true, channelId: channel.id });
  });

  it('after the corp cancels the authorisation, WeCom\'s 48004 becomes "authorise the app again"', async () => {
    const { emu, corp } = world;
    await emu.provider.grantKfAccounts(corp.corpId, { add: [kf] });
    granted.push(kf);
    const { channel } = await channels.create({ corpId: corp.corpId, name: 'Sales', department: 'sales', openKfId: kf });
    await emu.provider.cancel(corp.corpId);
    await expect(channels.chatLink(corp.corpId, channel.id)).rejects.toMatchObject({ code: 'app_not_authorised', step: 'admin_authorisation', message: expect.stringContaining('48004') });
  });
});
