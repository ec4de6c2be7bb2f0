import type { LicenceWarning } from '../../src/licensing';
import { addLicenceYear } from '../../src/licensing/policy';
import { days, iso, openHarness, T0, type Harness } from './harness';

const trialEnd = T0 + days(90);

describe('expiry warnings', () => {
  let h: Harness;
  let sent: LicenceWarning[];
  const open = async (warningDays?: number[]): Promise<void> => {
    h = await openHarness(warningDays ? { warningDays } : undefined);
    sent = [];
    h.licensing.onWarning((_corpId, w) => sent.push(w));
    await h.licensing.recordAuthorisation('ww1');
  };
  afterEach(() => h.close());

  it('warns 30, 7 and 1 days ahead of the trial end, each once, however often the jobs run', async () => {
    await open();
    for (let hour = 0; hour < 24 * 91; hour += 6) await h.advance(days(0.25));
    expect(sent.map((w) => [w.kind, w.daysBefore, iso(w.at)])).toEqual([
      ['trial_ending', 30, iso(trialEnd - days(30))],
      ['trial_ending', 7, iso(trialEnd - days(7))],
      ['trial_ending', 1, iso(trialEnd - days(1))],
    ]);
  });

  it('shows the current warnings in the status until the expiry passes', async () => {
    await open();
    await h.advance(days(61));
    expect((await h.licensing.status('ww1')).warnings).toEqual([
      expect.objectContaining({ kind: 'trial_ending', daysBefore: 30, endsAt: iso(trialEnd), message: expect.stringContaining('ends in 30 day(s)') }),
    ]);
    await h.advance(days(29));
    expect((await h.licensing.status('ww1')).warnings.map((w) => w.kind)).toEqual(['inactive']);
  });

  it('does not warn when the next year is scheduled and funded, and warns with the shortfall when it is not', async () => {
    await open();
    await h.licensing.purchase('ww1', 4);
    for (let d = 0; d < 90; d++) await h.advance(days(1)); // past all three trial thresholds, and activated
    expect(sent).toEqual([]);
    await h.licensing.setAgentCount('ww1', 2); // a next year would need 8; the balance after activation is 0
    const end1 = addLicenceYear(trialEnd);
    await h.advance(end1 - days(30) - h.clock.now());
    expect(sent).toEqual([expect.objectContaining({ kind: 'licence_ending', daysBefore: 30, endsAt: end1 })]);
    expect(sent[0]!.shortBy).toBeUndefined(); // nothing scheduled, no auto-renew: just "it ends"
    await h.licensing.setAutoRenew('ww1', true);
    await h.advance(days(23));
    expect(sent[1]).toMatchObject({ kind: 'licence_ending', daysBefore: 7, shortBy: 8 });
  });

  it('after downtime sends only the most urgent warning, and none for an expiry already past', async () => {
    await open();
    await h.advance(days(88)); // 30 and 7 days ahead were missed: only "7 days" is worth sending now... and 1 day is not due yet
    expect(sent.map((w) => w.daysBefore)).toEqual([7]);
    await h.advance(days(10)); // jumped over the 1-day threshold and the expiry itself
    expect(sent.map((w) => w.daysBefore)).toEqual([7]);
  });

  it('takes the warning days from the policy', async () => {
    await open([10, 2]);
    await h.advance(days(85));
    await h.advance(days(4));
    expect(sent.map((w) => w.daysBefore)).toEqual([10, 2]);
  });
});
