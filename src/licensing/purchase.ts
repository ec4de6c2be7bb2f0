import { nextYearStart, scheduledYear, type CorpLicence, type LicenceYear } from './corpLicence';
import { InvalidPurchaseError } from './errors';
import type { LicensingPolicy } from './policy';

/**
 * Throws {@link InvalidPurchaseError} unless `credits` is a whole number of at least the minimum.
 *
 * @example
 * assertValidPurchase(4, policy);   // ok
 * assertValidPurchase(4.5, policy); // throws: whole credits only
 */
export function assertValidPurchase(credits: unknown, policy: LicensingPolicy): asserts credits is number {
  if (typeof credits !== 'number' || !Number.isSafeInteger(credits) || credits < policy.minPurchaseCredits || credits > policy.maxPurchaseCredits) {
    throw new InvalidPurchaseError(credits, policy.minPurchaseCredits, policy.maxPurchaseCredits);
  }
}

/**
 * The licence with the year a purchase schedules: it starts when the trial ends (during the trial),
 * when the last active or scheduled year ends, or now (after expiry). Each purchase schedules one
 * year, whatever its size: extra credits stay in the balance for later activations.
 * Idempotent: a year with this id already in the schedule is not added again.
 */
export function withPurchasedYear(licence: CorpLicence, yearId: string, now: number): { licence: CorpLicence; year: LicenceYear } {
  const existing = licence.years.find((y) => y.id === yearId);
  if (existing) return { licence, year: existing };
  const year = scheduledYear(yearId, nextYearStart(licence, now), 'purchase');
  return { licence: { ...licence, years: [...licence.years, year] }, year };
}
