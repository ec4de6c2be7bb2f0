import { randomBytes } from 'node:crypto';

/**
 * A new string `_id`: 24 hex characters, like an ObjectId's hex form. Both stores use it, so `_id`
 * is a string everywhere (MongoDB would otherwise make ObjectIds, nedb 16-character strings).
 *
 * @example
 * newId(); // '65a1f0c2e4b0a1b2c3d4e5f6'
 */
export function newId(): string {
  return randomBytes(12).toString('hex');
}
