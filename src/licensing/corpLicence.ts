import { addLicenceYear, DAY_MS, type LicensingPolicy } from './policy';

/** What a corp's licence is at a moment. */
export type LicenceStatusName = 'trial' | 'trial_expired' | 'active' | 'expired';

/**
 * One licence year. `scheduled` → `active` (credits deducted) → `ended`; or `scheduled` → `refused`
 * when the credits were short at its start. Times are ms since the epoch.
 */
export interface LicenceYear {
  /** Stable id; the activation's ledger key is derived from it. */
  id: string;
  startsAt: number;
  endsAt: number;
  state: 'scheduled' | 'active' | 'ended' | 'refused';
  /** A purchase scheduled it, or auto-renew did at the end of the previous year. */
  origin: 'purchase' | 'auto_renew';
  /** Set at activation: agents counted and credits deducted then. */
  agents?: number;
  cost?: number;
}

/** Why a corp is not licensed although it tried to be. */
export interface StatusReason {
  code: 'insufficient_credits';
  /** The year that could not start. */
  yearId: string;
  at: number;
  needed: number;
  balance: number;
  agents: number;
}

/** A warning ahead of an expiry, sent once per (expiry, threshold). */
export interface LicenceWarning {
  kind: 'trial_ending' | 'licence_ending';
  /** The threshold that fired (30, 7, 1 by default). */
  daysBefore: number;
  /** The expiry it warns about. */
  endsAt: number;
  /** When it was raised (the threshold time, so a catch-up run stamps it where it belonged). */
  at: number;
  /** Credits still missing for the next year, when one is scheduled or auto-renew is on. */
  shortBy?: number;
}

/**
 * A corp's licence state: one document per corp. The trial anchor is set once, at the first
 * authorisation ever, and never moves.
 */
export interface CorpLicence {
  corpId: string;
  firstAuthorisedAt: number;
  trialEndsAt: number;
  authorised: boolean;
  /** Agents counted when a year activates. Default 1; set by the channel layer. */
  agentCount: number;
  autoRenew: boolean;
  /** In start order. */
  years: LicenceYear[];
  /** The status as of the last job pass (the jobs move it; `statusAt` recomputes it for any time). */
  status: LicenceStatusName;
  /** Traffic passes while `now < validUntil`: the end of the trial or of the last activated year. */
  validUntil: number;
  /** The earliest time a job must look at this corp again; null when nothing can happen by time alone. */
  nextDueAt: number | null;
  /** `${endsAt}:${daysBefore}` of every warning threshold already handled (sent or skipped). */
  warningsHandled: string[];
  /** Warnings sent for the current expiry. */
  warnings: LicenceWarning[];
  reason: StatusReason | null;
}

/**
 * The licence of a corp authorised for the first time at `now`: a trial of `policy.trialDays`
 * 24-hour days, ending (exclusive) at `now + trialDays × 24 h`.
 */
export function newCorpLicence(corpId: string, now: number, policy: LicensingPolicy): CorpLicence {
  const trialEndsAt = now + policy.trialDays * DAY_MS;
  return {
    corpId,
    firstAuthorisedAt: now,
    trialEndsAt,
    authorised: true,
    agentCount: 1,
    autoRenew: false,
    years: [],
    status: 'trial',
    validUntil: trialEndsAt,
    nextDueAt: null, // filled by the caller with nextEventAt(), which needs the policy's warnings
    warningsHandled: [],
    warnings: [],
    reason: null,
  };
}

/** The status at `t` from the years' states (activation is the jobs' business) and the clock. */
export function statusAt(licence: CorpLicence, t: number): LicenceStatusName {
  if (activeYearAt(licence, t)) return 'active';
  if (t < licence.trialEndsAt) return 'trial';
  return licence.years.some((y) => y.state === 'active' || y.state === 'ended') ? 'expired' : 'trial_expired';
}

/** The activated year covering `t`, if any. */
export function activeYearAt(licence: CorpLicence, t: number): LicenceYear | undefined {
  return licence.years.find((y) => y.state === 'active' && y.startsAt <= t && t < y.endsAt);
}

/** The end of the trial or of the last activated year, whichever is later. */
export function validUntilOf(licence: CorpLicence): number {
  let until = licence.trialEndsAt;
  for (const y of licence.years) if (y.state === 'active' || y.state === 'ended') until = Math.max(until, y.endsAt);
  return until;
}

/**
 * When a new purchase's year starts: at the end of the last active or scheduled year; else at the
 * end of the trial while it runs; else now (after expiry).
 */
export function nextYearStart(licence: CorpLicence, now: number): number {
  const pending = licence.years.filter((y) => y.state === 'scheduled' || (y.state === 'active' && y.endsAt > now));
  if (pending.length > 0) return Math.max(...pending.map((y) => y.endsAt));
  return now < licence.trialEndsAt ? licence.trialEndsAt : now;
}

/** A new scheduled year starting at `startsAt`. */
export function scheduledYear(id: string, startsAt: number, origin: LicenceYear['origin']): LicenceYear {
  return { id, startsAt, endsAt: addLicenceYear(startsAt), state: 'scheduled', origin };
}

/** Days left in the trial at `now`: whole 24-hour days rounded up (90 at authorisation, 1 in the last 24 h, 0 after). */
export function trialDaysLeft(licence: CorpLicence, now: number): number {
  return Math.max(0, Math.ceil((licence.trialEndsAt - now) / DAY_MS));
}
