import type { Logger } from '../common';
import { advance, type StatusTransition } from './advance';
import type { LicenceWarning } from './corpLicence';
import type { LedgerRepository } from './ledgerRepository';
import { toLicence, type LicenceDoc, type LicenceRepository } from './licenceRepository';
import type { LicensingEvents } from './licensingEvents';
import type { LicensingPolicy } from './policy';

export interface CorpPassDeps {
  licences: LicenceRepository;
  ledger: LedgerRepository;
  events: LicensingEvents;
  policy: LicensingPolicy;
  logger: Logger;
}

export interface CorpPassResult {
  transitions: StatusTransition[];
  warnings: LicenceWarning[];
  /** Ledger entries this pass wrote (0 when an earlier, interrupted pass had written them). */
  appended: number;
}

const maxAttempts = 5;

/**
 * Brings one corp up to `now`: plays its due events (see {@link advance}), appends the ledger
 * entries, then stores the new state if nobody wrote it meanwhile (else reads again and replays).
 * Ledger first, state second: a crash in between leaves entries the replay recognises by key, so
 * credits are never deducted twice. Callers run it under the jobs' lease: one pass per corp at a time.
 */
export async function runCorpPass(deps: CorpPassDeps, first: LicenceDoc, now: number): Promise<CorpPassResult> {
  let doc: LicenceDoc | null = first;
  for (let attempt = 1; doc && attempt <= maxAttempts; attempt++) {
    const entries = await deps.ledger.entries(doc._id);
    const result = advance(toLicence(doc), entries, now, deps.policy);
    let appended = 0;
    for (const e of result.entries) if (await deps.ledger.append(e)) appended++;
    if (await deps.licences.replace(doc.rev, result.licence)) {
      for (const t of result.transitions) deps.events.emitTransition(t);
      for (const w of result.warnings) deps.events.emitWarning(doc._id, w);
      return { transitions: result.transitions, warnings: result.warnings, appended };
    }
    deps.logger.debug({ corpId: doc._id, attempt }, 'licensing: licence changed during a pass; replaying');
    doc = await deps.licences.get(doc._id);
  }
  throw new Error(`licensing: corp ${first._id} kept changing during ${maxAttempts} passes`);
}
