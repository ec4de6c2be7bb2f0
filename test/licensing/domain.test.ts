import { advance } from '../../src/licensing/advance';
import { newCorpLicence, nextYearStart, statusAt, trialDaysLeft } from '../../src/licensing/corpLicence';
import { addLicenceYear, resolvePolicy } from '../../src/licensing/policy';
import { withPurchasedYear } from '../../src/licensing/purchase';
import { days, T0 } from './harness';

// The rules alone: no store, no clock, only `now`.
const policy = resolvePolicy();

describe('licence rules', () => {
  it('a licence year is a calendar year in UTC; 29 February rolls to 1 March', () => {
    expect(addLicenceYear(Date.UTC(2027, 2, 14, 9, 30))).toBe(Date.UTC(2028, 2, 14, 9, 30));
    expect(addLicenceYear(Date.UTC(2028, 1, 29))).toBe(Date.UTC(2029, 2, 1));
  });

  it('days left: 90 at the anchor, 1 in the last 24 hours, 0 at the end', () => {
    const l = newCorpLicence('ww1', T0, policy);
    expect(trialDaysLeft(l, T0)).toBe(90);
    expect(trialDaysLeft(l, T0 + days(89) + 1)).toBe(1);
    expect(trialDaysLeft(l, T0 + days(90))).toBe(0);
    expect(statusAt(l, T0 + days(90) - 1)).toBe('trial');
    expect(statusAt(l, T0 + days(90))).toBe('trial_expired');
  });

  it('a purchase starts at the trial end, after the last year, or now after expiry', () => {
    const l = newCorpLicence('ww1', T0, policy);
    expect(nextYearStart(l, T0 + days(3))).toBe(T0 + days(90));
    const one = withPurchasedYear(l, 'p1', T0).licence;
    expect(nextYearStart(one, T0 + days(3))).toBe(addLicenceYear(T0 + days(90)));
    expect(nextYearStart(l, T0 + days(100))).toBe(T0 + days(100));
  });

  it('the same purchase id schedules one year, however often it is applied', () => {
    const l = withPurchasedYear(newCorpLicence('ww1', T0, policy), 'p1', T0).licence;
    expect(withPurchasedYear(l, 'p1', T0 + days(1)).licence.years).toHaveLength(1);
  });

  it('advance is pure: same input, same output, input untouched', () => {
    const l = withPurchasedYear(newCorpLicence('ww1', T0, policy), 'p1', T0).licence;
    const snapshot = JSON.stringify(l);
    const ledger = [{ key: 'k', corpId: 'ww1', kind: 'purchase' as const, credits: 4, at: T0 }];
    const a = advance(l, ledger, T0 + days(91), policy);
    const b = advance(l, ledger, T0 + days(91), policy);
    expect(a).toEqual(b);
    expect(JSON.stringify(l)).toBe(snapshot);
    expect(a.entries).toEqual([expect.objectContaining({ kind: 'activation', credits: -4, at: T0 + days(90), key: 'activation|p1' })]);
    expect(a.licence).toMatchObject({ status: 'active', validUntil: addLicenceYear(T0 + days(90)) });
  });
});
