/**
 * Readers for JSON request fields. A missing or mistyped field refuses the call with 40058, as
 * WeCom does; extra fields are ignored, as WeCom does.
 */
import { errcodes, refuse } from './errors';
import { utf8Bytes } from './rules';

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A required string field, optionally bounded in UTF-8 bytes. */
export function str(body: Json, name: string, opts: { maxBytes?: number; minBytes?: number; code?: number } = {}): string {
  const v = body[name];
  const code = opts.code ?? errcodes.invalidParameter;
  if (typeof v !== 'string') refuse(code, `${name} missing or not a string`);
  const len = utf8Bytes(v);
  if (len < (opts.minBytes ?? 1)) refuse(code, `${name} empty`);
  if (opts.maxBytes !== undefined && len > opts.maxBytes) refuse(code, `${name} longer than ${opts.maxBytes} bytes`);
  return v;
}

/** An optional string field: absent → undefined; present → as {@link str}. */
export function optStr(body: Json, name: string, opts: { maxBytes?: number; minBytes?: number } = {}): string | undefined {
  return body[name] === undefined ? undefined : str(body, name, { minBytes: 0, ...opts });
}

/** An optional integer field within [min, max]. */
export function optInt(body: Json, name: string, min: number, max: number): number | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) refuse(errcodes.invalidParameter, `${name} must be an integer in [${min}, ${max}]`);
  return v;
}

/** A required finite number within [min, max]. */
export function num(body: Json, name: string, min: number, max: number): number {
  const v = body[name];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) refuse(errcodes.invalidParameter, `${name} must be a number in [${min}, ${max}]`);
  return v;
}

/** A required object field. */
export function obj(body: Json, name: string): Json {
  const v = body[name];
  if (!isObject(v)) refuse(errcodes.invalidParameter, `${name} missing or not an object`);
  return v;
}

/** An optional array field (absent → []), at most `max` long. */
export function optArray(body: Json, name: string, max: number, code: number = errcodes.invalidParameter): unknown[] {
  const v = body[name];
  if (v === undefined) return [];
  if (!Array.isArray(v)) refuse(errcodes.invalidParameter, `${name} must be an array`);
  if (v.length > max) refuse(code, `${name} has more than ${max} items`);
  return v;
}
