import { days, iso, openHarness, T0, type Harness } from './harness';

describe('trial', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness();
  });
  afterEach(() => h.close());

  it("keeps the first authorisation as the anchor: day 1 authorise, day 50 remove, day 70 re-authorise → 20 days left", async () => {
    await h.licensing.recordAuthorisation('ww1');
    await h.advance(days(50));
    await h.licensing.recordDeauthorisation('ww1');
    await h.advance(days(20));
    const view = await h.licensing.recordAuthorisation('ww1');
    expect(view).toMatchObject({ status: 'trial', daysLeft: 20, valid: true, authorised: true, trialEndsAt: iso(T0 + days(90)) });
  });

  it('counts days left as whole 24-hour days rounded up, and ends exactly 90 × 24 h after the anchor', async () => {
    expect(await h.licensing.recordAuthorisation('ww1')).toMatchObject({ status: 'trial', daysLeft: 90 });
    await h.advance(days(89) + 1);
    expect(await h.licensing.status('ww1')).toMatchObject({ status: 'trial', daysLeft: 1, valid: true });
    await h.advance(days(1) - 2);
    expect(await h.licensing.isValid('ww1')).toBe(true);
    await h.advance(1);
    expect(await h.licensing.isValid('ww1')).toBe(false);
    expect(await h.licensing.status('ww1')).toMatchObject({ status: 'trial_expired', valid: false, reason: { code: 'no_licence' } });
  });

  it('blocks at the trial end even before a job runs, and the job announces trial → trial_expired once', async () => {
    await h.licensing.recordAuthorisation('ww1');
    expect(await h.licensing.isValid('ww1')).toBe(true); // cached as valid until the trial end...
    h.clock.advance(days(90));
    expect(await h.licensing.isValid('ww1')).toBe(false); // ...and not one millisecond beyond
    await h.licensing.runDueJobs();
    await h.licensing.runDueJobs();
    expect(h.transitions).toEqual([{ corpId: 'ww1', from: 'trial', to: 'trial_expired', at: T0 + days(90) }]);
  });

  it('rejects sends with LicenceInactiveError after the trial, with a hint to buy credits', async () => {
    await h.licensing.recordAuthorisation('ww1');
    await expect(h.licensing.assertValid('ww1')).resolves.toBeUndefined();
    await h.advance(days(91));
    await expect(h.licensing.assertValid('ww1')).rejects.toMatchObject({
      name: 'LicenceInactiveError',
      code: 'licence_inactive',
      corpId: 'ww1',
      status: 'trial_expired',
      hint: expect.stringContaining('credits'),
    });
  });

  it('knows no licence for a corp that never authorised', async () => {
    expect(await h.licensing.isValid('nobody')).toBe(false);
    await expect(h.licensing.status('nobody')).rejects.toMatchObject({ code: 'unknown_corp', corpId: 'nobody' });
    await expect(h.licensing.purchase('nobody', 4)).rejects.toMatchObject({ code: 'unknown_corp' });
    await expect(h.licensing.setAutoRenew('nobody', true)).rejects.toMatchObject({ code: 'unknown_corp' });
  });
});
