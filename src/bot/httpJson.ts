import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'restify';
import { z } from 'zod';
import { isChannelError } from '../common/errors';
import { readRawBody } from '../wecom/rawBody';

/** An HTTP error with a status and a stable code, answered as `{ error: { code, message, hint } }`. */
export class HttpProblem extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly hint?: string) {
    super(message);
  }
}

/** Reads a JSON body (at most `limitBytes`, default 16 KiB) and validates it; a bad one is a 400 that says what is wrong, a larger one a 413. */
export async function readJson<T>(req: Request, schema: z.ZodType<T>, limitBytes = 16 * 1024): Promise<T> {
  let parsed: unknown;
  try {
    const raw = await readRawBody(req, { limit: limitBytes });
    parsed = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  } catch (e) {
    if (isChannelError(e, 'payload_too_large')) throw new HttpProblem(413, 'payload_too_large', `the body is over ${limitBytes} bytes`, 'send a smaller body');
    throw new HttpProblem(400, 'invalid_json', `the body must be JSON (${(e as Error).message})`, 'send a JSON object with Content-Type: application/json');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw new HttpProblem(400, 'invalid_body', z.prettifyError(result.error).replace(/\n/g, '; '), 'fix the fields named; the OpenAPI document (/admin/v1/openapi.json) describes the body');
  return result.data;
}

export function sendJson(res: Response, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

const statusByCode: Readonly<Record<string, number>> = {
  invalid_purchase: 400, idempotency_key_reused: 409, invalid_agent_count: 400, unknown_corp: 404, conversation_id_invalid: 400, config_invalid: 400,
  channel_not_found: 404, channel_exists: 409, organisation_not_active: 409, app_not_authorised: 409, csa_not_authorised: 409,
  wecom_api_error: 502, wecom_http_error: 502,
};

const hintByCode: Readonly<Record<string, string>> = {
  invalid_purchase: 'buy whole IM credits, at least 4', idempotency_key_reused: 'use a new Idempotency-Key for a different purchase',
  unknown_corp: 'check the corp id (case-sensitive); GET /admin/v1/corps lists them', conversation_id_invalid: 'use the conversation id of an activity (corp:kf:customer)',
  channel_not_found: 'check the channel id (case-sensitive); GET /admin/v1/corps/{corpId}/channels lists them',
  channel_exists: 'delete the other channel of this customer service account first, or create a new account',
  wecom_http_error: 'WeCom could not be reached: check the network or WECOM_HTTP_PROXY, then retry',
};

/** Answers an error as `{ error: { code, message, hint } }`: ours by its code, anything else as a 500 without internals. */
export function sendProblem(res: Response, e: unknown): void {
  if (e instanceof HttpProblem) return sendJson(res, e.status, { error: { code: e.code, message: e.message, hint: e.hint ?? 'see the message' } });
  if (isChannelError(e)) {
    // Prerequisite and WeCom errors carry their own hint (the step to take, WeCom's errcode meaning).
    const own = (e as { hint?: unknown }).hint;
    const hint = typeof own === 'string' ? own : hintByCode[e.code] ?? 'see the message';
    return sendJson(res, statusByCode[e.code] ?? 500, { error: { code: e.code, message: e.message, hint } });
  }
  sendJson(res, 500, { error: { code: 'internal', message: 'internal error; see the server log', hint: 'the server log has the details; retry once the cause is fixed' } });
}

/** Whether the request's `Authorization: Bearer` token is `token`, compared in constant time (hashes first, so lengths never leak through timing). */
export function bearerMatches(req: Request, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(req.header('Authorization') ?? '')?.[1] ?? '';
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return given !== '' && timingSafeEqual(digest(given), digest(token));
}
