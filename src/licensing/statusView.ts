import { activeYearAt, statusAt, trialDaysLeft, type CorpLicence, type LicenceStatusName, type LicenceWarning, type LicenceYear } from './corpLicence';
import { yearCost, type LicensingPolicy } from './policy';

/** One year of the schedule, for people and the admin API. Times are ISO 8601 UTC. */
export interface ScheduleEntryView {
  id: string;
  startsAt: string;
  endsAt: string;
  state: LicenceYear['state'];
  origin: LicenceYear['origin'];
  /** Credits deducted at activation. */
  cost?: number;
  agents?: number;
}

export interface WarningView {
  kind: LicenceWarning['kind'] | 'inactive' | 'next_year_unpayable';
  message: string;
  daysBefore?: number;
  endsAt?: string;
  shortBy?: number;
}

/** Why the corp is not licensed, and what fixes it. */
export interface ReasonView {
  /**
   * `insufficient_credits`: a year could not start; `activation_pending`: a year is due and the next
   * job run (within one schedule period) starts it; `no_licence`: nothing is scheduled.
   */
  code: 'insufficient_credits' | 'activation_pending' | 'no_licence';
  message: string;
  needed?: number;
  balance?: number;
  agents?: number;
}

/** The next licence year before it activates, priced with today's agent count. */
export interface NextYearView {
  startsAt: string;
  /** A purchase scheduled it, or auto-renew will start it when the active year ends. */
  origin: LicenceYear['origin'];
  /** Agents it would count if it started now (at least one). */
  agents: number;
  /** Credits it would deduct: 4 per agent. */
  cost: number;
  /** Whether today's balance pays for it. */
  payable: boolean;
  /** Credits missing, when it cannot be paid for. */
  shortBy?: number;
  message: string;
}

/**
 * A corp's licence as `GET /admin/v1/corps/:corpId/licence` shows it.
 *
 * @example
 * { corpId: 'ww1', status: 'trial', valid: true, daysLeft: 20, trialEndsAt: '2027-04-01T00:00:00.000Z',
 *   creditBalance: 0, agentCount: 1, yearCost: 4, autoRenew: false, authorised: true, schedule: [], warnings: [] }
 */
export interface LicenceStatusView {
  corpId: string;
  status: LicenceStatusName;
  /** Whether customer traffic passes now. */
  valid: boolean;
  /** While `trial`: whole 24-hour days left, rounded up. */
  daysLeft?: number;
  trialEndsAt: string;
  /** While `active`: the end of the current licence year. */
  activeUntil?: string;
  creditBalance: number;
  agentCount: number;
  /** Credits the next year costs with today's agent count. */
  yearCost: number;
  autoRenew: boolean;
  authorised: boolean;
  schedule: ScheduleEntryView[];
  /** The next year (scheduled, or auto-renew's), if one is coming: its cost and whether it can be paid for. */
  nextYear?: NextYearView;
  warnings: WarningView[];
  reason?: ReasonView;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The view of `licence` at `now` (status from the clock; activations are what the jobs stored). */
export function statusView(licence: CorpLicence, balance: number, now: number, policy: LicensingPolicy): LicenceStatusView {
  const status = statusAt(licence, now);
  const valid = now < licence.validUntil;
  const view: LicenceStatusView = {
    corpId: licence.corpId,
    status,
    valid,
    trialEndsAt: iso(licence.trialEndsAt),
    creditBalance: balance,
    agentCount: licence.agentCount,
    yearCost: yearCost(policy, licence.agentCount),
    autoRenew: licence.autoRenew,
    authorised: licence.authorised,
    schedule: licence.years.map(scheduleEntry),
    warnings: licence.warnings.filter((w) => w.endsAt > now).map(warningView),
  };
  if (status === 'trial') view.daysLeft = trialDaysLeft(licence, now);
  const active = activeYearAt(licence, now);
  if (active) view.activeUntil = iso(active.endsAt);
  const next = nextYearView(licence, balance, policy);
  if (next) {
    view.nextYear = next;
    if (!next.payable) view.warnings.push({ kind: 'next_year_unpayable', message: next.message, shortBy: next.shortBy });
  }
  if (!valid) {
    view.reason = reasonView(licence, balance, now, policy);
    view.warnings.push({ kind: 'inactive', message: `The integration is inactive: customer traffic is blocked (and kept) until a licence is valid. ${view.reason.message}` });
  }
  return view;
}

function nextYearView(licence: CorpLicence, balance: number, policy: LicensingPolicy): NextYearView | undefined {
  const scheduled = licence.years.find((y) => y.state === 'scheduled');
  const renewing = licence.autoRenew ? licence.years.find((y) => y.state === 'active') : undefined;
  const startsAt = scheduled?.startsAt ?? renewing?.endsAt;
  if (startsAt === undefined) return undefined;
  const agents = Math.max(1, licence.agentCount);
  const cost = yearCost(policy, agents);
  const payable = balance >= cost;
  const what = `The licence year starting ${iso(startsAt)} counts ${agents} agent(s) and costs ${cost} IM credits`;
  const view: NextYearView = {
    startsAt: iso(startsAt), origin: scheduled?.origin ?? 'auto_renew', agents, cost, payable,
    message: payable ? `${what}; the balance of ${balance} pays for it.` : `${what}, but the balance is ${balance}: it cannot be paid for. Buy at least ${Math.max(policy.minPurchaseCredits, cost - balance)} more credits before it starts, or it will not activate.`,
  };
  if (!payable) view.shortBy = cost - balance;
  return view;
}

function scheduleEntry(y: LicenceYear): ScheduleEntryView {
  const entry: ScheduleEntryView = { id: y.id, startsAt: iso(y.startsAt), endsAt: iso(y.endsAt), state: y.state, origin: y.origin };
  if (y.cost !== undefined) entry.cost = y.cost;
  if (y.agents !== undefined) entry.agents = y.agents;
  return entry;
}

function warningView(w: LicenceWarning): WarningView {
  const what = w.kind === 'trial_ending' ? 'The trial' : 'The licence';
  const fix = w.shortBy === undefined ? 'Buy IM credits to keep the channel open.' : `The next year is ${w.shortBy} IM credits short: buy at least ${w.shortBy} more.`;
  const view: WarningView = { kind: w.kind, daysBefore: w.daysBefore, endsAt: iso(w.endsAt), message: `${what} ends in ${w.daysBefore} day(s), on ${iso(w.endsAt)}. ${fix}` };
  if (w.shortBy !== undefined) view.shortBy = w.shortBy;
  return view;
}

function reasonView(licence: CorpLicence, balance: number, now: number, policy: LicensingPolicy): ReasonView {
  const due = licence.years.find((y) => y.state === 'scheduled' && y.startsAt <= now);
  if (due) return { code: 'activation_pending', message: `A licence year starts on ${iso(due.startsAt)}; the next licensing job run activates it.` };
  const r = licence.reason;
  if (r) {
    const more = Math.max(policy.minPurchaseCredits, yearCost(policy, licence.agentCount) - balance);
    return {
      code: 'insufficient_credits',
      needed: r.needed,
      balance: r.balance,
      agents: r.agents,
      message: `The licence year due on ${iso(r.at)} was not activated: it needs ${r.needed} IM credits for ${r.agents} agent(s) and the balance was ${r.balance}. Buy ${more} or more credits: a purchase now starts a year at once.`,
    };
  }
  return { code: 'no_licence', message: `No licence year is scheduled. Buy at least ${Math.max(policy.minPurchaseCredits, yearCost(policy, licence.agentCount) - balance)} IM credits to start one at once.` };
}
