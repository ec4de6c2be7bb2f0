import type { BaseDocument, Collection, EachUpdate, UpdateEachResult } from './collection';
import { DuplicateKeyError } from './errors';
import { upsertId } from './upsertSeed';
import { validateFilter, validateUpdate } from './validation';

/**
 * {@link Collection.updateEach} for the embedded engines: each update is one `findOneAndUpdate`, all
 * issued at once (in one tick), so the SQLite engine commits them together and nedb appends them
 * together. Every update is validated before any is issued, so a malformed one changes nothing.
 * Waits for all of them; then the first failure other than a duplicate key rejects.
 */
export async function updateEachByOne<T extends BaseDocument>(collection: Collection<T>, updates: readonly EachUpdate<T>[]): Promise<UpdateEachResult> {
  for (const u of updates) {
    validateFilter(u.filter);
    validateUpdate(u.update);
    if (u.upsert) upsertId(u.filter, u.update as Record<string, unknown>);
  }
  const outcomes = await Promise.allSettled(updates.map(async (u) => {
    if (!u.upsert) return (await collection.findOneAndUpdate(u.filter, u.update, { returnDocument: 'after' })) ? 'matched' : 'missed';
    // 'before' tells an update (the old document) from an insert (null).
    return (await collection.findOneAndUpdate(u.filter, u.update, { upsert: true, returnDocument: 'before' })) ? 'matched' : 'upserted';
  }));
  const result: UpdateEachResult = { matchedCount: 0, upsertedCount: 0, duplicateIndexes: [] };
  for (const [i, outcome] of outcomes.entries()) {
    if (outcome.status === 'rejected') {
      if (!(outcome.reason instanceof DuplicateKeyError)) throw outcome.reason;
      result.duplicateIndexes.push(i);
    } else if (outcome.value === 'matched') result.matchedCount++;
    else if (outcome.value === 'upserted') result.upsertedCount++;
  }
  return result;
}
