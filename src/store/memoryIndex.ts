import { serialize } from '@seald-io/nedb/lib/model.js';
import type { IndexSpec } from './collection';
import { dotValue } from './fastModel';

type Doc = Record<string, unknown>;

/**
 * One index of the SQLite engine's in-memory documents: index key → the `_id`s holding it. It finds
 * candidates for an equality lookup and enforces `unique` as MongoDB does:
 * - a missing field counts as `null` (two documents without the field collide in a unique index),
 *   unless the index is `sparse` (then a document without any of its fields is left out);
 * - a single-field index over an array holds each element (multikey), so `{tags: 'red'}` finds it;
 * - values of different types never collide (`1`, `'1'` and `new Date(1)` are three keys).
 *
 * @example
 * const byMsgid = new MemoryIndex({ keys: { msgid: 1 }, unique: true });
 * byMsgid.holders('s' + 'm1'); // the _ids holding it, or undefined
 */
export class MemoryIndex {
  readonly fields: string[];
  readonly unique: boolean;
  readonly sparse: boolean;
  /** Key → its holder's `_id`, or a Set of them when several hold it (most keys of most indexes have one: a Set each would be most of the index's memory). */
  private readonly entries = new Map<string, string | Set<string>>();
  /** Whether a document ever gave one of the fields an array (a compound key then holds the whole array). */
  holdsArrays = false;
  /** The keys of a single-field index in value order, per comparable type: built at the first range lookup, then kept in step. */
  private sorted: SortedKeys | undefined;
  /** How many keys are an array inside an array, which nedb's range matching flattens (a range lookup would miss it). */
  private nestedArrayKeys = 0;

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.keys);
    this.unique = spec.unique ?? false;
    this.sparse = spec.sparse ?? false;
  }

  /** The index keys `doc` holds (none for a sparse index without the field). */
  keysOf(doc: Doc): string[] {
    if (this.fields.length === 1) {
      const value = dotValue(doc, this.fields[0]!);
      if (value === undefined && this.sparse) return [];
      if (Array.isArray(value)) {
        this.holdsArrays = true;
        return value.length === 0 ? [keyOf(undefined)] : [...new Set(value.map(keyOf))];
      }
      return [keyOf(value)];
    }
    const values = this.fields.map((f) => dotValue(doc, f));
    if (!this.holdsArrays && values.some(Array.isArray)) this.holdsArrays = true;
    if (this.sparse && values.every((v) => v === undefined)) return [];
    return [values.map(keyOf).join('\u0001')];
  }

  /** The `_id`s holding `key`, in the order they took it. */
  holders(key: string): Iterable<string> | undefined {
    const held = this.entries.get(key);
    return typeof held === 'string' ? [held] : held;
  }

  add(doc: Doc): void {
    const id = doc._id as string;
    for (const key of this.keysOf(doc)) {
      const held = this.entries.get(key);
      if (held === undefined) {
        this.entries.set(key, id);
        this.keyAdded(key);
      } else if (typeof held !== 'string') held.add(id);
      else if (held !== id) this.entries.set(key, new Set([held, id]));
    }
  }

  remove(doc: Doc): void {
    const id = doc._id as string;
    for (const key of this.keysOf(doc)) {
      const held = this.entries.get(key);
      if (held === id) {
        this.entries.delete(key);
        this.keyRemoved(key);
      } else if (typeof held === 'object' && held.delete(id) && held.size === 1) {
        this.entries.set(key, held.values().next().value!);
      }
    }
  }

  /**
   * A superset of the `_id`s whose field matches every one of `ops` (`$lt`, `$lte`, `$gt`, `$gte`
   * with a number, string or Date), as nedb's matcher decides it (same type only, arrays by element),
   * or undefined when this index cannot tell (compound, an array nested in an array, NaN): scan then.
   * With arrays, each operator may match another element, so only the first operator bounds the read.
   *
   * @example
   * byDue.rangeHolders([['$lte', now]]); // Set of the _ids due by `now`
   */
  rangeHolders(ops: readonly [string, unknown][]): Set<string> | undefined {
    if (this.fields.length !== 1 || this.nestedArrayKeys > 0 || ops.length === 0) return undefined;
    const type = rangeType(ops[0]![1]);
    if (!type) return undefined;
    let low: Bound | undefined;
    let high: Bound | undefined;
    for (const [op, operand] of this.holdsArrays ? ops.slice(0, 1) : ops) {
      // An operand of another type matches nothing; leaving it out still gives a superset.
      if (rangeType(operand) !== type) continue;
      const value = comparable(operand);
      if (Number.isNaN(value)) return undefined;
      const bound = { value, inclusive: op === '$lte' || op === '$gte' };
      if (op === '$gt' || op === '$gte') low = tighter(low, bound, 1);
      else high = tighter(high, bound, -1);
    }
    this.sorted ??= this.buildSorted();
    const { values, keys } = this.sorted[type];
    const from = low ? firstAfter(values, low.value, !low.inclusive) : 0;
    const to = high ? firstAfter(values, high.value, high.inclusive) : values.length;
    const out = new Set<string>();
    for (let i = from; i < to; i++) for (const id of this.holders(keys[i]!)!) out.add(id);
    // nedb compares a Date with null (as 0): `null < date` is true, so null fields join a Date range.
    if (type === 'd') for (const id of this.holders(keyOf(null)) ?? []) out.add(id);
    return out;
  }

  private buildSorted(): SortedKeys {
    const byType: Record<RangeType, { value: number | string; key: string }[]> = { f: [], s: [], d: [] };
    for (const key of this.entries.keys()) {
      const parsed = parseKey(key);
      if (parsed) byType[parsed.type].push({ value: parsed.value, key });
    }
    const list = (type: RangeType): SortedKeys[RangeType] => {
      const pairs = byType[type].sort((a, b) => compare(a.value, b.value));
      return { values: pairs.map((p) => p.value), keys: pairs.map((p) => p.key) };
    };
    return { f: list('f'), s: list('s'), d: list('d') };
  }

  private keyAdded(key: string): void {
    if (this.fields.length !== 1) return;
    if (key.startsWith('o[')) this.nestedArrayKeys++;
    const parsed = this.sorted && parseKey(key);
    if (!parsed) return;
    const list = this.sorted![parsed.type];
    const at = firstAfter(list.values, parsed.value, false);
    list.values.splice(at, 0, parsed.value);
    list.keys.splice(at, 0, key);
  }

  private keyRemoved(key: string): void {
    if (this.fields.length !== 1) return;
    if (key.startsWith('o[')) this.nestedArrayKeys--;
    const parsed = this.sorted && parseKey(key);
    if (!parsed) return;
    const list = this.sorted![parsed.type];
    const at = firstAfter(list.values, parsed.value, false);
    if (list.keys[at] !== key) return; // never: every parsed key was inserted
    list.values.splice(at, 1);
    list.keys.splice(at, 1);
  }

  /** A unique key of `doc` that another document than `doc` (and not one of `except`) holds, if any. */
  conflict(doc: Doc, except?: ReadonlySet<string>): { key: string; holder: string } | undefined {
    if (!this.unique) return undefined;
    const id = doc._id as string;
    for (const key of this.keysOf(doc)) {
      for (const holder of this.holders(key) ?? []) if (holder !== id && !except?.has(holder)) return { key, holder };
    }
    return undefined;
  }
}

