import { WeComChannelError } from '../common';
import type { LicenceStatusName } from './corpLicence';

/**
 * The corp has no valid licence, so the channel blocks its customer traffic. The adapter throws it
 * when a bot sends while the corp is unlicensed; inbound messages are held, not lost.
 *
 * @example
 * try { await context.sendActivity('hi'); }
 * catch (e) { if (isChannelError(e, 'licence_inactive')) console.log(e.hint); }
 */
export class LicenceInactiveError extends WeComChannelError {
  override readonly name = 'LicenceInactiveError' as const;
  readonly code = 'licence_inactive' as const;

  override get final(): boolean {
    return true;
  }
  /** What to do about it. */
  readonly hint: string;

  constructor(
    readonly corpId: string,
    readonly status: LicenceStatusName,
  ) {
    const hint = 'Buy IM credits (at least 4; 4 credits = one agent for one year) in the admin API: POST /admin/v1/corps/:corpId/credits';
    super(`The licence of corp ${corpId} is not valid (${status}): customer traffic is blocked until a licence is active. ${hint}`);
    this.hint = hint;
  }
}

/** A purchase of fewer than the minimum credits, a fraction, or a non-number. Nothing was recorded. */
export class InvalidPurchaseError extends WeComChannelError {
  override readonly name = 'InvalidPurchaseError' as const;
  readonly code = 'invalid_purchase' as const;

  constructor(
    readonly credits: unknown,
    readonly minimum: number,
    readonly maximum: number = Number.MAX_SAFE_INTEGER,
  ) {
    super(`Cannot buy ${String(credits)} IM credits: purchases are whole credits, at least ${minimum}${maximum < Number.MAX_SAFE_INTEGER ? ` and at most ${maximum}` : ''}.`);
  }
}

/** An idempotency key (an order id) was used before for a different purchase: nothing was recorded. */
export class IdempotencyKeyReusedError extends WeComChannelError {
  override readonly name = 'IdempotencyKeyReusedError' as const;
  readonly code = 'idempotency_key_reused' as const;

  constructor(
    readonly corpId: string,
    readonly credits: number,
    readonly recordedCredits: number,
  ) {
    super(`This Idempotency-Key was already used for a purchase of ${recordedCredits} credits for ${corpId}, not ${credits}: use a new key for a new purchase.`);
  }
}

/** The corp was never authorised, so it has no licence record (its trial starts at its first authorisation). */
export class UnknownCorpError extends WeComChannelError {
  override readonly name = 'UnknownCorpError' as const;
  readonly code = 'unknown_corp' as const;

  constructor(readonly corpId: string) {
    super(`Unknown corp ${corpId}: it has never authorised the app, so it has no licence. Authorise it first.`);
  }
}

/** An agent count that is not a whole number ≥ 0. */
export class InvalidAgentCountError extends WeComChannelError {
  override readonly name = 'InvalidAgentCountError' as const;
  readonly code = 'invalid_agent_count' as const;

  constructor(readonly agents: unknown) {
    super(`Agent count must be a whole number of at least 0, got ${String(agents)}.`);
  }
}
