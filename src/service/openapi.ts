/**
 * /openapi.json from the route table and the very schemas that validate requests and
 * responses: each schema becomes a component (its definitions hoisted beside it) and
 * every $ref is rewritten to point at a component.
 */
import { DOCUMENTS, ROUTES, SERVICE_SCHEMAS, documentSchema, type RouteSpec } from './schemas.js';

const capital = (s: string) => s.split(/[-_]/).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');

/** Component name of a schema id (document or service schema). */
function componentOf(id: string): string {
  const name = id.replace(/^.*\//, '').replace(/\.schema\.json$|\.json$/, '');
  return capital(name);
}

/** The component a $ref points at, seen from the schema whose $id is `base`. */
function rewriteRef(target: string, base: string): string {
  const [path, fragment] = target.split('#') as [string, string | undefined];
  const absolute = path === '' ? base : new URL(path, base).href;
  const component = componentOf(absolute);
  const definition = fragment?.match(/^\/definitions\/(.+)$/)?.[1];
  return `#/components/schemas/${definition ? `${component}_${definition}` : component}`;
}

function rewrite(value: unknown, base: string): unknown {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, base));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$id' || k === '$schema' || k === 'definitions') continue;
    out[k] = k === '$ref' && typeof v === 'string' ? rewriteRef(v, base) : rewrite(v, base);
  }
  return out;
}

function components(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const all = [...DOCUMENTS.map((d) => documentSchema(d)), ...SERVICE_SCHEMAS];
  for (const schema of all) {
    const id = schema['$id'] as string;
    const name = componentOf(id);
    out[name] = rewrite(schema, id);
    const definitions = (schema['definitions'] ?? {}) as Record<string, unknown>;
    for (const [key, def] of Object.entries(definitions)) out[`${name}_${key}`] = rewrite(def, id);
  }
  return out;
}

const SERVICE_BASE = 'https://shunt.dev/schemas/service/';

function operation(route: RouteSpec): Record<string, unknown> {
  const params = route.url.includes(':id') ? [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] : [];
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(route.responses)) {
    const headers = status === '429' ? { 'Retry-After': { description: 'seconds', schema: { type: 'integer' } } } : undefined;
    responses[status] = { description: r.description, ...(headers ? { headers } : {}), ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: rewrite(r.schema, SERVICE_BASE) } } } : {}) };
  }
  return {
    summary: route.summary,
    ...(params.length ? { parameters: params } : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: rewrite(route.body, SERVICE_BASE) } } } } : {}),
    responses,
  };
}

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'shunt planning service', version, description: 'Verified live-migration plans as a service: jobs run in a worker pool (or on shunt workers through Redis).' },
    paths,
    components: { schemas: components() },
  };
}

