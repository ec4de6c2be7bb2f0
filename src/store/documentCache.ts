/**
 * The SQLite engine's few recently used documents of one collection, parsed, by row id: a turn
 * reads the same handful of documents several times (its window, its inbox entry, its cursor), and
 * each would otherwise be read from the file and parsed again. Bounded, least recently used out
 * first, so memory does not follow the size of the collection.
 *
 * The documents are the stored objects: never change one (an update replaces it).
 *
 * @example
 * const cache = new DocumentCache<Doc>(1000);
 * cache.set(7, doc);
 * cache.get(7); // doc, now the most recently used
 */
export class DocumentCache<D> {
  private readonly entries = new Map<number, D>();

  constructor(readonly capacity: number) {}

  get(rid: number): D | undefined {
    const doc = this.entries.get(rid);
    if (doc === undefined) return undefined;
    // Map order is the LRU order: move it to the end.
    this.entries.delete(rid);
    this.entries.set(rid, doc);
    return doc;
  }

  /** Without making it the most recently used (a scan reads every document once: it must not push the hot ones out). */
  peek(rid: number): D | undefined {
    return this.entries.get(rid);
  }

  set(rid: number, doc: D): void {
    if (this.capacity <= 0) return;
    this.entries.delete(rid);
    this.entries.set(rid, doc);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(rid: number): void {
    this.entries.delete(rid);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
