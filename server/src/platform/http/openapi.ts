import { z } from 'zod';
import { MAX_JSON_DEPTH } from '@huashu/core';
import { paramsSchemaOf, type RouteSpec } from './route.js';

const ErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.object({ issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() }).optional(),
  }),
});

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  // `unrepresentable: 'any'` keeps refinements and transforms from aborting the whole document.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const SECURITY: Record<string, string> = { secret: 'secretKey', publishable: 'publishableKey', rep: 'repToken' };

/** The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with. */
export function buildOpenApi(routes: RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters: Array<{ name: string; in: 'path' | 'query'; required: boolean; schema: unknown }> = [];
    const params = paramsSchemaOf(route);
    if (params) {
      const described = jsonSchema(params, 'input') as { properties?: Record<string, unknown> };
      for (const [name, schema] of Object.entries(described.properties ?? {})) parameters.push({ name, in: 'path', required: true, schema });
    }
    if (route.query) {
      const query = jsonSchema(route.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(query.properties ?? {})) {
        parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema });
      }
    }
    const errorResponse = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    (paths[path] ??= {})[route.method] = {
      summary: route.summary,
      tags: [route.tag],
      ...(parameters.length ? { parameters } : {}),
      ...(route.auth === 'public' ? { security: [] } : { security: route.auth.map((kind) => ({ [SECURITY[kind]!]: [] })) }),
      ...(route.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } }
        : {}),
      responses: {
        [String(route.status ?? 200)]: {
          description: 'OK',
          content: {
            [route.produces ?? 'application/json']: route.response ? { schema: jsonSchema(route.response, 'output') } : {},
          },
        },
        '4XX': errorResponse,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Huashu API',
      version,
      description:
        'Lead capture, behaviour tracking and the objection-handling knowledge assistant. Errors: `{ error: { code, message, details? } }`. ' +
        `Every request: JSON nested at most ${MAX_JSON_DEPTH} levels deep; no string or field name may contain U+0000 or an unpaired UTF-16 surrogate ` +
        '(400 naming the field; inside a batch or import, that item alone is rejected by index).',
    },
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorSchema, 'output') },
      securitySchemes: {
        secretKey: { type: 'http', scheme: 'bearer', description: 'sk_… — server-to-server only' },
        publishableKey: { type: 'http', scheme: 'bearer', description: 'pk_… — safe in a web page; leads and events only' },
        repToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'short-lived rep token minted with the secret key' },
      },
    },
  };
}
