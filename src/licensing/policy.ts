/** 24 hours in milliseconds: the unit of the trial and of warnings (not a calendar day). */
export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The commercial rules, as numbers. The defaults are the product's (docs/product.md § Licensing);
 * tests and staging may shorten the warning days, never the prices.
 */
export interface LicensingPolicy {
  /** Trial length in 24-hour days from the first authorisation. Default 90. */
  trialDays: number;
  /** IM credits per agent per licence year. Default 4 (¥50). */
  creditsPerAgentYear: number;
  /** Smallest purchase, in whole credits. Default 4. */
  minPurchaseCredits: number;
  /** Largest purchase, in whole credits: a typo of a few digits is refused, not billed. Default 100 000 (25 000 agent-years). */
  maxPurchaseCredits: number;
  /** Days ahead of an expiry at which a warning is sent, each once. Default `[30, 7, 1]`. */
  warningDays: readonly number[];
}

export const defaultPolicy: Readonly<LicensingPolicy> = Object.freeze({
  trialDays: 90,
  creditsPerAgentYear: 4,
  minPurchaseCredits: 4,
  maxPurchaseCredits: 100_000,
  warningDays: Object.freeze([30, 7, 1]),
});

/** Fills the defaults and sorts warning days from the earliest (largest) to the most urgent. */
export function resolvePolicy(partial: Partial<LicensingPolicy> = {}): LicensingPolicy {
  const warningDays = [...new Set(partial.warningDays ?? defaultPolicy.warningDays)].sort((a, b) => b - a);
  for (const d of warningDays) {
    if (!(d > 0) || !Number.isFinite(d)) throw new RangeError(`warning days must be positive numbers, got ${d}`);
  }
  return { ...defaultPolicy, ...partial, warningDays };
}

/**
 * The end of a licence year that starts at `startsAt`: the same UTC date and time one year later
 * (a calendar year, so "active until" reads as the purchase's date; 29 February rolls to 1 March).
 *
 * @example
 * addLicenceYear(Date.UTC(2027, 2, 14)) === Date.UTC(2028, 2, 14)
 */
export function addLicenceYear(startsAt: number): number {
  const d = new Date(startsAt);
  return Date.UTC(d.getUTCFullYear() + 1, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** Credits one licence year costs for `agents` agents; a corp always pays for at least one agent. */
export function yearCost(policy: LicensingPolicy, agents: number): number {
  return policy.creditsPerAgentYear * Math.max(1, agents);
}
