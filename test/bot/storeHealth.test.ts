/**
 * Store faults are loud: `/healthz` reflects whether the store can read and write, a callback is
 * answered 200 only once its wake-up is stored, and what goes wrong is logged at error level with the
 * file it concerns. The app runs in-process against the emulator, on a real embedded store.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { capturingLogger } from '../support/capturingLogger';
import { openStore, StoreCorruptError } from '../../src/store';
import { WeComAdapter } from '../../src/botbuilder';
import { eventually } from '../support/e2e';
import { appRig, type AppRig } from './appRig';

const ERROR = 50;

describe('/healthz reflects the store; store faults are loud', () => {
  let rig: AppRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('answers 200 with the store kind while the store reads and writes', async () => {
    rig = await appRig();
    expect(await rig.call('GET', '/healthz')).toEqual({ status: 200, json: { status: 'ok', mode: 'self-built', store: 'embedded' } });
  });

  it('a DATA_DIR that refuses writes (full disk) answers 503 with the reason, and 200 once writes work again', async () => {
    rig = await appRig();
    const probeTmp = path.join(rig.dataDir, 'store.probe~');
    // The probe's temporary file points at /dev/full, where every write fails with ENOSPC, as on a full disk.
    fs.symlinkSync('/dev/full', probeTmp);
    await eventually(async () => {
      const res = await rig!.call('GET', '/healthz');
      expect(res).toMatchObject({ status: 503, json: { status: 'unhealthy', store: 'embedded', reason: expect.stringContaining('ENOSPC') } });
    });
    fs.rmSync(probeTmp);
    await eventually(async () => expect((await rig!.call('GET', '/healthz')).status).toBe(200));
  });

  const runsAsRoot = process.getuid?.() === 0;
  (runsAsRoot ? it.skip : it)('a read-only DATA_DIR answers 503 (skipped as root, whom chmod does not stop; the full-disk case covers root)', async () => {
    rig = await appRig();
    fs.chmodSync(rig.dataDir, 0o500);
    try {
      await eventually(async () => expect(await rig!.call('GET', '/healthz')).toMatchObject({ status: 503, json: { status: 'unhealthy', reason: expect.stringContaining('EACCES') } }));
    } finally {
      fs.chmodSync(rig.dataDir, 0o700);
    }
  });

  it('a cursor file the disk refuses: callbacks get 500 (WeCom retries), /healthz 503 naming the file, error logs; all recover once it is back', async () => {
    const { logger, lines } = capturingLogger();
    // A DATA_DIR of the nedb engine (a datafile is there), whose per-collection files this fault needs;
    // the SQLite engine's refused commits are tested in test/store/sqliteFiles.test.ts.
    rig = await appRig({ logger, seedDataDir: (dir) => fs.writeFileSync(path.join(dir, 'kf_cursors.db'), '') });
    const alice = rig.emu.customer(rig.corp.corpId, rig.kf);
    const first = await alice.sendText('hello');
    expect(await first.delivery).toMatchObject({ delivered: true });
    await rig.adapter.idle();

    // The cursor file becomes something no write can reach (a folder in its place).
    const file = path.join(rig.dataDir, 'kf_cursors.db');
    fs.renameSync(file, `${file}.saved`);
    fs.mkdirSync(file);

    const refused = await alice.sendText('are you there?');
    const report = await refused.delivery;
    expect(report.delivered).toBe(false);
    expect(report.statuses.every((s) => s === 500)).toBe(true); // never 200 without the wake-up stored
    const health = await rig.call('GET', '/healthz');
    expect(health).toMatchObject({ status: 503, json: { status: 'unhealthy', reason: expect.stringContaining(file) } });
    expect(lines.some((l) => l.level === ERROR && l.msg === 'callback refused')).toBe(true);
    expect(lines.some((l) => l.level === ERROR && l.msg.includes(file) && l.msg.includes('EISDIR'))).toBe(true); // the store's own, once

    fs.rmdirSync(file);
    fs.renameSync(`${file}.saved`, file);
    const again = await alice.sendText('hello again');
    expect(await again.delivery).toMatchObject({ delivered: true });
    await eventually(async () => expect((await rig!.call('GET', '/healthz')).status).toBe(200));
    // WeCom keeps the refused message: the pull after the next callback brings it in, in order.
    await eventually(async () => {
      await rig!.adapter.idle();
      const texts = rig!.emu.received(rig!.corp.corpId, alice.externalUserId).map((m) => (m.payload as { content?: string }).content);
      expect(texts.filter((t) => t?.includes('are you there?'))).toHaveLength(1);
    }, 10_000);
  });

  it('a corrupt inbox file stops the start with an error that names the file and says what to do', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-corrupt-'));
    const file = path.join(dataDir, 'kf_inbox.db');
    fs.writeFileSync(file, '{"_id":"m1","msgid":"m1"}\n{not json\n');
    const store = await openStore({ dataDir });
    const adapter = new WeComAdapter({ corpId: 'ww-test', secret: 's', token: 't', encodingAesKey: 'a'.repeat(43), store, autoStart: false });
    try {
      const started = adapter.ready();
      await expect(started).rejects.toBeInstanceOf(StoreCorruptError);
      await expect(started).rejects.toThrow(file);
      await expect(started).rejects.toThrow(/Restore it from a backup/);
      expect(await store.check()).toMatchObject({ ok: false, reason: expect.stringContaining(file) });
      expect(fs.readFileSync(file, 'utf8')).toBe('{"_id":"m1","msgid":"m1"}\n{not json\n'); // left as it was
    } finally {
      await adapter.close();
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
