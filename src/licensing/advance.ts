import { scheduledYear, statusAt, validUntilOf, type CorpLicence, type LicenceStatusName, type LicenceWarning, type LicenceYear } from './corpLicence';
import { balanceOf, ledgerKeys, type LedgerEntry } from './ledger';
import { DAY_MS, addLicenceYear, yearCost, type LicensingPolicy } from './policy';
import { nextWarning, upcomingExpiry, warningKey, warningNeeded } from './warnings';

/** A status change, stamped with the moment it happened (not with when the job noticed). */
export interface StatusTransition {
  corpId: string;
  from: LicenceStatusName;
  to: LicenceStatusName;
  at: number;
}

export interface AdvanceResult {
  /** The new state (the input is not modified). */
  licence: CorpLicence;
  /** Ledger entries to append, in order. Their keys make a second append a no-op. */
  entries: LedgerEntry[];
  transitions: StatusTransition[];
  /** Warnings raised in this pass. */
  warnings: LicenceWarning[];
}

/** Id of the year auto-renew schedules at `startsAt`. */
export const autoRenewYearId = (corpId: string, startsAt: number): string => `auto|${corpId}|${startsAt}`;

/**
 * The earliest moment something happens to this licence by time alone: a warning threshold, the
 * trial's end, a year's end or start. Null when nothing will (expired, nothing scheduled).
 */
export function nextEventAt(licence: CorpLicence, policy: LicensingPolicy): number | null {
  const times: number[] = [];
  if (licence.status === 'trial') times.push(licence.trialEndsAt);
  for (const y of licence.years) {
    if (y.state === 'active') times.push(y.endsAt);
    if (y.state === 'scheduled') times.push(y.startsAt);
  }
  const warning = nextWarning(licence, policy);
  if (warning) times.push(warning.at);
  return times.length === 0 ? null : Math.min(...times);
}

/**
 * Plays every event due by `now` in time order, as the jobs would have had they run at each moment:
 * warnings, the trial's end, years ending (auto-renew schedules the next one), years starting
 * (credits deducted, or the start refused). Pure: the same input always gives the same output, and
 * every ledger entry is keyed by the fact it records, so replaying a pass deducts nothing twice.
 *
 * After downtime the pass catches up: two years due in the past activate one after the other at
 * their own start times; of several warning thresholds passed, only the most urgent is sent; a
 * warning whose expiry has already passed is not sent at all.
 *
 * @example
 * const { licence, entries, transitions } = advance(stored, ledgerEntries, clock.now(), policy);
 */
export function advance(input: CorpLicence, ledger: readonly LedgerEntry[], now: number, policy: LicensingPolicy): AdvanceResult {
  const licence = cloneLicence(input);
  const entries: LedgerEntry[] = [];
  const transitions: StatusTransition[] = [];
  const warnings: LicenceWarning[] = [];
  const paid = new Set(ledger.filter((e) => e.kind === 'activation').map((e) => e.yearId));
  const ctx = { licence, policy, now, entries, paid, balance: balanceOf(ledger) };

  for (let guard = 0; ; guard++) {
    if (guard > 10_000) throw new Error(`licensing: no progress for corp ${licence.corpId}`); // a bug, never a state
    const t = nextEventAt(licence, policy);
    if (t === null || t > now) break;
    const before = licence.status;
    endYears(ctx, t);
    startYears(ctx, t);
    const warning = handleWarning(ctx, t);
    if (warning) warnings.push(warning);
    licence.status = statusAt(licence, t);
    if (licence.status !== before) transitions.push({ corpId: licence.corpId, from: before, to: licence.status, at: t });
  }

  licence.validUntil = validUntilOf(licence);
  licence.nextDueAt = nextEventAt(licence, policy);
  // Warnings about an expiry that has passed are history: drop them so the list stays short.
  licence.warnings = licence.warnings.filter((w) => w.endsAt > now);
  licence.warningsHandled = licence.warningsHandled.filter((k) => Number(k.split(':')[0]) > now);
  return { licence, entries, transitions, warnings };
}

interface PassContext {
  licence: CorpLicence;
  policy: LicensingPolicy;
  now: number;
  entries: LedgerEntry[];
  /** Years whose activation is already in the ledger (a pass interrupted after its ledger write). */
  paid: Set<string | undefined>;
  balance: number;
}

