import { LruMap } from '../../src/common';

describe('LruMap', () => {
  it('keeps at most its capacity, dropping the least recently used; get counts as a use, peek does not', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.get('a')).toBe(1); // a is now the most recent
    m.set('c', 3); // b goes
    expect([m.peek('a'), m.peek('b'), m.peek('c')]).toEqual([1, undefined, 3]);
    m.peek('a'); // not a use: a is still older than c
    m.set('d', 4); // a goes
    expect([m.peek('a'), m.peek('c'), m.peek('d'), m.size]).toEqual([undefined, 3, 4, 2]);
  });

  it('keeps nothing at capacity 0', () => {
    const m = new LruMap<number, string>(0);
    m.set(1, 'x');
    expect(m.size).toBe(0);
  });
});
