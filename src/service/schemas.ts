/**
 * The service's routes as data: for each, the JSON Schemas of its body and of each
 * response. The same objects validate requests and responses (routes.ts) and make
 * /openapi.json (openapi.ts). Documents are the project's own schemas (schemas/*.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { JOB_STATES } from './queue.js';

export type Schema = Record<string, unknown>;

/** The project's document schemas, by $id. */
export const DOCUMENTS = ['instance', 'policy', 'plan'] as const;
export type DocumentName = (typeof DOCUMENTS)[number];
export const documentId = (name: DocumentName) => `https://shunt.dev/schemas/${name}.schema.json`;
export function documentSchema(name: DocumentName): Schema {
  return JSON.parse(readFileSync(join(packageRoot(), 'schemas', `${name}.schema.json`), 'utf8')) as Schema;
}

/** Service-level schemas (shared by several routes), by $id. */
const id = (name: string) => `https://shunt.dev/schemas/service/${name}.json`;
const ref = (target: string) => ({ $ref: target });
const pluginRef = { $ref: `${documentId('policy')}#/definitions/pluginRef` };
const timeLimit = { type: 'number', exclusiveMinimum: 0, description: 'seconds; capped at the server\'s --time-limit' };

const issue: Schema = {
  $id: id('issue'), type: 'object', required: ['path', 'message'], additionalProperties: false,
  properties: { path: { type: 'string', description: 'JSON pointer into the request body' }, message: { type: 'string' } },
};
const jobError: Schema = {
  $id: id('job-error'), type: 'object', required: ['exitCode', 'message'], additionalProperties: false,
  description: 'what the CLI would say: its exit code (2 input, 3 proven infeasible, 4 nothing found within limits, 1 internal), a message, the input issues',
  properties: { exitCode: { type: 'integer' }, message: { type: 'string' }, issues: { type: 'array', items: ref(id('issue')) } },
};
const errorBody: Schema = {
  $id: id('error'), type: 'object', required: ['error'], additionalProperties: false,
  properties: { error: { type: 'string' }, exitCode: { type: 'integer' }, issues: { type: 'array', items: ref(id('issue')) } },
};
const progress: Schema = {
  $id: id('progress'), type: 'object', required: ['done', 'total'], additionalProperties: false,
  properties: { done: { type: 'number' }, total: { type: 'number' }, note: { type: 'string' } },
};
const jobStatus: Schema = {
  $id: id('job'), type: 'object', required: ['id', 'state'], additionalProperties: false,
  properties: {
    id: { type: 'string' },
    state: { enum: ['queued', 'running', 'done', 'failed', 'cancelled'] },
    progress: ref(id('progress')),
    exitCode: { type: 'integer', description: 'the exit code the CLI would give, once done' },
    plan: { ...ref(documentId('plan')), description: 'plans: the verified plan, exactly as shunt plan --json prints it' },
    result: { description: 'targets: as shunt target --json --out, with the new instance; evaluations: the rows of shunt evaluate --json' },
    error: ref(id('job-error')),
    worker: { type: 'string', description: 'the worker that ran the job' },
  },
};
const accepted: Schema = {
  $id: id('accepted'), type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string' } },
};
const checked: Schema = {
  $id: id('checked'), type: 'object', required: ['exitCode', 'result'], additionalProperties: false,
  properties: { exitCode: { type: 'integer' }, result: { type: 'object' } },
};

export const SERVICE_SCHEMAS: Schema[] = [issue, jobError, errorBody, progress, jobStatus, accepted, checked];

const body = (properties: Schema, required: string[]): Schema => ({
  type: 'object', required: ['instance', ...required], additionalProperties: false,
  properties: { instance: ref(documentId('instance')), policy: ref(documentId('policy')), ...properties },
});

export const BODIES = {
  plan: body({ engine: { type: 'string', minLength: 1 }, objective: { enum: ['cost', 'makespan'] }, timeLimit }, []),
  target: body({ strategy: pluginRef, timeLimit }, ['strategy']),
  evaluation: body({ strategies: { type: 'array', minItems: 1, items: pluginRef }, timeLimit }, ['strategies']),
  verify: body({ plan: ref(documentId('plan')) }, ['plan']),
  validate: body({}, []),
} satisfies Record<string, Schema>;

