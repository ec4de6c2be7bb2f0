/**
 * The provider instruction URL of the app (createAppServer with provider settings) against the
 * emulator's provider mode: tickets, installs, duplicates, cancel and re-install, code reset, and
 * the literal `success` answered before the slow exchange.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'restify';
import { ManualClock, silentLogger } from '../../src/common';
import { createAppServer } from '../../src/bot/server';
import {
  type CorpAuthorisedEvent, type CorpCancelledEvent, type CorpChangedEvent, SecretBox, SecretKeyMismatchError, storeTokens, SuiteAuthRepository, SuiteInstructions, SuiteTicketRepository,
} from '../../src/provider';
import { type CorpCredentials, type SuiteCredentials, WeComEmulator } from '../../src/sandbox/emulator';
import { KeyValueRepository, openStore, type Store } from '../../src/store';
import { buildInstallLink, type CachedToken, corpTokenKey, SuiteCallbacks, SuiteClient } from '../../src/wecom';
import { WeComAdapter } from '../../src/botbuilder';

jest.setTimeout(30_000);

const T0 = Date.UTC(2026, 0, 1, 8);

/**
 * Sits between the emulator and the app's instruction URL; `loseNextAnswer` forwards the next
 * callback to the app but tells the emulator 503, so WeCom sends the same callback again.
 */
