import { serialize } from '@seald-io/nedb/lib/model.js';
import type { IndexSpec } from './collection';
import { dotValue } from './fastModel';

type Doc = Record<string, unknown>;

/**
 * One index of the SQLite engine: index key → the row ids (`rid`) of the documents holding it, in
 * the order they took it. It finds candidates for an equality lookup and enforces `unique` as
 * MongoDB does:
 * - a missing field counts as `null` (two documents without the field collide in a unique index),
 *   unless the index is `sparse` (then a document without any of its fields is left out);
 * - a single-field index over an array holds each element (multikey), so `{tags: 'red'}` finds it;
 * - values of different types never collide (`1`, `'1'` and `new Date(1)` are three keys).
 *
 * Memory is what bounds the engine (the documents stay in the file), so keys are kept as a 30-bit
 * hash of their text, not the text (an inbox key runs to a hundred characters), and a key one
 * document holds keeps its row id alone, not a Set. Two keys may share a hash: a lookup then
 * returns the holders of both, which only widens the candidates (the matcher decides), and a unique
 * conflict is confirmed against the holder's own keys (`keysOf` of the document `docOf` reads).
 *
 * @example
 * const byMsgid = new MemoryIndex({ keys: { msgid: 1 }, unique: true });
 * byMsgid.add(1, { _id: 'a', msgid: 'm1' });
 * [...byMsgid.holders(keyOf('m1'))!]; // [1]
 */
export class MemoryIndex {
  readonly fields: string[];
  readonly unique: boolean;
  readonly sparse: boolean;
  /** Key hash → its holder's row id, or a Set of them when several hold it. */
  private readonly entries = new Map<number, number | Set<number>>();
  /** Whether a document ever gave one of the fields an array (a compound key then holds the whole array). */
  holdsArrays = false;
  /**
   * A single-field index's distinct number and Date values in order, each with its rows: kept from
   * the start (filled by {@link addUnsorted}, then ordered once by {@link sortValues}, when the index
   * is built); its string values (a copy of each string) from the first string range read, which
   * reads every row, on. Distinct values, not a pair per row: an update moves a row between values
   * (the licensing jobs' `nextDueAt`) without shifting an array as long as the collection.
   */
  private readonly sorted: SortedValues = { f: emptyList(), s: emptyList(), d: emptyList() };
  private stringsSorted = false;
  /** How many documents hold an array inside an array in the field, which nedb's range matching flattens (a range lookup would miss it). */
  private nestedArrays = 0;

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

  /** The row ids holding `key`, in the order they took it (and those of a key sharing its hash). */
  holders(key: string): Iterable<number> | undefined {
    const held = this.entries.get(hashKey(key));
    return typeof held === 'number' ? [held] : held;
  }

  /** How many row ids {@link holders} lists for `key`, without listing them. */
  count(key: string): number {
    const held = this.entries.get(hashKey(key));
    return held === undefined ? 0 : typeof held === 'number' ? 1 : held.size;
  }

  add(rid: number, doc: Doc): void {
    this.addKeys(rid, doc);
    if (this.fields.length !== 1) return;
    for (const [type, value] of rangeValues(dotValue(doc, this.fields[0]!))) if (type !== 's' || this.stringsSorted) addValue(this.sorted[type], value, rid, true);
  }

  /** Whether {@link addUnsorted} left values to order. */
  private sortedLater = false;

  private addKeys(rid: number, doc: Doc): void {
    for (const key of this.keysOf(doc)) {
      const hash = hashKey(key);
      const held = this.entries.get(hash);
      if (held === undefined) this.entries.set(hash, rid);
      else if (typeof held !== 'number') held.add(rid);
      else if (held !== rid) this.entries.set(hash, new Set([held, rid]));
    }
    if (this.fields.length === 1 && isNestedArray(dotValue(doc, this.fields[0]!))) this.nestedArrays++;
  }

