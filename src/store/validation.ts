import type { FindOptions, IndexSpec, Sort } from './collection';
import { InvalidQueryError, UnsupportedOperatorError } from './errors';

/**
 * Checks of filter, update, sort, index and document shapes, shared by both stores so that they
 * accept and refuse exactly the same inputs. Each check throws {@link UnsupportedOperatorError} or
 * {@link InvalidQueryError}; none touches a database. The supported set is listed in `collection.ts`.
 */

export const filterFieldOperators = ['$eq', '$ne', '$lt', '$lte', '$gt', '$gte', '$in', '$nin', '$exists'] as const;
export const filterLogicalOperators = ['$and', '$or'] as const;
export const updateOperators = ['$set', '$setOnInsert', '$inc', '$unset', '$push', '$max', '$min'] as const;

export type FilterFieldOperator = (typeof filterFieldOperators)[number];
export type UpdateOperator = (typeof updateOperators)[number];

const fieldOps: ReadonlySet<string> = new Set(filterFieldOperators);
const updateOps: ReadonlySet<string> = new Set(updateOperators);
const rangeOps: ReadonlySet<string> = new Set(['$lt', '$lte', '$gt', '$gte']);

/** A plain `{}` object: not an array, Date, RegExp, Buffer or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when `value` is an operator object such as `{ $lt: 5 }` (every key starts with `$`). */
export function isOperatorObject(value: unknown, path: string): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  const dollar = keys.filter((k) => k.startsWith('$')).length;
  if (dollar === 0) return false;
  if (dollar !== keys.length) throw new InvalidQueryError('an object mixes operators and field names', path);
  return true;
}

/** Throws unless `filter` uses only supported operators on well-formed values. */
export function validateFilter(filter: unknown, path = ''): void {
  if (!isPlainObject(filter)) throw new InvalidQueryError('a filter must be a plain object', path || undefined);
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith('$')) {
      if (key !== '$and' && key !== '$or') throw new UnsupportedOperatorError(key, 'filter');
      if (!Array.isArray(value) || value.length === 0) throw new InvalidQueryError(`${key} needs a non-empty array`, join(path, key));
      value.forEach((sub, i) => validateFilter(sub, join(path, `${key}.${i}`)));
      continue;
    }
    checkPath(key);
    validateCondition(key, value);
  }
}

function validateCondition(path: string, value: unknown): void {
  if (value === undefined) throw new InvalidQueryError('undefined is not a value to match; leave the field out or use $exists', path);
  if (value instanceof RegExp) throw new UnsupportedOperatorError('$regex', 'filter');
  if (!isOperatorObject(value, path)) {
    validateValue(value, path);
    return;
  }
  for (const [op, arg] of Object.entries(value)) {
    if (!fieldOps.has(op)) throw new UnsupportedOperatorError(op, 'filter');
    const at = `${path}.${op}`;
    if (op === '$exists') {
      if (typeof arg !== 'boolean') throw new InvalidQueryError('$exists needs true or false', at);
    } else if (op === '$in' || op === '$nin') {
      if (!Array.isArray(arg)) throw new InvalidQueryError(`${op} needs an array`, at);
      arg.forEach((el, i) => validateOperand(el, `${at}.${i}`));
    } else if (rangeOps.has(op)) {
      if (!isComparable(arg)) throw new InvalidQueryError(`${op} needs a number, string or Date`, at);
    } else {
      validateOperand(arg, at);
    }
  }
}

function validateOperand(value: unknown, path: string): void {
  if (value === undefined) throw new InvalidQueryError('undefined is not a value to match', path);
  if (value instanceof RegExp) throw new UnsupportedOperatorError('$regex', 'filter');
  validateValue(value, path);
}

/** Throws unless `update` is an operators-only update document using supported operators. */
export function validateUpdate(update: unknown): void {
  if (!isPlainObject(update)) throw new InvalidQueryError('an update must be a plain object');
  const ops = Object.keys(update);
  if (ops.length === 0) throw new InvalidQueryError('an update needs at least one operator');
  const paths: string[] = [];
  for (const op of ops) {
    if (!op.startsWith('$')) {
      throw new InvalidQueryError('an update must use operators ($set, $inc, ...); replacing a whole document is not supported', op);
    }
    if (!updateOps.has(op)) throw new UnsupportedOperatorError(op, 'update');
    const fields = update[op];
    if (!isPlainObject(fields)) throw new InvalidQueryError(`${op} needs an object of fields`, op);
    for (const [path, value] of Object.entries(fields)) {
      checkPath(path);
      const at = `${op}.${path}`;
      if (path.split('.')[0] === '_id' && op !== '$setOnInsert') throw new InvalidQueryError('_id cannot be changed', at);
      paths.push(path);
      validateUpdateValue(op, value, at);
    }
  }
  checkPathConflicts(paths);
}

function validateUpdateValue(op: string, value: unknown, at: string): void {
  switch (op) {
    case '$set':
    case '$setOnInsert':
      validateValue(value, at);
      return;
    case '$inc':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidQueryError('$inc needs a finite number', at);
      return;
    case '$max':
    case '$min':
      if (!isComparable(value)) throw new InvalidQueryError(`${op} needs a number, string or Date`, at);
      return;
    case '$push':
      validatePush(value, at);
      return;
    default: // $unset: the value is ignored, as in MongoDB
      return;
  }
}

function validatePush(value: unknown, at: string): void {
  if (!isOperatorObject(value, at)) {
    validateValue(value, at);
    return;
  }
  for (const key of Object.keys(value)) {
    if (key !== '$each' && key !== '$slice') throw new UnsupportedOperatorError(`$push.${key}`, 'update');
  }
  if (!Array.isArray(value.$each)) throw new InvalidQueryError('$push needs $each with an array', at);
  value.$each.forEach((el, i) => validateValue(el, `${at}.$each.${i}`));
  if (value.$slice !== undefined && !Number.isInteger(value.$slice)) throw new InvalidQueryError('$slice needs an integer', at);
}

