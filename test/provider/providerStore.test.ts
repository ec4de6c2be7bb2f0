/** The provider documents on the embedded store: sealing, newest-ticket rule, auth-code dedupe. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/common';
import { AuthCodeRepository, SecretBox, SecretKeyMismatchError, SuiteAuthRepository, SuiteTicketRepository } from '../../src/provider';
import { openStore, type Store } from '../../src/store';
import { appRig } from '../bot/appRig';

const T0 = Date.UTC(2026, 0, 1, 8);

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, and never seals the same way twice', () => {
    const a = box.seal('permanent-code-1');
    expect(box.open(a)).toBe('permanent-code-1');
    expect(box.seal('permanent-code-1')).not.toBe(a);
    expect(a).not.toContain('permanent-code-1');
  });

  it('refuses an altered value or another key with an error naming WECOM_SECRET_KEY', () => {
    const sealed = box.seal('permanent-code-1');
    const bytes = Buffer.from(sealed.slice(3), 'base64');
    bytes[bytes.length - 1] ^= 1;
    expect(() => box.open(`v1:${bytes.toString('base64')}`)).toThrow(SecretKeyMismatchError);
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow(/WECOM_SECRET_KEY/);
    expect(() => box.open('plain-text')).toThrow(SecretKeyMismatchError);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('provider repositories', () => {
  let dir: string;
  let clock: ManualClock;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'provider-store-'));
    clock = new ManualClock(T0);
    store = await openStore({ dataDir: dir, clock });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the newest ticket per suite, by the callback timestamp, whatever the arrival order', async () => {
    const tickets = new SuiteTicketRepository(store);
    expect(await tickets.save('suiteA', 'ticket-2', T0 + 600_000)).toBe(true);
    expect(await tickets.save('suiteA', 'ticket-1', T0)).toBe(false);
    expect(await tickets.save('suiteB', 'ticket-b', T0)).toBe(true);
    expect(await tickets.newest('suiteA')).toBe('ticket-2');
    expect(await tickets.newest('suiteB')).toBe('ticket-b');
    expect(await tickets.save('suiteA', 'ticket-3', T0 + 1_200_000)).toBe(true);
    expect(await tickets.source('suiteA')()).toBe('ticket-3');
    clock.advance(30 * 60_000);
    expect(await tickets.newest('suiteA')).toBeUndefined();
  });

  it('claims an auth code once, and forgets it after 10 minutes', async () => {
    const codes = new AuthCodeRepository(store);
    expect(await codes.claim('suiteA', 'code1', 'create_auth')).toBe(true);
    expect(await codes.claim('suiteA', 'code1', 'create_auth')).toBe(false);
    expect(await codes.claim('suiteB', 'code1', 'create_auth')).toBe(true);
    expect((await codes.pending('suiteA')).map((c) => c.authCode)).toEqual(['code1']);
    await codes.exchanged('suiteA', 'code1', 'wwCorpA');
    expect(await codes.corpOf('suiteA', 'code1')).toBe('wwCorpA');
    expect(await codes.attempt('suiteA', 'code1')).toBeNull();
    expect(await codes.pending('suiteA')).toEqual([]);
    clock.advance(600_000);
    expect(await codes.pending('suiteB')).toEqual([]);
  });

  it('keeps corp ids apart by case, and one authorisation per (suite, corp)', async () => {
    const auths = new SuiteAuthRepository(store, new SecretBox(randomBytes(32)));
    expect(await auths.authorised('suiteA', 'wwAbc', { permanentCode: 'p1' })).toEqual({ first: true });
    expect(await auths.authorised('suiteA', 'wwabc', { permanentCode: 'p2' })).toEqual({ first: true });
    expect(await auths.authorised('suiteA', 'wwAbc', { permanentCode: 'p3' })).toEqual({ first: false });
    expect(await auths.permanentCode('suiteA', 'wwAbc')).toBe('p3');
    expect(await auths.permanentCode('suiteA', 'wwabc')).toBe('p2');
    expect(await auths.cancelled('suiteA', 'wwAbc')).toBe(true);
    expect(await auths.cancelled('suiteA', 'wwAbc')).toBe(false);
    await expect(auths.permanentCode('suiteB', 'wwAbc')).rejects.toThrow(RangeError);
  });
});

describe('the instruction URL without provider settings', () => {
  it('still answers 501, and so does the install redirect', async () => {
    const rig = await appRig();
    try {
      const res = await fetch(`${rig.url}/api/wecom/suite`, { method: 'POST', body: '<xml/>' });
      expect(res.status).toBe(501);
      expect(await res.json()).toMatchObject({ error: { code: 'provider_mode_unavailable' } });
      const redirect = await fetch(`${rig.url}/api/wecom/suite/installed?auth_code=abc`);
      expect(redirect.status).toBe(501);
    } finally {
      await rig.close();
    }
  });
});