  /** {@link add} while the index is built from every row: the ordered values are sorted once at the end ({@link sortValues}). */
  addUnsorted(rid: number, doc: Doc): void {
    this.addKeys(rid, doc);
    if (this.fields.length !== 1) return;
    this.sortedLater = true;
    for (const [type, value] of rangeValues(dotValue(doc, this.fields[0]!))) if (type !== 's') addValue(this.sorted[type], value, rid, false);
  }

  /** Orders the values {@link addUnsorted} collected. */
  sortValues(): void {
    if (!this.sortedLater) return;
    this.sortedLater = false;
    for (const type of ['f', 'd'] as const) orderValues(this.sorted[type]);
  }

  remove(rid: number, doc: Doc): void {
    for (const key of this.keysOf(doc)) {
      const hash = hashKey(key);
      const held = this.entries.get(hash);
      if (held === rid) this.entries.delete(hash);
      else if (typeof held === 'object' && held.delete(rid) && held.size === 1) this.entries.set(hash, held.values().next().value!);
    }
    if (this.fields.length !== 1) return;
    if (isNestedArray(dotValue(doc, this.fields[0]!))) this.nestedArrays--;
    for (const [type, value] of rangeValues(dotValue(doc, this.fields[0]!))) if (type !== 's' || this.stringsSorted) removeValue(this.sorted[type], value, rid);
  }

  /**
   * A superset of the row ids whose field matches every one of `ops` (`$lt`, `$lte`, `$gt`, `$gte`
   * with a number, string or Date), as nedb's matcher decides it (same type only, arrays by element),
   * or undefined when this index cannot tell (compound, an array nested in an array, NaN): scan then.
   * With arrays, each operator may match another element, so only the first operator bounds the read.
   * The first range read builds the ordered values from `rows` (every document of the collection).
   *
   * @example
   * byDue.rangeHolders([['$lte', now]], () => collection.rows()); // Set of the row ids due by `now`
   */
  rangeHolders(ops: readonly [string, unknown][], rows: () => Iterable<{ rid: number; doc: Doc }>): Set<number> | undefined {
    if (this.fields.length !== 1 || this.nestedArrays > 0 || ops.length === 0) return undefined;
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
    if (type === 's' && !this.stringsSorted) {
      this.sorted.s = this.sortedStrings(rows());
      this.stringsSorted = true;
    }
    const { values, holders } = this.sorted[type];
    const from = low ? firstAfter(values, low.value, !low.inclusive) : 0;
    const to = high ? firstAfter(values, high.value, high.inclusive) : values.length;
    const out = new Set<number>();
    for (let i = from; i < to; i++) {
      const held = holders.get(values[i]!)!;
      if (typeof held === 'number') out.add(held);
      else for (const rid of held) out.add(rid);
    }
    // nedb compares a Date with null (as 0): `null < date` is true, so null fields join a Date range.
    if (type === 'd') for (const rid of this.holders(keyOf(null)) ?? []) out.add(rid);
    return out;
  }

  private sortedStrings(rows: Iterable<{ rid: number; doc: Doc }>): OrderedValues {
    const list = emptyList();
    for (const { rid, doc } of rows) for (const [type, value] of rangeValues(dotValue(doc, this.fields[0]!))) if (type === 's') addValue(list, value, rid, false);
    orderValues(list);
    return list;
  }

  /**
   * A unique key of `doc` (row `rid`) that another row than `rid` (and not one of `except`) holds,
   * if any, confirmed on that row's document (`docOf`), since keys are kept as hashes.
   */
  conflict(rid: number, doc: Doc, docOf: (rid: number) => Doc, except?: ReadonlySet<number>): { key: string; holder: number } | undefined {
    if (!this.unique) return undefined;
    for (const key of this.keysOf(doc)) {
      for (const holder of this.holders(key) ?? []) {
        if (holder !== rid && !except?.has(holder) && this.keysOf(docOf(holder)).includes(key)) return { key, holder };
      }
    }
    return undefined;
  }
}

