/**
 * Types for the part of nedb's document model we use: `modify` applies an update document to a
 * plain object exactly as nedb's own `update` does, so an upsert's new document is built by the same
 * code as an update; `serialize` writes a datafile line as nedb's append does; `deserialize` reads a datafile line as nedb's loader does; `match`, `deepCopy`, `getDotValue` and `compareThings` let the SQLite engine query its in-memory documents exactly as nedb's `find` does. The module ships without types (only `index.d.ts` is typed).
 */
declare module '@seald-io/nedb/lib/model.js' {
  export function modify<T extends object>(doc: T, update: Record<string, unknown>): T;
  export function deserialize(line: string): unknown;
  /** One datafile line (without its newline), as nedb's own append writes it. */
  export function serialize(doc: unknown): string;
  /** nedb's matcher: does `doc` match `query` (nedb's dialect, see nedbQuery.ts)? */
  export function match(doc: unknown, query: Record<string, unknown>): boolean;
  /** A copy sharing nothing mutable with `value` (Dates are immutable here and kept). */
  export function deepCopy<T>(value: T): T;
  /** The value at a dotted path (over arrays: the array of each element's value). */
  export function getDotValue(doc: unknown, path: string): unknown;
  /** nedb's sort order: undefined < null < numbers < strings < booleans < Dates < arrays < objects. */
  export function compareThings(a: unknown, b: unknown): number;
}