/** Active years ending by `t` end; with auto-renew, the last one schedules the next year at its end. */
function endYears(ctx: PassContext, t: number): void {
  const { licence } = ctx;
  for (const y of licence.years) {
    if (y.state !== 'active' || y.endsAt > t) continue;
    y.state = 'ended';
    const hasNext = licence.years.some((n) => n.state === 'scheduled');
    if (licence.autoRenew && !hasNext) licence.years.push(scheduledYear(autoRenewYearId(licence.corpId, y.endsAt), y.endsAt, 'auto_renew'));
  }
}

/** Scheduled years starting by `t` activate in order, or are refused when the credits are short. */
function startYears(ctx: PassContext, t: number): void {
  const { licence, policy } = ctx;
  for (;;) {
    const year = licence.years.find((y) => y.state === 'scheduled' && y.startsAt <= t);
    if (!year) return;
    const agents = Math.max(1, licence.agentCount);
    const cost = yearCost(policy, agents);
    if (ctx.paid.has(year.id)) {
      activate(year, agents, cost); // deducted by an earlier, interrupted pass: the balance already shows it
    } else if (ctx.balance >= cost) {
      ctx.entries.push({ key: ledgerKeys.activation(year.id), corpId: licence.corpId, kind: 'activation', credits: -cost, at: year.startsAt, yearId: year.id, agents });
      ctx.balance -= cost;
      activate(year, agents, cost);
    } else {
      refuse(ctx, year, agents, cost);
    }
    if (year.state === 'active') licence.reason = null;
  }
}

function activate(year: LicenceYear, agents: number, cost: number): void {
  Object.assign(year, { state: 'active', agents, cost });
}

/**
 * Not enough credits: the year does not start and the status says why. The years scheduled after it
 * were chained to its end, which will not come, so they move to its start and are tried at once
 * (with the same balance they are refused too, and a new purchase then starts a year at once).
 */
function refuse(ctx: PassContext, year: LicenceYear, agents: number, cost: number): void {
  const { licence } = ctx;
  year.state = 'refused';
  ctx.entries.push({ key: ledgerKeys.refusal(year.id), corpId: licence.corpId, kind: 'refusal', credits: 0, at: year.startsAt, yearId: year.id, agents, needed: cost, balance: ctx.balance });
  licence.reason = { code: 'insufficient_credits', yearId: year.id, at: year.startsAt, needed: cost, balance: ctx.balance, agents };
  for (const later of licence.years) {
    if (later.state === 'scheduled' && later.startsAt > year.startsAt) {
      later.startsAt = year.startsAt;
      later.endsAt = addLicenceYear(year.startsAt);
    }
  }
}

/** Handles the warning threshold due at `t`, if any: sends it, or marks it handled when it is moot. */
function handleWarning(ctx: PassContext, t: number): LicenceWarning | undefined {
  const { licence, policy, now } = ctx;
  const due = nextWarning(licence, policy);
  const expiry = upcomingExpiry(licence);
  if (!due || !expiry || due.at > t) return undefined;
  licence.warningsHandled.push(warningKey(expiry.endsAt, due.daysBefore));
  // After downtime: skip a threshold when the expiry itself has passed, or a more urgent one is due too.
  if (expiry.endsAt <= now) return undefined;
  const moreUrgentDue = policy.warningDays.some((d) => d < due.daysBefore && expiry.endsAt - d * DAY_MS <= now);
  if (moreUrgentDue) return undefined;
  const need = warningNeeded(licence, ctx.balance, policy);
  if (!need.needed) return undefined;
  const warning: LicenceWarning = { kind: expiry.kind, daysBefore: due.daysBefore, endsAt: expiry.endsAt, at: Math.max(due.at, licence.firstAuthorisedAt) };
  if (need.shortBy !== undefined) warning.shortBy = need.shortBy;
  licence.warnings.push(warning);
  return warning;
}

/**
 * A deep copy of the plain data. Not structuredClone: under jest its objects come from another realm,
 * and the store accepts plain objects of its own realm only.
 */
function cloneLicence(l: CorpLicence): CorpLicence {
  return {
    ...l,
    years: l.years.map((y) => ({ ...y })),
    warningsHandled: [...l.warningsHandled],
    warnings: l.warnings.map((w) => ({ ...w })),
    reason: l.reason ? { ...l.reason } : null,
  };
}
