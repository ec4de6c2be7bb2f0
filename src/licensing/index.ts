/**
 * Licensing: the 90-day trial, IM credits (an append-only ledger), scheduled licence years, and the
 * jobs that activate, expire, warn and auto-renew. See docs/product.md § Licensing and IM credits.
 */
export { LicensingService, type LicensingServiceOptions, type PurchaseResult } from './licensingService';
export { LicensingScheduler, licensingJobName, type LicensingSchedulerOptions, type DueJobs } from './licensingScheduler';
export type { DueRunResult } from './dueJobRunner';
export type { StatusTransition } from './advance';
export type { StatusChangeListener, WarningListener } from './licensingEvents';
export type { LicenceStatusName, LicenceWarning } from './corpLicence';
export type { LicenceStatusView, ScheduleEntryView, WarningView, ReasonView, NextYearView } from './statusView';
export type { LedgerEntry } from './ledger';
export { defaultPolicy, DAY_MS, type LicensingPolicy } from './policy';
export { LicenceInactiveError, InvalidPurchaseError, IdempotencyKeyReusedError, UnknownCorpError, InvalidAgentCountError } from './errors';
