import { toNedbQuery } from '../../src/store/nedbQuery';
import { upsertSeed } from '../../src/store/upsertSeed';

describe('toNedbQuery', () => {
  it('keeps non-colliding fields at the top level, where nedb can use an index', () => {
    expect(toNedbQuery({ _id: 'k', owner: 'a', expiresAt: { $gt: 5 } })).toEqual({ _id: 'k', owner: 'a', expiresAt: { $gt: 5 } });
  });

  it('splits several operators on one field into $and, and rewrites null, $ne and $exists', () => {
    expect(toNedbQuery({ n: { $gte: 1, $lt: 5 }, m: null, t: { $ne: 'x' }, e: { $exists: true } })).toEqual({
      n: { $gte: 1 },
      $or: [{ m: null }, { m: { $exists: false } }],
      $not: { t: 'x' },
      $and: [{ n: { $lt: 5 } }, { $not: { e: { $exists: false } } }],
    });
  });
});

describe('upsertSeed', () => {
  it('takes equality fields (also $eq, inside $and, dotted) and nothing else', () => {
    expect(upsertSeed({ _id: 'c', 'w.kind': 'reply', x: { $eq: 1 }, used: { $lt: 5 }, $and: [{ y: 2 }], $or: [{ z: 1 }, { z: 2 }] })).toEqual({
      _id: 'c',
      w: { kind: 'reply' },
      x: 1,
      y: 2,
    });
  });
});
