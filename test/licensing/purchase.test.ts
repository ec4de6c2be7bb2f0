import { addLicenceYear } from '../../src/licensing/policy';
import { days, iso, openHarness, T0, type Harness } from './harness';

const trialEnd = T0 + days(90);

describe('purchases', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness();
    await h.licensing.recordAuthorisation('ww1');
  });
  afterEach(() => h.close());

  it('during the trial: schedules a year from the trial end and deducts the credits only then', async () => {
    await h.advance(days(10));
    const { year, status } = await h.licensing.purchase('ww1', 4);
    expect(year).toMatchObject({ startsAt: iso(trialEnd), endsAt: iso(addLicenceYear(trialEnd)) });
    expect(status).toMatchObject({ status: 'trial', creditBalance: 4, schedule: [{ state: 'scheduled', origin: 'purchase' }] });

    await h.advance(trialEnd - h.clock.now());
    expect(await h.licensing.status('ww1')).toMatchObject({ status: 'active', valid: true, creditBalance: 0, activeUntil: iso(addLicenceYear(trialEnd)) });
    expect(h.transitions.map((t) => [t.from, t.to, iso(t.at)])).toEqual([['trial', 'active', iso(trialEnd)]]);
    expect((await h.licensing.ledgerEntries('ww1')).map((e) => [e.kind, e.credits])).toEqual([['purchase', 4], ['activation', -4]]);
  });

  it('during an active licence: schedules the next year from its end, and traffic never stops', async () => {
    await h.licensing.purchase('ww1', 4);
    await h.advance(days(100)); // active since day 90
    const end1 = addLicenceYear(trialEnd);
    const { year } = await h.licensing.purchase('ww1', 4);
    expect(year.startsAt).toBe(iso(end1));
    await h.advance(end1 - h.clock.now());
    expect(await h.licensing.status('ww1')).toMatchObject({ status: 'active', activeUntil: iso(addLicenceYear(end1)), creditBalance: 0 });
    expect(h.transitions.map((t) => t.to)).toEqual(['active']); // active → active is no change
  });

  it('two purchases during the trial schedule two consecutive years', async () => {
    await h.licensing.purchase('ww1', 4);
    const second = await h.licensing.purchase('ww1', 4);
    const end1 = addLicenceYear(trialEnd);
    expect(second.year).toMatchObject({ startsAt: iso(end1), endsAt: iso(addLicenceYear(end1)) });
    expect(second.status.schedule.map((y) => [y.startsAt, y.endsAt])).toEqual([
      [iso(trialEnd), iso(end1)],
      [iso(end1), iso(addLicenceYear(end1))],
    ]);
    expect(second.status.creditBalance).toBe(8);
  });

  it('after expiry: the year starts at once and the purchase returns an active licence', async () => {
    await h.advance(days(120));
    expect(await h.licensing.isValid('ww1')).toBe(false);
    const { year, status } = await h.licensing.purchase('ww1', 4);
    expect(year.startsAt).toBe(iso(T0 + days(120)));
    expect(status).toMatchObject({ status: 'active', valid: true, creditBalance: 0, activeUntil: iso(addLicenceYear(T0 + days(120))) });
    expect(await h.licensing.isValid('ww1')).toBe(true);
    expect(h.transitions.map((t) => t.to)).toEqual(['trial_expired', 'active']);
  });

  it.each([
    [3, 'fewer than 4'],
    [4.5, 'a fraction'],
    [-4, 'negative'],
    [0, 'zero'],
    [Number.NaN, 'not a number'],
    [Number.POSITIVE_INFINITY, 'infinite'],
  ])('refuses %p credits (%s) and records nothing', async (credits) => {
    await expect(h.licensing.purchase('ww1', credits)).rejects.toMatchObject({ name: 'InvalidPurchaseError', code: 'invalid_purchase', minimum: 4 });
    expect(await h.licensing.ledgerEntries('ww1')).toEqual([]);
    expect((await h.licensing.status('ww1')).schedule).toEqual([]);
  });

  it('accepts the minimum, and any whole number above it, as one year each', async () => {
    await h.licensing.purchase('ww1', 4);
    const { status } = await h.licensing.purchase('ww1', 7);
    expect(status.creditBalance).toBe(11);
    expect(status.schedule).toHaveLength(2);
  });

  it('with an idempotency key, a repeated purchase records nothing new', async () => {
    const first = await h.licensing.purchase('ww1', 8, 'order-1');
    const again = await h.licensing.purchase('ww1', 8, 'order-1');
    expect(again).toMatchObject({ duplicate: true, year: first.year });
    expect(again.status.creditBalance).toBe(8);
    expect(again.status.schedule).toHaveLength(1);
  });
});
