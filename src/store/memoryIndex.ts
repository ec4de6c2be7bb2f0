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
 * byMsgid.holders('s' + 'm1'); // Set of _ids, or undefined
 */
export class MemoryIndex {
  readonly fields: string[];
  readonly unique: boolean;
  readonly sparse: boolean;
  private readonly entries = new Map<string, Set<string>>();
  /** Whether a document ever gave one of the fields an array (a compound key then holds the whole array). */
  holdsArrays = false;

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
      if (Array.isArray(value)) return value.length === 0 ? [keyOf(undefined)] : [...new Set(value.map(keyOf))];
      return [keyOf(value)];
    }
    const values = this.fields.map((f) => dotValue(doc, f));
    if (!this.holdsArrays && values.some(Array.isArray)) this.holdsArrays = true;
    if (this.sparse && values.every((v) => v === undefined)) return [];
    return [values.map(keyOf).join('\u0001')];
  }

  /** The `_id`s holding `key`. */
  holders(key: string): ReadonlySet<string> | undefined {
    return this.entries.get(key);
  }

  add(doc: Doc): void {
    const id = doc._id as string;
    for (const key of this.keysOf(doc)) {
      let set = this.entries.get(key);
      if (!set) this.entries.set(key, (set = new Set()));
      set.add(id);
    }
  }

  remove(doc: Doc): void {
    const id = doc._id as string;
    for (const key of this.keysOf(doc)) {
      const set = this.entries.get(key);
      if (!set) continue;
      set.delete(id);
      if (set.size === 0) this.entries.delete(key);
    }
  }

  /** A unique key of `doc` that another document than `doc` (and not one of `except`) holds, if any. */
  conflict(doc: Doc, except?: ReadonlySet<string>): { key: string; holder: string } | undefined {
    if (!this.unique) return undefined;
    const id = doc._id as string;
    for (const key of this.keysOf(doc)) {
      const set = this.entries.get(key);
      if (!set) continue;
      for (const holder of set) if (holder !== id && !except?.has(holder)) return { key, holder };
    }
    return undefined;
  }
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
