import type { CorpLicence, LicenceWarning } from './corpLicence';
import { DAY_MS, yearCost, type LicensingPolicy } from './policy';

/** The expiry the warnings are about, from the state: the active year's end, else the trial's end while it runs. */
export function upcomingExpiry(licence: CorpLicence): { kind: LicenceWarning['kind']; endsAt: number } | undefined {
  const active = licence.years.find((y) => y.state === 'active');
  if (active) return { kind: 'licence_ending', endsAt: active.endsAt };
  if (licence.status === 'trial') return { kind: 'trial_ending', endsAt: licence.trialEndsAt };
  return undefined;
}

export const warningKey = (endsAt: number, daysBefore: number): string => `${endsAt}:${daysBefore}`;

/** The next warning threshold not yet handled, as `{ at, daysBefore }`. */
export function nextWarning(licence: CorpLicence, policy: LicensingPolicy): { at: number; daysBefore: number } | undefined {
  const expiry = upcomingExpiry(licence);
  if (!expiry) return undefined;
  // warningDays is sorted from the largest, so the first unhandled one is the earliest in time.
  const d = policy.warningDays.find((days) => !licence.warningsHandled.includes(warningKey(expiry.endsAt, days)));
  return d === undefined ? undefined : { at: expiry.endsAt - d * DAY_MS, daysBefore: d };
}

/**
 * Whether the warning at a threshold should be sent, given the balance then. A warning is sent when
 * the expiry will really cut traffic: no next year is scheduled (and auto-renew cannot fund one),
 * or the next year's credits are short. `shortBy` says how many credits are missing.
 */
export function warningNeeded(licence: CorpLicence, balance: number, policy: LicensingPolicy): { needed: boolean; shortBy?: number } {
  const cost = yearCost(policy, licence.agentCount);
  const next = licence.years.find((y) => y.state === 'scheduled');
  const expiry = upcomingExpiry(licence);
  const renews = next !== undefined || (licence.autoRenew && expiry?.kind === 'licence_ending');
  if (!renews) return { needed: true };
  return balance >= cost ? { needed: false } : { needed: true, shortBy: cost - balance };
}
