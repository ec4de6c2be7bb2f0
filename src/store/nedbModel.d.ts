/**
 * Types for the part of nedb's document model we use: `modify` applies an update document to a
 * plain object exactly as nedb's own `update` does, so an upsert's new document is built by the same
 * code as an update; `serialize` writes a datafile line as nedb's append does; `deserialize` reads a datafile line as nedb's loader does. The module ships without types (only `index.d.ts` is typed).
 */
declare module '@seald-io/nedb/lib/model.js' {
  export function modify<T extends object>(doc: T, update: Record<string, unknown>): T;
  export function deserialize(line: string): unknown;
  /** One datafile line (without its newline), as nedb's own append writes it. */
  export function serialize(doc: unknown): string;
}
