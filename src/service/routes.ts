/** What each route does; app.ts wires them to the route table. */
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { Plan } from '../model/plan.js';
import { precheck, runValidate, runVerify, EXIT_CODE, type JobKind, type JobRequest, type Outcome, type PlanBody, type ValidateBody, type VerifyBody } from './jobs.js';
import type { Metrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { planJobReport } from './report.js';
import { isFinal, type JobEvent, type JobQueue, type JobView } from './queue.js';
import { JOB_COLLECTIONS } from './schemas.js';

export interface ServiceContext {
  queue: JobQueue;
  metrics: Metrics;
  /** Default and largest time limit of a job, in seconds. */
  maxTimeLimit: number;
  version: string;
  /** The server's --plugins directories. */
  pluginDirs: string[];
  /** True once shutdown has begun: no new jobs. */
  closing: () => boolean;
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** The job as the API shows it: a plan under `plan`, other results under `result`, errors as the CLI's. */
export function jobStatus(view: JobView): Record<string, unknown> {
  const out: Record<string, unknown> = { id: view.id, state: view.state };
  if (view.progress) out['progress'] = view.progress;
  if (view.worker) out['worker'] = view.worker;
  const outcome = view.outcome;
  if (outcome?.state === 'done') {
    out['exitCode'] = outcome.exitCode;
    out[view.kind === 'plan' ? 'plan' : 'result'] = outcome.result;
  } else if (outcome?.state === 'failed') {
    out['exitCode'] = outcome.error.exitCode;
    out['error'] = outcome.error;
  }
  return out;
}

/** A failed check as its HTTP answer: 400 for bad input, else 500 with the message. */
function refuse(reply: FastifyReply, error: { exitCode: number; message: string; issues?: unknown[] }) {
  if (error.exitCode === EXIT_CODE.input) return reply.code(400).send({ error: error.message, exitCode: error.exitCode, issues: error.issues ?? [] });
  return reply.code(500).send({ error: error.message, exitCode: error.exitCode });
}

function submit(ctx: ServiceContext, kind: JobKind, collection: string): Handler {
  return async (request, reply) => {
    if (ctx.closing()) return reply.code(503).send({ error: 'shutting down: no new jobs' });
    const body = request.body as JobRequest['body'];
    const job: JobRequest = { kind, body };
    const problem = await precheck(job, ctx.pluginDirs);
    if (problem) return refuse(reply, problem);
    const timeLimit = Math.min(body.timeLimit ?? ctx.maxTimeLimit, ctx.maxTimeLimit);
    const submitted = await ctx.queue.submit(job, timeLimit);
    if ('full' in submitted) {
      return reply.code(429).header('retry-after', String(submitted.retryAfter)).send({ error: `the queue is full: retry in ${submitted.retryAfter} s` });
    }
    return reply.code(202).header('location', `/v1/${collection}/${submitted.id}`).send({ id: submitted.id });
  };
}

function status(ctx: ServiceContext, kind: JobKind, cancel: boolean): Handler {
  return async (request, reply) => {
    const { id } = (request as IdRequest).params;
    const view = cancel ? await ctx.queue.cancel(id) : await ctx.queue.get(id);
    if (!view || view.kind !== kind) return reply.code(404).send({ error: `no ${kind} job ${id}` });
    return reply.send(jobStatus(view));
  };
}

/** Server-sent events: the current state and progress, then each change, until the job ends. */
function events(ctx: ServiceContext, kind: JobKind): Handler {
  return async (request, reply) => {
    const { id } = (request as IdRequest).params;
    const buffered: JobEvent[] = [];
    let forward: (e: JobEvent) => void = (e) => buffered.push(e);
    const unsubscribe = ctx.queue.subscribe(id, (e) => forward(e));
    const view = await ctx.queue.get(id);
    if (!view || view.kind !== kind) {
      unsubscribe();
      return reply.code(404).send({ error: `no ${kind} job ${id}` });
    }
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    const end = () => { clearInterval(heartbeat); unsubscribe(); if (!raw.writableEnded) raw.end(); };
    const send = (e: JobEvent) => {
      if (raw.writableEnded) return;
      raw.write(`event: ${e.type}\ndata: ${JSON.stringify(e.type === 'progress' ? e.progress : { state: e.state })}\n\n`);
      if (e.type === 'state' && isFinal(e.state)) end();
    };
    raw.on('close', end);
    send({ type: 'state', state: view.state });
    if (view.progress && !isFinal(view.state)) send({ type: 'progress', progress: view.progress });
    if (isFinal(view.state)) return end();
    forward = send;
    for (const e of buffered) send(e);
  };
}

/**
 * A plan job's HTML report. A done job always has one: a plan that was not found
 * (infeasible, unknown) is drawn as its verdict and explanation. Until then, or when the
 * job failed or was cancelled, 409 with the state. Drawn on the event loop: it loads and
 * replays, it does not search.
 */
function report(ctx: ServiceContext): Handler {
  return async (request, reply) => {
    const { id } = (request as IdRequest).params;
    const view = await ctx.queue.get(id);
    const job = view?.kind === 'plan' ? await ctx.queue.request(id) : undefined;
    if (!view || !job) return reply.code(404).send({ error: `no plan job ${id}` });
    if (view.outcome?.state !== 'done') {
      const why = isFinal(view.state) ? 'it has no plan to report' : 'its report is ready once it is done';
      return reply.code(409).send({ error: `plan job ${id} is ${view.state}: ${why}`, state: view.state });
    }
    const result = await planJobReport(id, job.body as PlanBody, view.outcome.result as Plan, ctx.pluginDirs);
    // The job's plan was verified when it was found: failing now is a bug, never shown as a report.
    if (!result.ok) return reply.code(500).send({ error: `internal error: the job's plan fails verification (${result.violations.length} violations)` });
    return reply.type('text/html; charset=utf-8').send(result.html);
  };
}

/** Checks that answer at once (they load and replay; they do not solve). */
function check(run: (body: never, pluginDirs: string[]) => Promise<Outcome>, pluginDirs: string[]): Handler {
  return async (request, reply) => {
    const outcome = await run(request.body as never, pluginDirs);
    if (outcome.state === 'failed') return refuse(reply, outcome.error);
    return reply.send({ exitCode: outcome.exitCode, result: outcome.result });
  };
}

export function handlers(ctx: ServiceContext): Record<string, RouteHandlerMethod> {
  const out: Record<string, Handler> = {};
  for (const [collection, kind] of Object.entries(JOB_COLLECTIONS)) {
    out[`POST /v1/${collection}`] = submit(ctx, kind, collection);
    out[`GET /v1/${collection}/:id`] = status(ctx, kind, false);
    out[`GET /v1/${collection}/:id/events`] = events(ctx, kind);
    out[`DELETE /v1/${collection}/:id`] = status(ctx, kind, true);
  }
  out['GET /v1/plans/:id/report'] = report(ctx);
  out['POST /v1/verify'] = check((body: VerifyBody, dirs) => runVerify(body, dirs), ctx.pluginDirs);
  out['POST /v1/validate'] = check((body: ValidateBody, dirs) => runValidate(body, dirs), ctx.pluginDirs);
  const openapi = openApiDocument(ctx.version);
  out['GET /openapi.json'] = async () => openapi;
  out['GET /healthz'] = async () => ({ status: 'ok' });
  out['GET /metrics'] = async (_request, reply) => reply.type('text/plain; version=0.0.4').send(ctx.metrics.text(await ctx.queue.counts()));
  return out as Record<string, RouteHandlerMethod>;
}