export interface ResponseSpec { description: string; schema?: Schema; contentType?: string }
export interface RouteSpec {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  summary: string;
  body?: Schema;
  responses: Record<number, ResponseSpec>;
}

const error = (description: string): ResponseSpec => ({ description, schema: ref(id('error')) });
const BAD = error('invalid input: every issue with its JSON path (exit code 2)');
const FULL = error('the queue is full: retry after the Retry-After header\'s seconds');
const CLOSING = error('the service is shutting down');
const UNKNOWN = error('no such job');
const TOO_LARGE = error('the request body is larger than the limit');

/** The routes of one kind of job: submit, status, events, cancel. */
function jobRoutes(collection: string, what: string, schema: Schema): RouteSpec[] {
  const status = { description: `the job: its state, progress, and once done its ${what} or error`, schema: ref(id('job')) };
  return [
    { method: 'POST', url: `/v1/${collection}`, summary: `queue a job that computes ${what}`, body: schema,
      responses: { 202: { description: 'queued', schema: ref(id('accepted')) }, 400: BAD, 413: TOO_LARGE, 429: FULL, 503: CLOSING } },
    { method: 'GET', url: `/v1/${collection}/:id`, summary: 'the job\'s state and result', responses: { 200: status, 404: UNKNOWN } },
    { method: 'GET', url: `/v1/${collection}/:id/events`, summary: 'the job\'s progress and state changes as server-sent events (event: progress | state)',
      responses: { 200: { description: 'an event stream that ends when the job does', contentType: 'text/event-stream', schema: { type: 'string' } }, 404: UNKNOWN } },
    { method: 'DELETE', url: `/v1/${collection}/:id`, summary: 'cancel the job if it is queued or running', responses: { 200: status, 404: UNKNOWN } },
  ];
}

export const JOB_COLLECTIONS = { plans: 'plan', targets: 'target', evaluations: 'evaluation' } as const;

const NOT_DONE: ResponseSpec = {
  description: 'the job is not done (queued, running) or never will be (failed, cancelled): no report',
  schema: { type: 'object', required: ['error', 'state'], additionalProperties: false, properties: { error: { type: 'string' }, state: { enum: [...JOB_STATES] } } },
};

export const ROUTES: RouteSpec[] = [
  ...jobRoutes('plans', 'a verified plan', BODIES.plan),
  { method: 'GET', url: '/v1/plans/:id/report', summary: 'the done job\'s plan as the self-contained HTML report of shunt report (a plan not found shows its verdict)',
    responses: { 200: { description: 'one HTML page that opens offline', contentType: 'text/html', schema: { type: 'string' } }, 404: UNKNOWN, 409: NOT_DONE } },
  ...jobRoutes('targets', 'a target placement (as shunt target)', BODIES.target),
  ...jobRoutes('evaluations', 'strategies side by side (as shunt evaluate)', BODIES.evaluation),
  { method: 'POST', url: '/v1/verify', summary: 'replay a plan against an instance (as shunt verify --json; exitCode 1 when invalid)', body: BODIES.verify,
    responses: { 200: { description: 'the verification', schema: ref(id('checked')) }, 400: BAD, 413: TOO_LARGE } },
  { method: 'POST', url: '/v1/validate', summary: 'check an instance (as shunt validate --json)', body: BODIES.validate,
    responses: { 200: { description: 'valid', schema: ref(id('checked')) }, 400: BAD, 413: TOO_LARGE } },
  { method: 'GET', url: '/openapi.json', summary: 'this description', responses: { 200: { description: 'OpenAPI 3.1', schema: { type: 'object' } } } },
  { method: 'GET', url: '/healthz', summary: 'liveness', responses: { 200: { description: 'ok', schema: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } } } } },
  { method: 'GET', url: '/metrics', summary: 'jobs by state, queue length, durations (Prometheus text format)',
    responses: { 200: { description: 'metrics', contentType: 'text/plain; version=0.0.4', schema: { type: 'string' } } } },
];
