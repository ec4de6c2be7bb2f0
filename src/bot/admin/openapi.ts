import { z } from 'zod';
import { type AdminRouteSpec, paramNames, pathParams } from './adminApi';

/** `/a/:id/b` → `/a/{id}/b`. */
export function openApiPath(restifyPath: string): string {
  return restifyPath.replace(/:([A-Za-z]+)/g, '{$1}');
}

const jsonSchema = (schema: z.ZodType): Record<string, unknown> => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'hint'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string', description: 'what to do, e.g. the step in the WeCom admin console' } },
    },
  },
};

/**
 * The OpenAPI 3.1 document of the admin routes, built from their registrations (so it cannot
 * drift from what is served).
 */
export function openApiDocument(routes: readonly AdminRouteSpec<unknown, unknown>[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const parameters: unknown[] = paramNames(r.path).map((n) => ({ name: n, in: 'path', required: true, schema: jsonSchema(pathParams[n]) }));
    if (r.query) {
      const q = jsonSchema(r.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
    }
    if (r.path.endsWith('/credits')) parameters.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } });
    const success = r.success ?? { status: 200 };
    const contentType = success.contentType ?? 'application/json';
    const ok = success.status === 204
      ? { description: success.description ?? 'done' }
      : { description: success.description ?? 'success', content: { [contentType]: { schema: r.response ? jsonSchema(r.response) : contentType === 'application/json' ? { type: 'object' } : { type: 'string', ...(contentType === 'image/png' ? { format: 'binary' } : {}) } } } };
    const problem = (description: string): unknown => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
    paths[openApiPath(r.path)] ??= {};
    paths[openApiPath(r.path)]![r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${openApiPath(r.path).replace(/^\/admin\/v1/, '').replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } } } : {}),
      responses: {
        [String(success.status)]: ok,
        400: problem('bad input: the message says which field and why'),
        401: problem('no or wrong bearer token, or ADMIN_TOKEN unset'),
        404: problem('no such corp or channel'),
        409: problem('a prerequisite in WeCom is missing (organisation, admin authorisation, CSA authorisation) or the CSA already has a channel'),
        502: problem('WeCom refused or could not be reached'),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'wecom-kf-botbuilder admin API', version, description: 'Corps, channels, agents, chat links, licences and IM credits. Every call needs Authorization: Bearer <ADMIN_TOKEN>.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' } },
      schemas: { Error: errorSchema },
    },
  };
}
