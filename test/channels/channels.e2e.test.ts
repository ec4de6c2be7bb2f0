/**
 * Channels against the real emulator over loopback (self-built mode): a channel's chat link, a
 * customer entering through it, and the message reaching the bot with channel and department.
 */
import type { Activity } from 'botbuilder';
import { type AgentResult, AppNotAuthorisedError, ChannelDirectory, ChannelService, type CorpInfo, CsaNotAuthorisedError, OrganisationNotActiveError } from '../../src/channels';
import type { WeComChannelData } from '../../src/adapter';
import { adapterRig, echoBot, type AdapterRig } from '../support/adapterRig';
import { recorder, settle, type Recorder } from '../support/e2e';

/** The scene a WeChat user carries in when opening a chat link (WeCom encodes it as enc_scene). */
function sceneOf(chatLink: string): string {
  const enc = new URL(chatLink).searchParams.get('enc_scene') ?? '';
  return Buffer.from(enc.replace(/^ENC/, ''), 'base64url').toString('utf8');
}

const dataOf = (a: Partial<Activity>): WeComChannelData => a.channelData as WeComChannelData;

describe('channels, end to end with the emulator', () => {
  let rig: AdapterRig;
  let bot: Recorder;
  let corps: CorpInfo[];
  let counts: [string, number][];
  let channels: ChannelService;

  beforeEach(async () => {
    bot = recorder(echoBot);
    const holder: { rig?: AdapterRig } = {};
    // The store's shared directory, as npm start wires it: the service refreshes it without being given it.
    const channelOf = (corpId: string, openKfId: string) => ChannelDirectory.for(holder.rig!.store).channelOf(corpId, openKfId);
    rig = holder.rig = await adapterRig({ bot: bot.logic, adapter: { channelOf, lookupCustomerNames: false } });
    corps = [{ corpId: rig.corp.corpId, authorised: true }];
    counts = [];
    channels = new ChannelService({
      store: rig.store, clientFor: () => rig.adapter.client, corps: async () => corps,
      agentsChanged: async (corpId, n) => counts.push([corpId, n]),
    });
    rig.emu.addServicer(rig.corp.corpId, { userid: 'alice', openKfids: [] });
    rig.emu.addServicer(rig.corp.corpId, { userid: 'bob', openKfids: [] });
  });
  afterEach(async () => rig.close());

  it('a customer entering through the chat link reaches the bot with the channel and department', async () => {
    const { channel } = await channels.create({ corpId: rig.corp.corpId, name: 'Sales', department: 'sales-team', openKfId: rig.kf });
    const link = await channels.chatLink(rig.corp.corpId, channel.id);
    expect(link).toMatch(/^https:\/\/work\.weixin\.qq\.com\/kfid\//);
    expect(sceneOf(link)).toBe(channel.id);
    expect(await channels.chatLink(rig.corp.corpId, channel.id)).toBe(link); // cached on the channel

    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.enterSession({ scene: sceneOf(link) }), customer.sendText('hello'));

    const entered = bot.seen.find((a) => dataOf(a).kf.msgtype === 'event')!;
    expect(dataOf(entered)).toMatchObject({ scene: channel.id, channel: { id: channel.id, name: 'Sales' }, department: 'sales-team' });
    const [message] = bot.of('message');
    expect(message!.text).toBe('hello');
    expect(dataOf(message!)).toMatchObject({ channel: { id: channel.id, name: 'Sales' }, department: 'sales-team', openKfId: rig.kf });
  });

  it('a renamed channel shows its new name on the next message (the routing cache is refreshed)', async () => {
    const { channel } = await channels.create({ corpId: rig.corp.corpId, name: 'Sales', department: 'sales', openKfId: rig.kf });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('one'));
    await channels.update(rig.corp.corpId, channel.id, { name: 'Pre-sales', department: 'presales' });
    await settle(rig, customer.sendText('two'));
    expect(bot.of('message').map((a) => [a.text, dataOf(a).channel?.name, dataOf(a).department])).toEqual([['one', 'Sales', 'sales'], ['two', 'Pre-sales', 'presales']]);
  });

  it('two kf accounts of one corp work side by side on one callback URL, each routed to its own channel', async () => {
    const kf2 = rig.emu.addKfAccount(rig.corp.corpId, { name: 'After-sales' });
    const a = (await channels.create({ corpId: rig.corp.corpId, name: 'Sales', department: 'sales', openKfId: rig.kf })).channel;
    const b = (await channels.create({ corpId: rig.corp.corpId, name: 'Repairs', department: 'service', openKfId: kf2 })).channel;
    const c1 = rig.emu.customer(rig.corp.corpId, rig.kf);
    const c2 = rig.emu.customer(rig.corp.corpId, kf2);
    await settle(rig, c1.sendText('to sales'), c2.sendText('to repairs'));
    const routed = Object.fromEntries(bot.of('message').map((m) => [m.text, [dataOf(m).openKfId, dataOf(m).channel?.id, dataOf(m).department]]));
    expect(routed).toEqual({ 'to sales': [rig.kf, a.id, 'sales'], 'to repairs': [kf2, b.id, 'service'] });
    // Both got the bot's echo from their own account.
    expect(rig.emu.received(rig.corp.corpId, c1.externalUserId).map((m) => m.openKfid)).toEqual([rig.kf]);
    expect(rig.emu.received(rig.corp.corpId, c2.externalUserId).map((m) => m.openKfid)).toEqual([kf2]);
  });

  it('assigned agents become the CSA\'s servicers; WeCom\'s per-user refusals are reported; the licence count follows', async () => {
    const created = await channels.create({ corpId: rig.corp.corpId, name: 'Sales', department: 'sales', openKfId: rig.kf, agents: ['alice', 'ghost'] });
    expect(created.agents).toEqual<AgentResult[]>([{ userId: 'alice', ok: true }, { userId: 'ghost', ok: false, errcode: 60111, message: expect.any(String) }]);
    expect(created.channel.agents).toEqual(['alice']);
    const servicers = async (): Promise<(string | undefined)[]> => (await rig.adapter.client.listServicers(rig.kf)).map((s) => s.userid).sort();
    expect(await servicers()).toEqual(['alice']);

    await channels.assignAgents(rig.corp.corpId, created.channel.id, ['bob']);
    expect(await servicers()).toEqual(['alice', 'bob']);
    await channels.unassignAgents(rig.corp.corpId, created.channel.id, ['alice']);
    expect(await servicers()).toEqual(['bob']);
    expect(counts).toEqual([[rig.corp.corpId, 1], [rig.corp.corpId, 2], [rig.corp.corpId, 1]]);

    await channels.delete(rig.corp.corpId, created.channel.id);
    expect(await servicers()).toEqual([]);
    expect(counts.at(-1)).toEqual([rig.corp.corpId, 0]);
  });

  it('agents assigned at the same time are all kept', async () => {
    const users = Array.from({ length: 8 }, (_, i) => `agent${i}`);
    for (const userid of users) rig.emu.addServicer(rig.corp.corpId, { userid, openKfids: [] });
    const { channel } = await channels.create({ corpId: rig.corp.corpId, name: 'Sales', department: 'sales', openKfId: rig.kf });
    await Promise.all(users.map((u) => channels.assignAgents(rig.corp.corpId, channel.id, [u])));
    expect((await channels.get(rig.corp.corpId, channel.id)).agents).toEqual(users);
    expect(await channels.agentCount(rig.corp.corpId)).toBe(8);
  });

  it('creates a CSA in WeCom (with a generated avatar) when no existing one is linked', async () => {
    const { channel } = await channels.create({ corpId: rig.corp.corpId, name: 'A rather long channel name', department: 'web' });
    const accounts = await channels.accounts(rig.corp.corpId);
    expect(accounts.find((a) => a.openKfId === channel.openKfId)).toEqual({ openKfId: channel.openKfId, name: 'A rather long ch', managed: true, channelId: channel.id });
  });

  it('gives the QR code as PNG and SVG and an escaped, accessible message button', async () => {
    const { channel } = await channels.create({ corpId: rig.corp.corpId, name: 'Sales <script>alert(1)</script> & "co"', department: 'sales', openKfId: rig.kf });
    const png = await channels.qrPng(rig.corp.corpId, channel.id);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(await channels.qrSvg(rig.corp.corpId, channel.id)).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const html = await channels.buttonHtml(rig.corp.corpId, channel.id);
    const link = await channels.chatLink(rig.corp.corpId, channel.id);
    expect(html).toContain(`href="${link.replace(/&/g, '&amp;')}"`);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;');
    expect(html).toMatch(/aria-label="[^"]+"/);
    expect(html).not.toMatch(/<img|<link|<script|src=|url\(/i); // no external assets
  });

  describe('prerequisites', () => {
    it('an organisation this deployment does not serve', async () => {
      await expect(channels.create({ corpId: 'wwUnknown', name: 'x', department: 'd', openKfId: rig.kf })).rejects.toMatchObject({ code: 'organisation_not_active', hint: expect.stringContaining('My Enterprise') });
      await expect(channels.create({ corpId: rig.corp.corpId.toUpperCase(), name: 'x', department: 'd', openKfId: rig.kf })).rejects.toBeInstanceOf(OrganisationNotActiveError);
    });

    it('no admin authorised the app (or it was cancelled), or WeCom refuses the kf API to the app', async () => {
      corps = [{ corpId: rig.corp.corpId, authorised: false }];
      await expect(channels.create({ corpId: rig.corp.corpId, name: 'x', department: 'd', openKfId: rig.kf })).rejects.toBeInstanceOf(AppNotAuthorisedError);
      corps = [{ corpId: rig.corp.corpId, authorised: true }];
      rig.emu.faults.inject({ path: 'kf/account/list', fault: { kind: 'errcode', errcode: 48002 } });
      await expect(channels.create({ corpId: rig.corp.corpId, name: 'x', department: 'd', openKfId: rig.kf }))
        .rejects.toMatchObject({ code: 'app_not_authorised', step: 'admin_authorisation', hint: expect.stringContaining('微信客服') });
    });

    it('a CSA not authorised to the app, or not in the corp', async () => {
      await expect(channels.create({ corpId: rig.corp.corpId, name: 'x', department: 'd', openKfId: `${rig.kf.slice(0, -1)}` })).rejects.toBeInstanceOf(CsaNotAuthorisedError);
      await expect(channels.create({ corpId: rig.corp.corpId, name: 'x', department: 'd', openKfId: `${rig.kf}X` }))
        .rejects.toMatchObject({ code: 'csa_not_authorised', step: 'csa_authorisation', hint: expect.stringContaining('API') });
      expect(await channels.list(rig.corp.corpId)).toEqual([]);
    });

    it('one channel per CSA; channel ids are case-sensitive', async () => {
      const { channel } = await channels.create({ corpId: rig.corp.corpId, name: 'Sales', department: 'sales', openKfId: rig.kf });
      await expect(channels.create({ corpId: rig.corp.corpId, name: 'Again', department: 'sales', openKfId: rig.kf })).rejects.toMatchObject({ code: 'channel_exists' });
      await expect(channels.get(rig.corp.corpId, channel.id.toUpperCase())).rejects.toMatchObject({ code: 'channel_not_found' });
      await expect(channels.get('wwOther', channel.id)).rejects.toMatchObject({ code: 'channel_not_found' });
    });
  });
});
