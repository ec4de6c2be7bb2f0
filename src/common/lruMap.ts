/**
 * A Map bounded to `capacity` entries, the least recently used out first, so memory does not follow
 * how many keys were ever seen. `get` counts as a use; `peek` does not (a scan that touches every
 * entry once must not push the hot ones out).
 *
 * @example
 * const recent = new LruMap<number, Doc>(1000);
 * recent.set(7, doc);
 * recent.get(7); // doc, now the most recently used
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  /** At most this many entries; 0 keeps none. */
  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    // Map order is the LRU order: move it to the end.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Without making it the most recently used. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
