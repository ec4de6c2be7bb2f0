import { LicensingScheduler, type DueRunResult } from '../../src/licensing';
import { ledgerKeys } from '../../src/licensing/ledger';
import { LedgerRepository } from '../../src/licensing/ledgerRepository';
import { addLicenceYear } from '../../src/licensing/policy';
import { days, iso, openHarness, T0, type Harness } from './harness';

const trialEnd = T0 + days(90);
const end1 = addLicenceYear(trialEnd);
const end2 = addLicenceYear(end1);

describe('licensing jobs', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness();
  });
  afterEach(() => h.close());

  const deductions = async (corpId: string): Promise<number[]> =>
    (await h.licensing.ledgerEntries(corpId)).filter((e) => e.kind === 'activation').map((e) => e.credits);

  it('run twice, changes state once', async () => {
    await h.licensing.recordAuthorisation('ww1');
    await h.licensing.purchase('ww1', 4);
    h.clock.advance(days(90));
    const first = await h.licensing.runDueJobs();
    const second = await h.licensing.runDueJobs();
    expect(first).toMatchObject({ ran: true, corps: 1, entries: 1, failures: 0 });
    expect(second).toMatchObject({ ran: true, corps: 0, entries: 0 });
    expect(await deductions('ww1')).toEqual([-4]);
    expect(h.transitions).toHaveLength(1);
  });

  it('two schedulers on one store at once: one runs, the ledger shows one deduction per corp', async () => {
    const corps = Array.from({ length: 20 }, (_, i) => `ww${i}`);
    for (const c of corps) {
      await h.licensing.recordAuthorisation(c);
      await h.licensing.purchase(c, 4);
    }
    const other = await h.another();
    const otherTransitions: string[] = [];
    other.onStatusChange((corpId) => otherTransitions.push(corpId));
    h.clock.advance(days(90));
    const results = await Promise.all([h.licensing.runDueJobs(), other.runDueJobs(), h.licensing.runDueJobs()]);
    expect(results.filter((r) => r.ran)).toHaveLength(1);
    expect(results.reduce((n, r) => n + r.corps, 0)).toBe(20);
    await Promise.all([h.licensing.runDueJobs(), other.runDueJobs()]); // and again, later: nothing left
    for (const c of corps) expect(await deductions(c)).toEqual([-4]);
    expect(h.transitions.length + otherTransitions.length).toBe(20); // each change announced once
  });

  it('a pass interrupted after its ledger write does not deduct again when replayed', async () => {
    await h.licensing.recordAuthorisation('ww1');
    const { year } = await h.licensing.purchase('ww1', 4);
    // What a crash between the ledger append and the licence update leaves behind:
    await new LedgerRepository(h.store).append({ key: ledgerKeys.activation(year.id), corpId: 'ww1', kind: 'activation', credits: -4, at: trialEnd, yearId: year.id, agents: 1 });
    await h.advance(days(90));
    expect(await deductions('ww1')).toEqual([-4]);
    // The replay sees the balance already at 0 and must still know the year is paid, not refuse it.
    expect(await h.licensing.status('ww1')).toMatchObject({ status: 'active', creditBalance: 0 });
  });

  it('catches up over a clock jump across several periods: each year at its own start, then expiry', async () => {
    await h.licensing.recordAuthorisation('ww1');
    await h.licensing.purchase('ww1', 4);
    await h.licensing.purchase('ww1', 4);
    const run = await h.advance(end2 + days(10) - T0); // two years of downtime
    expect(run.transitions.map((t) => [t.from, t.to, iso(t.at)])).toEqual([
      ['trial', 'active', iso(trialEnd)],
      ['active', 'expired', iso(end2)],
    ]);
    expect((await h.licensing.ledgerEntries('ww1')).filter((e) => e.kind === 'activation').map((e) => iso(e.at))).toEqual([iso(trialEnd), iso(end1)]);
    const view = await h.licensing.status('ww1');
    expect(view).toMatchObject({ status: 'expired', valid: false, creditBalance: 0 });
    expect(view.schedule.map((y) => y.state)).toEqual(['ended', 'ended']);
  });

  it('a jump into the second year leaves it active until its own end', async () => {
    await h.licensing.recordAuthorisation('ww1');
    await h.licensing.purchase('ww1', 4);
    await h.licensing.purchase('ww1', 4);
    await h.advance(end1 + days(3) - T0);
    expect(await h.licensing.status('ww1')).toMatchObject({ status: 'active', activeUntil: iso(end2), creditBalance: 0 });
    expect(await h.licensing.isValid('ww1')).toBe(true);
  });
});

describe('LicensingScheduler', () => {
  const result: DueRunResult = { ran: true, now: 0, corps: 0, entries: 0, transitions: [], warnings: 0, failures: 0 };

  it('runs once at start-up to catch up, then on its cron schedule', async () => {
    let runs = 0;
    const scheduler = new LicensingScheduler({ runDueJobs: async () => (runs++, result) }, { schedule: '* * * * * *' });
    await scheduler.start();
    expect(runs).toBe(1);
    expect(scheduler.nextRun()).toBeInstanceOf(Date);
    await new Promise((r) => setTimeout(r, 1100));
    await scheduler.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(scheduler.nextRun()).toBeNull();
  });

  it('stopped while its start-up run is still going, it never starts the schedule (nothing outlives the adapter)', async () => {
    let finishRun: (r: DueRunResult) => void = () => undefined;
    const scheduler = new LicensingScheduler({ runDueJobs: () => new Promise<DueRunResult>((resolve) => (finishRun = resolve)) }, { schedule: '* * * * * *' });
    const started = scheduler.start();
    await scheduler.stop();
    finishRun(result);
    await started;
    expect(scheduler.nextRun()).toBeNull();
  });

  it('survives a failing run', async () => {
    const scheduler = new LicensingScheduler({ runDueJobs: () => Promise.reject(new Error('store down')) }, { schedule: '0 0 * * *' });
    await expect(scheduler.start()).resolves.toBeUndefined();
    await scheduler.stop();
  });

  it('refuses an invalid schedule with a ConfigError', () => {
    expect(() => new LicensingScheduler({ runDueJobs: async () => result }, { schedule: 'every day' })).toThrow(
      expect.objectContaining({ code: 'config_invalid', variable: 'LICENSING_CRON' }),
    );
  });
});