async function relay(target: () => string): Promise<{ url: string; loseNextAnswer: () => void; close: () => Promise<void> }> {
  let lose = false;
  const server: HttpServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void fetch(`${target()}${req.url ?? ''}`, { method: req.method, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined })
        .then(async (r) => {
          const text = await r.text();
          res.statusCode = lose ? 503 : r.status;
          lose = false;
          res.end(text);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/wecom/suite`,
    loseNextAnswer: () => { lose = true; },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function filesUnder(dir: string): string {
  return readdirSync(dir).map((name) => join(dir, name)).map((p) => (statSync(p).isDirectory() ? filesUnder(p) : readFileSync(p, 'utf8'))).join('\n');
}

describe('the instruction URL in provider mode', () => {
  let clock: ManualClock;
  let emu: WeComEmulator;
  let suite: SuiteCredentials;
  let corp: CorpCredentials;
  let kf: string;
  let dir: string;
  let store: Store;
  let adapter: WeComAdapter;
  let server: Server;
  let base: string;
  let client: SuiteClient;
  let instructions: SuiteInstructions;
  let key: Buffer;
  let authorised: CorpAuthorisedEvent[];
  let cancelled: CorpCancelledEvent[];
  let proxy: Awaited<ReturnType<typeof relay>>;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    emu = new WeComEmulator({ clock, switches: { callbackTimeoutMs: 5000, instructionTimeoutMs: 5000, callbackRetryDelayMs: 10 } });
    await emu.start();
    suite = emu.provider.addSuite();
    corp = emu.addCorp();
    kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
    const own = emu.addCorp();
    dir = mkdtempSync(join(tmpdir(), 'suite-route-'));
    store = await openStore({ dataDir: join(dir, 'store'), clock });
    adapter = new WeComAdapter({
      corpId: own.corpId, secret: own.secret, token: own.token, encodingAesKey: own.encodingAesKey, apiBaseUrl: emu.baseUrl,
      store, logger: silentLogger, sweepIntervalMs: 0, retryDelayMs: 5, licensing: { cron: '0 0 1 1 *' },
    });
    key = randomBytes(32);
    const box = new SecretBox(key);
    client = new SuiteClient({
      suiteId: suite.suiteId, suiteSecret: suite.suiteSecret, baseUrl: emu.baseUrl, clock, backoffBaseMs: 1, backoffMaxMs: 5, timeoutMs: 10_000,
      // The ticket source reads the store the route writes: no ticket in memory anywhere.
      ticket: new SuiteTicketRepository(store).source(suite.suiteId), sharedTokens: storeTokens(store),
    });
    instructions = new SuiteInstructions({ store, suite: client, box, logger: silentLogger, retry: { baseMs: 10, maxMs: 50, attempts: 5 } });
    authorised = [];
    cancelled = [];
    instructions.events.on('corpAuthorised', (e) => authorised.push(e));
    instructions.events.on('corpCancelled', (e) => cancelled.push(e));
    const callbacks = new SuiteCallbacks({ suiteId: suite.suiteId, token: suite.token, encodingAesKey: suite.encodingAesKey, providerCorpId: suite.providerCorpId });
    server = createAppServer({
      adapter, bot: { run: async () => undefined }, logger: silentLogger, mode: 'provider', admin: { adminToken: undefined },
      provider: { callbacks, instructions },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    proxy = await relay(() => base);
    emu.provider.setUrls(suite.suiteId, { instructionUrl: proxy.url, dataUrl: `${base}/api/wecom/callback` });
  });

  afterEach(async () => {
    instructions.close();
    await client.close();
    await emu.stop();
    await proxy.close();
    server.close();
    await adapter.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function pushTicket(): Promise<string> {
    const { ticket, delivery } = emu.provider.pushSuiteTicket(suite.suiteId);
    expect(await delivery).toMatchObject({ delivered: true, attempts: 1 });
    await instructions.idle();
    return ticket;
  }

  async function install(): Promise<{ authCode: string }> {
    const { preAuthCode } = await client.getPreAuthCode();
    const link = new URL(buildInstallLink({ suiteId: suite.suiteId, preAuthCode, redirectUri: 'https://bot.example.com/installed' }));
    const installed = emu.provider.authorise(corp.corpId, link.searchParams.get('pre_auth_code')!, { kfAccounts: [kf] });
    expect(await installed.delivery).toMatchObject({ delivered: true });
    await instructions.idle();
    return installed;
  }

  const permanentCodeCalls = (): number => emu.calls.filter((c) => c.path === 'service/v2/get_permanent_code').length;

  it('answers the URL check with the echo', async () => {
    expect(await emu.provider.verifyUrl('instruction')).toMatchObject({ ok: true });
  });

  it('stores the pushed ticket, keeps the newest when an older one comes late, and stops using it after 30 minutes', async () => {
    clock.advance(60_000);
    const ticket = await pushTicket();
    expect(await instructions.tickets.newest(suite.suiteId)).toBe(ticket);
    // A callback signed a minute earlier arriving late (WeCom resends) must not put its ticket back.
    instructions.accept({ kind: 'suite_ticket', suiteId: suite.suiteId, suiteTicket: 'older-ticket', timestamp: T0 / 1000, raw: {} });
    await instructions.idle();
    expect(await instructions.tickets.newest(suite.suiteId)).toBe(ticket);
    expect((await client.getSuiteToken()).accessToken).toBeTruthy();
    clock.advance(30 * 60_000);
    expect(await instructions.tickets.newest(suite.suiteId)).toBeUndefined();
  });

  it('exchanges an install for a permanent code stored encrypted, saves the auth info, and a corp client from it calls kf', async () => {
    await pushTicket();
    await install();
    const emulated = emu.provider.authorisation(corp.corpId)!;
    const saved = await instructions.auths.get(suite.suiteId, corp.corpId);
    expect(saved).toMatchObject({ suiteId: suite.suiteId, corpId: corp.corpId, status: 'active', agentId: emulated.agentId, authOpenKfIds: [kf], firstAuthorisedAt: new Date(T0) });
    expect(authorised).toEqual([{ suiteId: suite.suiteId, corpId: corp.corpId, first: true }]);
    expect(await instructions.auths.permanentCode(suite.suiteId, corp.corpId)).toBe(emulated.permanentCode);
    expect(filesUnder(dir)).not.toContain(emulated.permanentCode!);

    const kfClient = client.corpClient(corp.corpId, () => instructions.auths.permanentCode(suite.suiteId, corp.corpId));
    expect((await kfClient.listAccounts()).map((a) => a.open_kfid)).toContain(kf);
    // Suite and corp tokens are in the store, for every instance.
    const tokens = new KeyValueRepository<CachedToken>(store, 'kf_tokens');
    expect(await tokens.get(corpTokenKey(suite.suiteId, corp.corpId))).toMatchObject({ value: expect.any(String) });
    expect(await tokens.get(`suite:${suite.suiteId}`)).toMatchObject({ value: expect.any(String) });

    // Another key cannot read it, and says which variable to fix.
    const other = new SuiteAuthRepository(store, new SecretBox(randomBytes(32)));
    await expect(other.permanentCode(suite.suiteId, corp.corpId)).rejects.toThrow(SecretKeyMismatchError);
    await expect(other.permanentCode(suite.suiteId, corp.corpId)).rejects.toThrow(/WECOM_SECRET_KEY/);
  });

  it('saves what change_auth grants now', async () => {
    await pushTicket();
    await install();
    const changed: CorpChangedEvent[] = [];
    instructions.events.on('corpChanged', (e) => changed.push(e));
    const kf2 = emu.addKfAccount(corp.corpId, { name: 'Sales' });
    expect(await emu.provider.changeAuth(corp.corpId, { kfAccounts: [kf, kf2] })).toMatchObject({ delivered: true });
    await instructions.idle();
    expect(await instructions.auths.get(suite.suiteId, corp.corpId)).toMatchObject({ status: 'active', authOpenKfIds: [kf, kf2] });
    expect(changed).toEqual([{ suiteId: suite.suiteId, corpId: corp.corpId, reason: 'change_auth' }]);
  });

  it('exchanges a create_auth delivered twice only once', async () => {
    await pushTicket();
    proxy.loseNextAnswer();
    const { preAuthCode } = await client.getPreAuthCode();
    const installed = emu.provider.authorise(corp.corpId, preAuthCode);
    expect(await installed.delivery).toMatchObject({ delivered: true, attempts: 2 });
    await instructions.idle();
    expect(permanentCodeCalls()).toBe(1);
    expect(authorised).toHaveLength(1);
    expect(await instructions.auths.get(suite.suiteId, corp.corpId)).toMatchObject({ status: 'active' });
  });

  it('exchanges the code the install redirect brings before create_auth, once, then applies the accounts create_auth grants', async () => {
    await pushTicket();
    emu.provider.setUrls(suite.suiteId, { instructionUrl: undefined }); // create_auth is late: the browser comes back first
    const { preAuthCode } = await client.getPreAuthCode();
    const installed = emu.provider.authorise(corp.corpId, preAuthCode, { kfAccounts: [kf] });
    expect(await installed.delivery).toMatchObject({ delivered: false });

    const landing = await fetch(`${base}/api/wecom/suite/installed?auth_code=${encodeURIComponent(installed.authCode)}&state=x`);
    expect(landing.status).toBe(200);
    expect(landing.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await landing.text()).toContain('The app is installed');
    await instructions.idle();
    expect(permanentCodeCalls()).toBe(1);
    expect(authorised).toEqual([{ suiteId: suite.suiteId, corpId: corp.corpId, first: true }]);
    expect(await instructions.auths.get(suite.suiteId, corp.corpId)).toMatchObject({ status: 'active', authOpenKfIds: [] });

    // Now WeCom's create_auth with the same code: not exchanged again, but the account it grants is kept.
    instructions.accept({ kind: 'create_auth', suiteId: suite.suiteId, timestamp: Math.floor(clock.now() / 1000), raw: {}, authCode: installed.authCode, authOpenKfIds: [kf] });
    await instructions.idle();
    expect(permanentCodeCalls()).toBe(1);
    expect(authorised).toHaveLength(1);
    expect(await instructions.auths.get(suite.suiteId, corp.corpId)).toMatchObject({ status: 'active', authOpenKfIds: [kf] });

    // A reload of the page changes nothing.
    expect((await fetch(`${base}/api/wecom/suite/installed?auth_code=${encodeURIComponent(installed.authCode)}`)).status).toBe(200);
    await instructions.idle();
    expect(permanentCodeCalls()).toBe(1);
  });

  it('answers an install redirect without a code with 400 and exchanges nothing', async () => {
    await pushTicket();
    for (const query of ['', '?auth_code=', `?auth_code=${'x'.repeat(513)}`, '?auth_code=a%20b']) {
      const res = await fetch(`${base}/api/wecom/suite/installed${query}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('no authorisation code');
    }
    await instructions.idle();
    expect(permanentCodeCalls()).toBe(0);
  });

  it('marks a cancelled corp, and a re-install keeps its first authorisation time', async () => {
    await pushTicket();
    await install();
    clock.advance(3_600_000);
    expect(await emu.provider.cancel(corp.corpId)).toMatchObject({ delivered: true });
    await instructions.idle();
    expect(await instructions.auths.get(suite.suiteId, corp.corpId)).toMatchObject({ status: 'cancelled' });
    expect(cancelled).toEqual([{ suiteId: suite.suiteId, corpId: corp.corpId }]);

    clock.advance(3_600_000);
    await pushTicket();
    await install();
    const again = await instructions.auths.get(suite.suiteId, corp.corpId);
    expect(again).toMatchObject({ status: 'active', firstAuthorisedAt: new Date(T0) });
    expect(again!.updatedAt.getTime()).toBe(T0 + 2 * 3_600_000);
    expect(authorised.map((e) => e.first)).toEqual([true, false]);
    expect(await instructions.auths.permanentCode(suite.suiteId, corp.corpId)).toBe(emu.provider.authorisation(corp.corpId)!.permanentCode);
  });

  it('replaces the permanent code on reset_permanent_code, and the new one gets corp tokens', async () => {
    await pushTicket();
    await install();
    const old = await instructions.auths.permanentCode(suite.suiteId, corp.corpId);
    const reset = emu.provider.resetPermanentCode(corp.corpId);
    expect(await reset.delivery).toMatchObject({ delivered: true });
    await instructions.idle();
    const fresh = await instructions.auths.permanentCode(suite.suiteId, corp.corpId);
    expect(fresh).not.toBe(old);
    expect(fresh).toBe(emu.provider.authorisation(corp.corpId)!.permanentCode);
    expect((await client.getCorpToken(corp.corpId, fresh)).accessToken).toBeTruthy();
    expect(authorised).toHaveLength(1);
  });

  it('answers success before the slow exchange, and the exchange completes after', async () => {
    await pushTicket();
    emu.faults.inject({ path: 'service/v2/get_permanent_code', fault: { kind: 'delay', ms: 3000 } });
    const { preAuthCode } = await client.getPreAuthCode();
    const installed = emu.provider.authorise(corp.corpId, preAuthCode);
    expect(await installed.delivery).toMatchObject({ delivered: true, attempts: 1, statuses: [200] });
    // WeCom has its `success` while get_permanent_code is still being answered.
    expect(await instructions.auths.get(suite.suiteId, corp.corpId)).toBeNull();
    await instructions.idle();
    expect(await instructions.auths.get(suite.suiteId, corp.corpId)).toMatchObject({ status: 'active' });
    expect(permanentCodeCalls()).toBe(1);
  });

  it('retries a failed exchange without losing the auth code', async () => {
    await pushTicket();
    emu.faults.inject({ path: 'service/v2/get_permanent_code', fault: { kind: 'http_500' } });
    await install();
    expect(await instructions.auths.get(suite.suiteId, corp.corpId)).toMatchObject({ status: 'active' });
    expect(authorised).toHaveLength(1);
    expect(emu.calls.filter((c) => c.path === 'service/v2/get_permanent_code').map((c) => c.httpStatus)).toEqual([500, 200]);
  });

  it('exchanges, after a restart, an auth code that was claimed but never exchanged', async () => {
    await pushTicket();
    emu.provider.setUrls(suite.suiteId, { instructionUrl: undefined });
    const { preAuthCode } = await client.getPreAuthCode();
    const { authCode } = emu.provider.authorise(corp.corpId, preAuthCode);
    // What the process had stored when it died: the code claimed, its exchange not begun.
    expect(await instructions.codes.claim(suite.suiteId, authCode, 'create_auth')).toBe(true);
    await instructions.resume();
    await instructions.idle();
    expect(await instructions.auths.get(suite.suiteId, corp.corpId)).toMatchObject({ status: 'active' });
    expect(permanentCodeCalls()).toBe(1);
  });

  it('refuses a bad signature with 401 and does nothing', async () => {
    const res = await fetch(`${base}/api/wecom/suite?msg_signature=bad&timestamp=${T0 / 1000}&nonce=n`, {
      method: 'POST', body: `<xml><ToUserName><![CDATA[${suite.suiteId}]]></ToUserName><Encrypt><![CDATA[AAAA]]></Encrypt></xml>`,
    });
    expect(res.status).toBe(401);
    await instructions.idle();
    expect(await instructions.tickets.newest(suite.suiteId)).toBeUndefined();
  });
});
