import { modify } from '@seald-io/nedb/lib/model.js';
import { InvalidQueryError } from './errors';
import { newId } from './newId';
import { isOperatorObject } from './validation';

/**
 * The document an upsert starts from, as MongoDB builds it: the filter's equality conditions
 * (`{a: 1}`, `{a: {$eq: 1}}`, also inside `$and`), with dotted keys turned into nested objects.
 * Ranges, `$in`, `$or` and the like contribute nothing. The update is applied to this seed afterwards.
 *
 * nedb cannot be trusted with this: it copies operator conditions into the new document
 * (`{count: {$lt: 5}}` + `$inc` fails) and drops dotted keys.
 *
 * @example
 * upsertSeed({ _id: 'c1', 'window.kind': 'reply', used: { $lt: 5 } }); // { _id: 'c1', window: { kind: 'reply' } }
 */
export function upsertSeed(filter: Record<string, unknown>): Record<string, unknown> {
  const seed: Record<string, unknown> = {};
  collect(filter, seed);
  return seed;
}

function collect(filter: Record<string, unknown>, seed: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and') {
      for (const sub of value as Record<string, unknown>[]) collect(sub, seed);
    } else if (key.startsWith('$')) {
      continue; // $or: no single value to take
    } else if (isOperatorObject(value, key)) {
      if ('$eq' in value) setPath(seed, key, value.$eq);
    } else {
      setPath(seed, key, value);
    }
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/**
 * The `_id` an upsert will insert: from `$setOnInsert`, else from the filter's equality, else none
 * (the caller then generates one). Throws when it is not a string, in both stores alike.
 */
export function upsertId(filter: Record<string, unknown>, update: Record<string, unknown>): string | undefined {
  const onInsert = update.$setOnInsert as Record<string, unknown> | undefined;
  const id = onInsert?._id ?? upsertSeed(filter)._id;
  if (id !== undefined && typeof id !== 'string') throw new InvalidQueryError('_id must be a string', '_id');
  return id;
}

type Doc = Record<string, unknown>;

/** The update without `$setOnInsert`, or undefined when nothing else is left. */
export function withoutSetOnInsert(update: Doc): Doc | undefined {
  const { $setOnInsert: _ignored, ...rest } = update;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

/**
 * The document an upsert inserts (both embedded engines): the filter's equality fields, then the
 * update applied as nedb applies it, `$setOnInsert` included.
 */
export function newDocument(filter: Doc, update: Doc): Doc {
  const seed = upsertSeed(filter);
  seed._id = upsertId(filter, update) ?? newId();
  const { $setOnInsert, ...ops } = update as { $setOnInsert?: Doc } & Doc;
  const { _id: _taken, ...onInsert } = $setOnInsert ?? {};
  const set = { ...(ops.$set as Doc | undefined), ...onInsert };
  return modify(seed, { ...ops, ...(Object.keys(set).length > 0 ? { $set: set } : {}) });
}
