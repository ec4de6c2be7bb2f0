/** Dates as people read them, in the browser's own time zone; UTC stays in the tooltip. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function day(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

const LOCK_WHY: Record<string, string> = {
  'reply-limit': '5 replies used — opens when the customer writes again',
  'window-expired': '48 hours passed since the customer wrote — opens when they write again',
  'never-initiated': 'the customer has not written yet',
  'kept-for-newest': 'the last replies are kept for the customer\'s newest message',
};

export const lockReason = (reason: string | undefined): string => LOCK_WHY[reason ?? ''] ?? (reason ?? 'locked');

const SERVED: Record<string, string> = { new: 'Bot', bot: 'Bot', queued: 'Waiting for an agent', human: 'Human agent', ended: 'Ended — the bot answers next' };
export const servedBy = (s: string): string => SERVED[s] ?? s;

const STATUS: Record<string, string> = { trial: 'Trial', trial_expired: 'Trial expired', active: 'Active', expired: 'Expired' };
export const licenceStatus = (s: string): string => STATUS[s] ?? s;
