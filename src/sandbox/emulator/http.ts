/** Small helpers for reading requests and writing WeCom-shaped answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errcodes, errmsgFor, refuse } from './errors';
import { type Json, isObject } from './fields';

/** JSON bodies larger than this are refused (WeCom's own requests are a few KB). */
export const maxJsonBytes = 1024 * 1024;

/** Reads the whole body, keeping at most `maxJsonBytes` (the rest is drained so the connection stays usable). */
export async function readBody(req: IncomingMessage): Promise<{ text: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxJsonBytes) tooLarge = true;
    else chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), tooLarge };
}

/** Parses a JSON object body; empty is `{}`; anything else that is not an object → 40058. */
export function parseJsonBody(raw: { text: string; tooLarge: boolean }): Json {
  if (raw.tooLarge) refuse(errcodes.invalidParameter, 'body too large');
  if (raw.text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.text);
  } catch {
    refuse(errcodes.invalidParameter, 'malformed JSON');
  }
  if (!isObject(parsed)) refuse(errcodes.invalidParameter, 'the body must be a JSON object');
  return parsed;
}

/** Writes a JSON answer (HTTP 200 unless told: WeCom reports refusals in `errcode`, not in the status). */
export function sendJson(res: ServerResponse, body: Json, status = 200): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** `{errcode, errmsg}` of a refusal. */
export const errorBody = (errcode: number, detail?: string, callerIp?: string): Json => ({ errcode, errmsg: errmsgFor(errcode, detail, callerIp) });

/** A non-JSON answer, as a failing front end or an unknown path gets. */
export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
