import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { Logger } from '../../common/logger';
import { bearerMatches, HttpProblem, readJson, sendProblem } from '../httpJson';

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Path parameters every admin route validates the same way (WeCom ids are case-sensitive; none is changed). */
export const pathParams = {
  corpId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'corpId must be 1–64 letters, digits, _ or -'),
  channelId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'channelId must be 1–32 letters, digits, _ or -'),
  userId: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'userId must be a WeCom user id: 1–64 letters, digits, _ . @ or -'),
  conversationId: z.string().max(256, 'conversationId is at most 256 characters')
    .regex(/^[^:]+:[^:]+:[^:]+$/, 'conversationId must be corpId:openKfId:externalUserId, as in an activity\'s conversation.id'),
} as const;
export type PathParam = keyof typeof pathParams;

/** What a handler gets: the validated path parameters, body and query. */
export interface AdminCall<B, Q> {
  readonly req: Request;
  readonly res: Response;
  readonly params: Readonly<Record<PathParam, string>>;
  readonly body: B;
  readonly query: Q;
}

/** One admin route and its documentation (the OpenAPI document is built from these). */
export interface AdminRouteSpec<B = undefined, Q = undefined> {
  readonly method: AdminMethod;
  /** restify syntax, `/admin/v1/corps/:corpId`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly body?: z.ZodType<B>;
  readonly query?: z.ZodType<Q>;
  /** The success answer: status and media type. Default 200 JSON. */
  readonly success?: { readonly status: number; readonly contentType?: string; readonly description?: string };
  /** A JSON schema of the success body, when it is JSON. */
  readonly response?: z.ZodType;
  readonly handler: (call: AdminCall<B, Q>) => Promise<void>;
}

/**
 * The admin API's router: every route is guarded by `Authorization: Bearer <ADMIN_TOKEN>`
 * (compared in constant time), validates its path parameters, body and query with zod, answers
 * errors as `{ error: { code, message, hint } }`, and is recorded for the OpenAPI document.
 *
 * @example
 * const api = new AdminApi(server, { adminToken, logger });
 * api.route({ method: 'GET', path: '/admin/v1/corps', summary: 'List corps', tag: 'corps', handler: async ({ res }) => sendJson(res, 200, []) });
 */
export class AdminApi {
  private readonly specs: AdminRouteSpec<unknown, unknown>[] = [];

  constructor(private readonly server: Server, private readonly o: { readonly adminToken?: string; readonly logger: Logger }) {}

  route<B = undefined, Q = undefined>(spec: AdminRouteSpec<B, Q>): void {
    this.specs.push(spec as AdminRouteSpec<unknown, unknown>);
    const names = paramNames(spec.path);
    const handle = async (req: Request, res: Response): Promise<void> => {
      try {
        authorise(req, this.o.adminToken);
        const params = Object.fromEntries(names.map((n) => [n, validParam(n, req.params?.[n])])) as Record<PathParam, string>;
        const query = spec.query ? validQuery(spec.query, req) : (undefined as Q);
        const body = spec.body ? await readJson(req, spec.body) : (undefined as B);
        await spec.handler({ req, res, params, body, query });
      } catch (e) {
        if (!(e instanceof HttpProblem)) this.o.logger.warn({ err: e, url: req.url }, 'admin call failed');
        sendProblem(res, e);
      }
    };
    const verbs = { GET: 'get', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'del' } as const;
    this.server[verbs[spec.method]](spec.path, handle);
  }

  /** The routes registered so far, with their documentation. */
  routes(): readonly AdminRouteSpec<unknown, unknown>[] {
    return this.specs;
  }
}

/** `:name` segments of a restify path. */
export function paramNames(path: string): PathParam[] {
  return [...path.matchAll(/:([A-Za-z]+)/g)].map((m) => {
    const name = m[1]!;
    if (!(name in pathParams)) throw new Error(`admin route ${path}: no validation for path parameter ${name}`);
    return name as PathParam;
  });
}

function validParam(name: PathParam, value: unknown): string {
  const parsed = pathParams[name].safeParse(value);
  if (!parsed.success) throw new HttpProblem(400, 'invalid_parameter', parsed.error.issues[0]?.message ?? `bad ${name}`, `correct the ${name} in the path`);
  return parsed.data;
}

function validQuery<Q>(schema: z.ZodType<Q>, req: Request): Q {
  const url = new URL(req.url ?? '/', 'http://admin.invalid');
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) throw new HttpProblem(400, 'invalid_query', z.prettifyError(parsed.error).replace(/\n/g, '; '), 'see /admin/v1/openapi.json for the query parameters');
  return parsed.data;
}

/** Bearer check in constant time (hashes first, so lengths never leak through timing). */
function authorise(req: Request, adminToken: string | undefined): void {
  if (!adminToken) throw new HttpProblem(401, 'admin_disabled', 'the admin API is off: set ADMIN_TOKEN (at least 16 characters) and restart', 'set ADMIN_TOKEN (at least 16 characters) and restart');
  if (!bearerMatches(req, adminToken)) {
    throw new HttpProblem(401, 'unauthorized', 'missing or wrong bearer token: send Authorization: Bearer <ADMIN_TOKEN>', 'send Authorization: Bearer <ADMIN_TOKEN>');
  }
}
