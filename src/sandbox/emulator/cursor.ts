/**
 * sync_msg cursors and paging. A cursor is opaque to clients; here it encodes a position in the
 * corp's log (one sequence per corp, shared by its accounts: a cursor kept for one open_kfid and
 * reused for another skips that account's earlier messages, so a client must keep one per account).
 */
import type { LogEntry, SyncMessage } from './state';

const prefix = 'kfcur1:';

export function encodeCursor(seq: number): string {
  return Buffer.from(`${prefix}${seq}`, 'utf8').toString('base64url');
}

/** The position a cursor encodes, or null if it is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(prefix)) return null;
  const seq = Number(text.slice(prefix.length));
  return Number.isSafeInteger(seq) && seq >= 0 ? seq : null;
}

/** Whether a log item belongs to `openKfid` (events carry it inside `event`). */
export function belongsTo(message: SyncMessage, openKfid: string): boolean {
  if (message.open_kfid !== undefined) return message.open_kfid === openKfid;
  const event = message.event;
  return typeof event === 'object' && event !== null && (event as { open_kfid?: unknown }).open_kfid === openKfid;
}

export interface Page {
  messages: SyncMessage[];
  /** Position to resume after. */
  nextSeq: number;
  hasMore: boolean;
}

/**
 * Up to `limit` retained items after position `afterSeq`, optionally of one account.
 *
 * @param retainedFrom emulator-clock ms; older items are gone (retention)
 */
export function selectPage(log: readonly LogEntry[], afterSeq: number, retainedFrom: number, limit: number, openKfid?: string): Page {
  const matches = (e: LogEntry): boolean => e.at >= retainedFrom && (openKfid === undefined || belongsTo(e.message, openKfid));
  const messages: SyncMessage[] = [];
  let nextSeq = Math.min(afterSeq, log.length);
  // seq is index + 1, so the first entry after `afterSeq` is at index `afterSeq`.
  for (let i = afterSeq; i < log.length; i++) {
    const entry = log[i]!;
    if (!matches(entry)) {
      nextSeq = entry.seq;
      continue;
    }
    if (messages.length === limit) {
      return { messages, nextSeq, hasMore: true };
    }
    messages.push(entry.message);
    nextSeq = entry.seq;
  }
  return { messages, nextSeq, hasMore: false };
}