/** The types a range compares: numbers (`f`), strings (`s`) and Dates (`d`), each only with its own. */
type RangeType = 'f' | 's' | 'd';
type SortedKeys = Record<RangeType, { values: (number | string)[]; keys: string[] }>;
interface Bound {
  value: number | string;
  inclusive: boolean;
}

function rangeType(operand: unknown): RangeType | undefined {
  if (typeof operand === 'number') return 'f';
  if (typeof operand === 'string') return 's';
  return operand instanceof Date ? 'd' : undefined;
}

function comparable(operand: unknown): number | string {
  return operand instanceof Date ? operand.getTime() : (operand as number | string);
}

/** The type and value of a key a range can match (NaN and invalid Dates match no range). */
function parseKey(key: string): { type: RangeType; value: number | string } | undefined {
  const type = key[0];
  if (type === 's') return { type, value: key.slice(1) };
  if (type !== 'f' && type !== 'd') return undefined;
  const value = Number(key.slice(1));
  return Number.isNaN(value) ? undefined : { type, value };
}

/** JavaScript's `<` order, the one nedb's range operators use (values are of one type here). */
function compare(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The first position in sorted `values` past `value` (`pastEqual`) or at or past it (binary search). */
function firstAfter(values: readonly (number | string)[], value: number | string, pastEqual: boolean): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compare(values[mid]!, value);
    if (c < 0 || (pastEqual && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Of two bounds on one side, the one that lets fewer values through (`side` 1 for a lower bound, -1 for an upper). */
function tighter(current: Bound | undefined, next: Bound, side: 1 | -1): Bound {
  if (!current) return next;
  const c = compare(next.value, current.value) * side;
  if (c !== 0) return c > 0 ? next : current;
  return next.inclusive ? current : next;
}

/**
 * The index key of one value: its type and its value, so that only equal values of one type meet.
 * Objects and arrays compare by their serialized form (key order matters, as in MongoDB).
 */
export function keyOf(value: unknown): string {
  if (value === undefined || value === null) return 'n';
  switch (typeof value) {
    case 'string':
      return `s${value}`;
    case 'number':
      return `f${value}`;
    case 'boolean':
      return value ? 'bt' : 'bf';
    default:
      return value instanceof Date ? `d${value.getTime()}` : `o${serialize(value)}`;
  }
}

/** True for a value an index can look up by equality (a scalar; null and objects are scanned). */
export function isIndexable(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Date;
}