/** The 30-bit FNV-1a hash of a key's text: a small integer, which V8 keeps in a Map without allocating. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h & 0x3fffffff;
}

/** Whether an index value is an array holding an array (nedb's range matching flattens those). */
function isNestedArray(value: unknown): boolean {
  return Array.isArray(value) && value.some(Array.isArray);
}

/** The values of a field a range can match, once each, with their type (an array by its elements; NaN and invalid Dates match none). */
function rangeValues(value: unknown): [RangeType, number | string][] {
  const out: [RangeType, number | string][] = [];
  const seen = new Set<string>();
  for (const v of Array.isArray(value) ? value : [value]) {
    const type = rangeType(v);
    if (!type) continue;
    const c = comparable(v);
    if (typeof c === 'number' && Number.isNaN(c)) continue;
    const key = keyOf(v);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([type, c]);
  }
  return out;
}

/** The types a range compares: numbers (`f`), strings (`s`) and Dates (`d`), each only with its own. */
type RangeType = 'f' | 's' | 'd';
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

/** A range type's distinct values in order, and the rows holding each. */
interface OrderedValues {
  values: (number | string)[];
  holders: Map<number | string, number | Set<number>>;
}
type SortedValues = Record<RangeType, OrderedValues>;

function emptyList(): OrderedValues {
  return { values: [], holders: new Map() };
}

/** Adds a row to a value; a new value goes into its place (`inOrder`), or at the end, for {@link orderValues} to sort. */
function addValue(list: OrderedValues, value: number | string, rid: number, inOrder: boolean): void {
  const held = list.holders.get(value);
  if (held === undefined) {
    list.holders.set(value, rid);
    list.values.splice(inOrder ? firstAfter(list.values, value, false) : list.values.length, 0, value);
  } else if (typeof held !== 'number') held.add(rid);
  else if (held !== rid) list.holders.set(value, new Set([held, rid]));
}

function removeValue(list: OrderedValues, value: number | string, rid: number): void {
  const held = list.holders.get(value);
  if (held === rid) {
    list.holders.delete(value);
    const at = firstAfter(list.values, value, false);
    if (at < list.values.length && compare(list.values[at]!, value) === 0) list.values.splice(at, 1);
  } else if (typeof held === 'object' && held.delete(rid) && held.size === 1) list.holders.set(value, held.values().next().value!);
}

function orderValues(list: OrderedValues): void {
  list.values.sort(compare);
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

/**
 * The SQLite engine's `_id` → row id map, kept as {@link hashKey} of the `_id` (an inbox `_id` runs
 * to about 90 characters): `rows(id)` gives the rows that may hold it, the caller confirms on the
 * document. Almost always one row or none.
 *
 * @example
 * const ids = new IdIndex();
 * ids.add('a', 1);
 * ids.rows('a'); // [1]
 */
export class IdIndex {
  private readonly entries = new Map<number, number | number[]>();
  /** How many documents (rows) it holds. */
  size = 0;

  rows(id: string): readonly number[] {
    const held = this.entries.get(hashKey(id));
    return held === undefined ? [] : typeof held === 'number' ? [held] : held;
  }

  add(id: string, rid: number): void {
    const hash = hashKey(id);
    const held = this.entries.get(hash);
    this.entries.set(hash, held === undefined ? rid : typeof held === 'number' ? [held, rid] : [...held, rid]);
    this.size++;
  }

  delete(id: string, rid: number): void {
    const hash = hashKey(id);
    const held = this.entries.get(hash);
    if (held === rid) this.entries.delete(hash);
    else if (typeof held === 'object' && held.includes(rid)) {
      const rest = held.filter((r) => r !== rid);
      this.entries.set(hash, rest.length === 1 ? rest[0]! : rest);
    } else return;
    this.size--;
  }

  clear(): void {
    this.entries.clear();
    this.size = 0;
  }
}
