/**
 * One line of a corp's credit ledger. Entries are only ever appended; the balance is their sum.
 * `key` is the idempotency key and the entry's unique id, so writing the same fact twice (a re-run
 * job, a retried purchase) fails on the second write instead of counting twice.
 */
export interface LedgerEntry {
  key: string;
  corpId: string;
  kind: 'purchase' | 'activation' | 'refusal';
  /** Signed: + for a purchase, − for an activation, 0 for a refusal (kept for the record). */
  credits: number;
  at: number;
  /** The licence year an activation or refusal is about. */
  yearId?: string;
  /** Agents counted at activation or refusal. */
  agents?: number;
  /** For a refusal: credits the year needed, and the balance then. */
  needed?: number;
  balance?: number;
}

/** The balance the entries add up to. */
export function balanceOf(entries: readonly LedgerEntry[]): number {
  return entries.reduce((sum, e) => sum + e.credits, 0);
}

/** Idempotency keys: one fact, one key. A corp id never contains `|` (WeCom corp ids are `ww…` alphanumerics). */
export const ledgerKeys = {
  purchase: (corpId: string, idempotencyKey: string): string => `purchase|${corpId}|${idempotencyKey}`,
  activation: (yearId: string): string => `activation|${yearId}`,
  refusal: (yearId: string): string => `refusal|${yearId}`,
};
