/**
 * The HTTP layer: a Fastify app whose every request body and response is checked
 * against the route table's schemas (schemas.ts), and whose errors never carry a
 * stack trace.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { formatErrors } from '../io/schemas.js';
import { DOCUMENTS, ROUTES, SERVICE_SCHEMAS, documentSchema, type RouteSpec } from './schemas.js';
import { handlers, type ServiceContext } from './routes.js';

export interface AppOptions extends ServiceContext {
  /** Largest accepted request body in bytes. */
  bodyLimit: number;
  logger?: boolean;
}

function schemaAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const name of DOCUMENTS) ajv.addSchema(documentSchema(name));
  for (const schema of SERVICE_SCHEMAS) ajv.addSchema(schema);
  return ajv;
}

/** A response that does not match its schema is a bug: it becomes a 500, never a malformed answer. */
function validatingSerializer(ajv: Ajv) {
  return ({ schema }: { schema: unknown }) => {
    const validate = ajv.compile(schema as object);
    return (data: unknown) => {
      if (!validate(data)) throw new Error(`response does not match its schema: ${ajv.errorsText(validate.errors)}`);
      return JSON.stringify(data);
    };
  };
}

function jsonResponses(route: RouteSpec): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const [status, r] of Object.entries(route.responses)) if (r.schema && !r.contentType) out[Number(status)] = r.schema;
  return out;
}

function onError(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      const issues = formatErrors(error.validation as ErrorObject[], request.body);
      return reply.code(400).send({ error: 'invalid input', exitCode: 2, issues });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ error: `request body larger than ${app.initialConfig.bodyLimit} bytes` });
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: 'invalid request', ...(status === 400 ? { exitCode: 2, issues: [{ path: '', message: error.message }] } : {}) });
    }
    request.log.error({ err: error }, 'internal error');
    return reply.code(500).send({ error: 'internal error' });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }));
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit, return503OnClosing: true });
  const ajv = schemaAjv();
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  app.setSerializerCompiler(validatingSerializer(ajv));
  onError(app);
  const byRoute = handlers(options);
  for (const route of ROUTES) {
    const handler = byRoute[`${route.method} ${route.url}`];
    if (!handler) throw new Error(`no handler for ${route.method} ${route.url}`);
    app.route({ method: route.method, url: route.url, schema: { ...(route.body ? { body: route.body } : {}), response: jsonResponses(route) }, handler });
  }
  await app.ready();
  return app;
}
