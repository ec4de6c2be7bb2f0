import type { BaseDocument, Collection, Store } from '../../src/store';

/** Collection methods that write (findOneAndUpdate may match nothing; it is still a write request). */
const WRITES = new Set(['insertOne', 'insertMany', 'findOneAndUpdate', 'updateEach', 'updateMany', 'deleteMany']);
const OPERATIONS = new Set([...WRITES, 'findOne', 'find', 'countDocuments']);

/** Store operations seen since the last reset, per `collection.method`. */
export interface StoreCounts {
  operations: number;
  writes: number;
  byCall: Record<string, number>;
}

/**
 * A Store that counts the operations the code above it asks for (not a mock: every call goes to the
 * real store underneath). Index creation is left out: it happens once, at start.
 */
export function countingStore(inner: Store): { store: Store; counts(): StoreCounts; reset(): void } {
  let byCall: Record<string, number> = {};
  const collections = new Map<string, Collection<BaseDocument>>();
  const wrap = (name: string, real: Collection<BaseDocument>): Collection<BaseDocument> =>
    new Proxy(real, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop !== 'string' || !OPERATIONS.has(prop) || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const key = `${name}.${prop}`;
          byCall[key] = (byCall[key] ?? 0) + 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const store: Store = {
    kind: inner.kind,
    get clock() {
      return inner.clock;
    },
    collection<T extends BaseDocument>(name: string): Collection<T> {
      let c = collections.get(name);
      if (!c) collections.set(name, (c = wrap(name, inner.collection<BaseDocument>(name))));
      return c as unknown as Collection<T>;
    },
    check: () => inner.check(),
    close: () => inner.close(),
  };
  return {
    store,
    counts: () => {
      const entries = Object.entries(byCall);
      const sum = (pick: (method: string) => boolean): number =>
        entries.filter(([k]) => pick(k.slice(k.indexOf('.') + 1))).reduce((n, [, v]) => n + v, 0);
      return { operations: sum(() => true), writes: sum((m) => WRITES.has(m)), byCall: { ...byCall } };
    },
    reset: () => void (byCall = {}),
  };
}
