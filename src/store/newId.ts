import { randomFillSync } from 'node:crypto';

/** Random bytes drawn 4 KiB at a time: one system call per 341 ids instead of one per id. */
const pool = Buffer.alloc(4096);
let offset = pool.length;

/**
 * A new string `_id`: 24 hex characters (12 random bytes), like an ObjectId's hex form. Both stores
 * use it, so `_id` is a string everywhere (MongoDB would otherwise make ObjectIds, nedb 16-character
 * strings). A pulled page's inbox documents each get one, so the bytes come from a pool (measured:
 * `randomBytes(12)` per id was the largest single cost of a page insert).
 *
 * @example
 * newId(); // '65a1f0c2e4b0a1b2c3d4e5f6'
 */
export function newId(): string {
  if (offset + 12 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + 12);
  offset += 12;
  return id;
}