/** MongoDB refuses an update that touches one path twice, or a path and its parent (`a` and `a.b`). */
function checkPathConflicts(paths: string[]): void {
  const all = new Set<string>();
  for (const p of paths) {
    if (all.has(p)) throw new InvalidQueryError('an update touches the same path twice', p);
    all.add(p);
  }
  for (const p of paths) {
    const parts = p.split('.');
    for (let i = 1; i < parts.length; i += 1) {
      const parent = parts.slice(0, i).join('.');
      if (all.has(parent)) throw new InvalidQueryError(`an update touches both "${parent}" and "${p}"`, p);
    }
  }
}

/** Throws unless `doc` can be stored identically by both stores. `_id`, when present, must be a string. */
export function validateNewDocument(doc: unknown): void {
  if (!isPlainObject(doc)) throw new InvalidQueryError('a document must be a plain object');
  if (doc._id !== undefined && typeof doc._id !== 'string') throw new InvalidQueryError('_id must be a string', '_id');
  validateValue(doc, '');
}

/**
 * Values both stores round-trip unchanged: null, booleans, finite numbers, strings, valid Dates, and
 * arrays and plain objects of them. Field names must not contain `.` or start with `$`. `undefined`
 * means "absent" (MongoDB is opened with `ignoreUndefined`).
 */
export function validateValue(value: unknown, path: string): void {
  if (value === undefined || value === null) return;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidQueryError('numbers must be finite', path || undefined);
      return;
    case 'object':
      break;
    default:
      throw new InvalidQueryError(`a ${typeof value} cannot be stored`, path || undefined);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new InvalidQueryError('invalid Date', path || undefined);
    return;
  }
  // Every stored document passes here, field by field: an element's path is built only when it is
  // an object to descend into, or for the error (a string or number needs none).
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const el: unknown = value[i];
      if (!isScalar(el)) validateValue(el, join(path, String(i)));
    }
    return;
  }
  if (!isPlainObject(value)) throw new InvalidQueryError('only plain objects, arrays and Dates can be stored', path || undefined);
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    checkFieldName(key, path);
    const el = value[key];
    if (!isScalar(el)) validateValue(el, join(path, key));
  }
}

const DOLLAR = 0x24;

/** A value {@link validateValue} accepts as it is: absent, null, a string, a boolean or a finite number. */
function isScalar(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** Throws unless `sort` is `{ path: 1 | -1 }`. */
export function validateSort(sort: Sort | undefined): void {
  if (sort === undefined) return;
  if (!isPlainObject(sort)) throw new InvalidQueryError('a sort must be a plain object');
  for (const [path, dir] of Object.entries(sort)) {
    checkPath(path);
    if (dir !== 1 && dir !== -1) throw new InvalidQueryError('a sort direction is 1 or -1', path);
  }
}

/** Throws unless `n` is a non-negative integer (for `skip` and `limit`). */
export function validateCount(n: number | undefined, name: string): void {
  if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new InvalidQueryError(`${name} must be a non-negative integer`);
}

/** Throws unless a find's filter, sort, skip and limit are valid (what every engine's `find` checks first). */
export function validateFind(filter: unknown, options: FindOptions): void {
  validateFilter(filter);
  validateSort(options.sort);
  validateCount(options.skip, 'skip');
  validateCount(options.limit, 'limit');
}

/** Throws unless the index spec is valid in both stores. */
export function validateIndexSpec(spec: IndexSpec): void {
  if (!isPlainObject(spec) || !isPlainObject(spec.keys)) throw new InvalidQueryError('an index needs keys');
  const fields = Object.keys(spec.keys);
  if (fields.length === 0) throw new InvalidQueryError('an index needs at least one key');
  for (const f of fields) {
    checkPath(f);
    if (spec.keys[f] !== 1 && spec.keys[f] !== -1) throw new InvalidQueryError('an index direction is 1 or -1', f);
  }
  if (spec.expireAfterSeconds !== undefined) {
    if (!Number.isInteger(spec.expireAfterSeconds) || spec.expireAfterSeconds < 0) {
      throw new InvalidQueryError('expireAfterSeconds must be a non-negative integer');
    }
    if (fields.length !== 1) throw new InvalidQueryError('a TTL index has exactly one field');
  }
}

/** Collection names that are safe as file names and valid in MongoDB. */
export function validateCollectionName(name: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/.test(name) || name.startsWith('system.')) {
    throw new InvalidQueryError(`"${String(name)}" is not a collection name: use letters, digits, _ . - (up to 100, not starting with . or system.)`);
  }
}

function checkPath(path: string): void {
  if (path.length > 0 && path.charCodeAt(0) !== DOLLAR && !path.includes('.')) return; // one plain segment, most paths
  if (path.length === 0) throw new InvalidQueryError('a field path cannot be empty');
  for (const part of path.split('.')) {
    if (part.length === 0) throw new InvalidQueryError('a field path has an empty segment', path);
    if (part.startsWith('$')) throw new InvalidQueryError('a field path segment cannot start with $', path);
  }
}

/** `name`, a field of the object at `parent`, is storable (its path is built only for the error). */
function checkFieldName(name: string, parent: string): void {
  if (name.length === 0 || name.includes('.') || name.charCodeAt(0) === DOLLAR) {
    throw new InvalidQueryError('field names cannot be empty, contain "." or start with "$"', join(parent, name));
  }
}

function isComparable(value: unknown): boolean {
  return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string' || (value instanceof Date && !Number.isNaN(value.getTime()));
}

function join(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}
