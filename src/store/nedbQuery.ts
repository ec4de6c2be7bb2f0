import { isOperatorObject } from './validation';

/** A query document in nedb's dialect (which has `$not` and lacks `$eq`). */
export type NedbQuery = Record<string, unknown>;

/**
 * Turns a validated MongoDB filter into an nedb query that matches the same documents. nedb differs
 * from MongoDB in a few places, each rewritten here:
 * - no `$eq`: it becomes plain equality;
 * - `{a: null}` in nedb does not match a missing field: it becomes `a is null OR a does not exist`,
 *   and `$in` with `null` likewise;
 * - `$ne`/`$nin` in nedb match an array when *some* element differs; MongoDB needs *no* element to
 *   match. They become `$not` of the positive condition;
 * - `{$exists: true}` in nedb fails on an empty array: it becomes `$not {$exists: false}`;
 * - several operators on one field (`{$gte: 1, $lt: 5}`) are checked per array element together in
 *   nedb, independently in MongoDB: they become an `$and` of one clause per operator.
 *
 * @example
 * toNedbQuery({ heldUntil: null, count: { $lt: 5 } });
 * // { $or: [ { heldUntil: null }, { heldUntil: { $exists: false } } ], count: { $lt: 5 } }
 */
export function toNedbQuery(filter: Record<string, unknown>): NedbQuery {
  const clauses: NedbQuery[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') {
      clauses.push({ [key]: (value as Record<string, unknown>[]).map(toNedbQuery) });
    } else if (isOperatorObject(value, key)) {
      for (const [op, arg] of Object.entries(value)) clauses.push(condition(key, op, arg));
    } else {
      clauses.push(equals(key, value));
    }
  }
  return merge(clauses);
}

/**
 * One object where the fields do not collide, so nedb can pick an indexed field (`_id`, `msgid`) at
 * the top level instead of scanning; it uses no index inside `$and`. The rest goes into `$and`.
 */
function merge(clauses: NedbQuery[]): NedbQuery {
  const out: NedbQuery = {};
  const rest: NedbQuery[] = [];
  for (const clause of clauses) {
    const keys = Object.keys(clause);
    if (keys.length === 1 && !(keys[0]! in out)) out[keys[0]!] = clause[keys[0]!];
    else rest.push(clause);
  }
  if (rest.length > 0) out.$and = [...((out.$and as NedbQuery[] | undefined) ?? []), ...rest];
  return out;
}

function condition(path: string, op: string, arg: unknown): NedbQuery {
  switch (op) {
    case '$eq':
      return equals(path, arg);
    case '$ne':
      return { $not: equals(path, arg) };
    case '$in':
      return inList(path, arg as unknown[]);
    case '$nin':
      return { $not: inList(path, arg as unknown[]) };
    case '$exists':
      return arg === true ? { $not: { [path]: { $exists: false } } } : { [path]: { $exists: false } };
    default: // $lt $lte $gt $gte: nedb compares like MongoDB (same type only; arrays element-wise)
      return { [path]: { [op]: arg } };
  }
}

function equals(path: string, value: unknown): NedbQuery {
  if (value === null) return { $or: [{ [path]: null }, { [path]: { $exists: false } }] };
  return { [path]: value };
}

function inList(path: string, values: unknown[]): NedbQuery {
  const clause = { [path]: { $in: values } };
  return values.includes(null) ? { $or: [clause, { [path]: { $exists: false } }] } : clause;
}
