/**
 * The planning service in process (fastify.inject, the worker-thread pool from dist/):
 * every route, bad input named by JSON path, a full queue, cancellation, progress as
 * server-sent events, the OpenAPI description, and no stack trace in any answer.
 * Jobs that must still be running when the test acts use the fixture rule "slow",
 * which holds its worker thread for a while, so nothing depends on machine speed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createService, type Service } from '../src/service/service.js';
import { ROUTES } from '../src/service/schemas.js';
import type { JobState } from '../src/service/queue.js';
import type { InputIssue } from '../src/io/errors.js';
import type { Plan } from '../src/model/plan.js';
import { cli as shunt } from './helpers.js';

const root = join(import.meta.dirname, '..');
const cloud20 = JSON.parse(readFileSync(join(root, 'examples', 'cloud-20.json'), 'utf8'));
const impossible = JSON.parse(readFileSync(join(root, 'examples', 'impossible-swap.json'), 'utf8'));
const pluginDir = join(import.meta.dirname, 'fixtures', 'service', 'plugins');

/** cloud-20 whose jobs hold their worker thread for `seconds` first. */
const slowCloud = (seconds: number) => ({ ...cloud20, policy: { ...(cloud20.policy ?? {}), rules: [...(cloud20.policy?.rules ?? []), { name: 'slow', options: { seconds } }] } });

/**
 * The service's JSON answers as these tests read them. Each route and job state fills only
 * some of the fields (a failed job has no plan); the tests check the state before reading them.
 */
interface Reply {
  id: string;
  state: JobState;
  exitCode: number;
  plan: Plan;
  /** A job's result (a target, the evaluation's rows), or verify's and validate's. */
  result: { valid: boolean; cost?: number; violations: unknown[] } & Record<string, unknown>;
  issues: InputIssue[];
  error: string;
}

/** The parts of the OpenAPI document the tests look at. */
interface OpenApiDoc extends Record<string, unknown> {
  paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, unknown> }> }>>;
  components: { schemas: Record<string, unknown> };
}

interface Answer { statusCode: number; headers: Record<string, unknown>; body: string; json: <T = Reply>() => T }

/**
 * Every answer any test received, to check that none carries a stack trace; the HTML
 * report is left out (it is a page, never an error, and inlines a chart library whose
 * code says "stack").
 */
const answers: string[] = [];

async function call(service: Service, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown): Promise<Answer> {
  const r = await service.app.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) });
  if (!String(r.headers['content-type']).startsWith('text/html')) answers.push(r.body);
  return { statusCode: r.statusCode, headers: r.headers, body: r.body, json: () => JSON.parse(r.body) };
}

/** Polls the job until `until` holds (generous timeout: the machine may be slow and shared). */
async function waitFor(service: Service, url: string, until: (job: Reply) => boolean, seconds = 90): Promise<Reply> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const job = (await call(service, 'GET', url)).json();
    if (until(job)) return job;
    if (Date.now() > deadline) throw new Error(`${url} still ${JSON.stringify(job).slice(0, 200)} after ${seconds} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const finished = (job: Reply) => ['done', 'failed', 'cancelled'].includes(job.state);
const withoutSeconds = (plan: Plan) => JSON.stringify({ ...plan, stats: { ...plan.stats, seconds: 0 } });

const defaults = { workers: 1, maxQueue: 1, timeLimit: 60, bodyLimit: 1024 * 1024, pluginDirs: [pluginDir] };

describe('the planning service, in process', { timeout: 180_000 }, () => {
  let service: Service;
  beforeAll(async () => { service = await createService(defaults); });
  afterAll(async () => { await service?.close(1); });

  it('queues a plan (202 with an id) and answers with the plan exactly as shunt plan --json prints it', async () => {
    const submitted = await call(service, 'POST', '/v1/plans', { instance: cloud20 });
    expect(submitted.statusCode).toBe(202);
    const { id } = submitted.json();
    expect(submitted.headers['location']).toBe(`/v1/plans/${id}`);
    const job = await waitFor(service, `/v1/plans/${id}`, finished);
    expect(job).toMatchObject({ id, state: 'done', exitCode: 0 });
    const printed = JSON.parse((await shunt(['plan', join(root, 'examples', 'cloud-20.json'), '--json'])).stdout);
    expect(withoutSeconds(job.plan)).toBe(withoutSeconds(printed));

    const verified = await call(service, 'POST', '/v1/verify', { instance: cloud20, plan: job.plan });
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ exitCode: 0, result: { valid: true, cost: job.plan.cost } });
  });

  it('gives the exit code the CLI gives when no plan exists', async () => {
    const { id } = (await call(service, 'POST', '/v1/plans', { instance: impossible })).json();
    const job = await waitFor(service, `/v1/plans/${id}`, finished);
    const cli3 = await shunt(['plan', join(root, 'examples', 'impossible-swap.json'), '--json']);
    expect(job.state).toBe('done');
    expect(job.exitCode).toBe(cli3.code);
    expect(job.plan.status).toBe(JSON.parse(cli3.stdout).status);
  });

  it('refuses an invalid instance at once with 400, naming the JSON path and the value', async () => {
    const bad = structuredClone(cloud20);
    bad.hosts[3].capacity.ram = -5;
    const r = await call(service, 'POST', '/v1/plans', { instance: bad });
    expect(r.statusCode).toBe(400);
    expect(r.json().exitCode).toBe(2);
    expect(r.json().issues).toContainEqual({ path: '/instance/hosts/3/capacity/ram', message: expect.stringContaining('-5') });
  });

  it('names the path of what a schema cannot see: unknown hosts, unknown rules, unknown fields', async () => {
    const unknownHost = structuredClone(cloud20);
    const vm = Object.keys(unknownHost.placement)[0]!;
    unknownHost.placement[vm] = 'nowhere';
    const r1 = await call(service, 'POST', '/v1/plans', { instance: unknownHost });
    expect(r1.statusCode).toBe(400);
    expect(r1.json().issues.map((i) => i.path)).toContain(`/instance/placement/${vm}`);

    const r2 = await call(service, 'POST', '/v1/plans', { instance: cloud20, policy: { rules: ['no-such-rule'] } });
    expect(r2.statusCode).toBe(400);
    expect(r2.json().issues[0].path).toMatch(/^\/policy\/rules/);

    const r5 = await call(service, 'POST', '/v1/plans', { instance: cloud20, engine: 'no-such-engine' });
    expect(r5.statusCode).toBe(400);
    expect(r5.json().issues).toEqual([{ path: '/engine', message: expect.stringContaining('no-such-engine') }]);

    const r3 = await call(service, 'POST', '/v1/plans', { instance: cloud20, speed: 'fast' });
    expect(r3.statusCode).toBe(400);
    expect(r3.json().issues).toContainEqual({ path: '/speed', message: expect.any(String) });

    const r4 = await service.app.inject({ method: 'POST', url: '/v1/plans', headers: { 'content-type': 'application/json' }, payload: '{"instance": ' });
    answers.push(r4.body);
    expect(r4.statusCode).toBe(400);
  });

  it('refuses a body over the size limit with 413', async () => {
    const big = { instance: { ...cloud20, 'x-padding': 'x'.repeat(defaults.bodyLimit) } };
    const r = await call(service, 'POST', '/v1/plans', big);
    expect(r.statusCode).toBe(413);
  });

  it('answers 429 with Retry-After when the queue is full, and takes jobs again once it has room', async () => {
    const running = (await call(service, 'POST', '/v1/plans', { instance: slowCloud(3) })).json().id;
    await waitFor(service, `/v1/plans/${running}`, (j) => j.state === 'running');
    const queued = await call(service, 'POST', '/v1/plans', { instance: slowCloud(0) });
    expect(queued.statusCode).toBe(202);
    const refused = await call(service, 'POST', '/v1/plans', { instance: cloud20 });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await waitFor(service, `/v1/plans/${queued.json().id}`, finished);
    const again = await call(service, 'POST', '/v1/plans', { instance: cloud20 });
    expect(again.statusCode).toBe(202);
    await waitFor(service, `/v1/plans/${again.json().id}`, finished);
  });

  it('cancels a running job and a queued one; the pool goes on working', async () => {
    const running = (await call(service, 'POST', '/v1/plans', { instance: slowCloud(30) })).json().id;
    await waitFor(service, `/v1/plans/${running}`, (j) => j.state === 'running');
    const queued = (await call(service, 'POST', '/v1/plans', { instance: cloud20 })).json().id;
    const c1 = await call(service, 'DELETE', `/v1/plans/${queued}`);
    expect(c1.json().state).toBe('cancelled');
    const c2 = await call(service, 'DELETE', `/v1/plans/${running}`);
    expect(c2.statusCode).toBe(200);
    expect(c2.json().state).toBe('cancelled');
    expect((await call(service, 'GET', `/v1/plans/${running}`)).json()).toMatchObject({ state: 'cancelled' });
    expect((await call(service, 'GET', `/v1/plans/${running}`)).json().plan).toBeUndefined();
    const next = (await call(service, 'POST', '/v1/plans', { instance: cloud20 })).json().id;
    expect((await waitFor(service, `/v1/plans/${next}`, finished)).state).toBe('done');
  });

  it('streams progress as server-sent events until the job ends', async () => {
    const { id } = (await call(service, 'POST', '/v1/plans', { instance: slowCloud(1) })).json();
    const r = await call(service, 'GET', `/v1/plans/${id}/events`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = r.body.split('\n\n').filter((e) => e.startsWith('event:')).map((e) => {
      const [head, data] = e.split('\n');
      return { event: head!.slice('event: '.length), data: JSON.parse(data!.slice('data: '.length)) };
    });
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)!.data).toMatchObject({ done: expect.any(Number), total: expect.any(Number) });
    expect(events.at(-1)).toEqual({ event: 'state', data: { state: 'done' } });
  });

  it('answers 404 for an unknown job and for a job of another kind', async () => {
    expect((await call(service, 'GET', '/v1/plans/no-such-job')).statusCode).toBe(404);
    expect((await call(service, 'GET', '/v1/plans/no-such-job/events')).statusCode).toBe(404);
    expect((await call(service, 'DELETE', '/v1/plans/no-such-job')).statusCode).toBe(404);
    const { id } = (await call(service, 'POST', '/v1/plans', { instance: cloud20 })).json();
    expect((await call(service, 'GET', `/v1/targets/${id}`)).statusCode).toBe(404);
    await waitFor(service, `/v1/plans/${id}`, finished);
  });

  it('draws a done plan job as the HTML report of shunt report: one element per migration, named by its VM and hosts', async () => {
    const { id } = (await call(service, 'POST', '/v1/plans', { instance: cloud20 })).json();
    const job = await waitFor(service, `/v1/plans/${id}`, finished);
    expect(job.state).toBe('done');
    const r = await call(service, 'GET', `/v1/plans/${id}/report`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toMatch(/^<!doctype html>/i);
    const drawn = [...r.body.matchAll(/<path class="m [^"]*" [^>]*data-vm="([^"]*)" data-from="([^"]*)" data-to="([^"]*)"/g)].map((m) => `${m[1]} ${m[2]}>${m[3]}`);
    const planned = job.plan.waves.flatMap((w) => w.migrations.map((m) => `${m.vm} ${m.from}>${m.to}`));
    expect(planned.length).toBeGreaterThan(0);
    expect(drawn.sort()).toEqual(planned.sort());
  });

  it('reports a done job that found no plan as its verdict, with nothing drawn', async () => {
    const { id } = (await call(service, 'POST', '/v1/plans', { instance: impossible })).json();
    const job = await waitFor(service, `/v1/plans/${id}`, finished);
    expect(job.state).toBe('done');
    expect(['infeasible', 'unknown']).toContain(job.plan.status);
    const r = await call(service, 'GET', `/v1/plans/${id}/report`);
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain(`class="fig status-${job.plan.status}"`);
    expect(r.body).not.toMatch(/data-vm=/);
  });

  it('answers 409 with the state for the report of a job that is queued, running or cancelled', async () => {
    const running = (await call(service, 'POST', '/v1/plans', { instance: slowCloud(30) })).json().id;
    await waitFor(service, `/v1/plans/${running}`, (j) => j.state === 'running');
    const queued = (await call(service, 'POST', '/v1/plans', { instance: cloud20 })).json().id;
    for (const [id, state] of [[running, 'running'], [queued, 'queued']]) {
      const r = await call(service, 'GET', `/v1/plans/${id}/report`);
      expect(r.statusCode).toBe(409);
      expect(r.json()).toEqual({ error: expect.stringContaining(`is ${state}`), state });
    }
    await call(service, 'DELETE', `/v1/plans/${queued}`);
    await call(service, 'DELETE', `/v1/plans/${running}`);
    const cancelled = await call(service, 'GET', `/v1/plans/${running}/report`);
    expect(cancelled.statusCode).toBe(409);
    expect(cancelled.json()).toEqual({ error: expect.stringContaining('no plan to report'), state: 'cancelled' });
  });

  it('answers 404 for the report of an unknown job and of a job that is not a plan', async () => {
    expect((await call(service, 'GET', '/v1/plans/no-such-job/report')).statusCode).toBe(404);
    const target = (await call(service, 'POST', '/v1/targets', { instance: cloud20, strategy: 'consolidate' })).json().id;
    await waitFor(service, `/v1/targets/${target}`, finished);
    const r = await call(service, 'GET', `/v1/plans/${target}/report`);
    expect(r.statusCode).toBe(404);
    expect(r.json().error).toContain(target);
  });

  it('chooses a target (as shunt target) and evaluates strategies (as shunt evaluate)', async () => {
    const t = (await call(service, 'POST', '/v1/targets', { instance: cloud20, strategy: 'consolidate' })).json().id;
    const target = await waitFor(service, `/v1/targets/${t}`, finished);
    expect(target).toMatchObject({ state: 'done', exitCode: 0, result: { strategy: 'consolidate' } });
    const valid = await call(service, 'POST', '/v1/validate', { instance: target.result.instance });
    expect(valid.json()).toMatchObject({ exitCode: 0, result: { valid: true } });

    const e = (await call(service, 'POST', '/v1/evaluations', { instance: cloud20, strategies: ['consolidate', 'rebalance'] })).json().id;
    const evaluation = await waitFor(service, `/v1/evaluations/${e}`, finished);
    expect(evaluation.state).toBe('done');
    expect((evaluation.result as unknown as { strategy: string }[]).map((r) => r.strategy)).toEqual(['placement', 'consolidate', 'rebalance']);

    const badStrategy = await call(service, 'POST', '/v1/targets', { instance: cloud20, strategy: 'no-such-strategy' });
    expect(badStrategy.statusCode).toBe(400);
    expect(badStrategy.json().issues[0].path).toBe('/strategy');
    const badSecond = await call(service, 'POST', '/v1/evaluations', { instance: cloud20, strategies: ['consolidate', 'no-such-strategy'] });
    expect(badSecond.statusCode).toBe(400);
    expect(badSecond.json().issues[0].path).toBe('/strategies/1');
  });

  it('verifies a broken plan with exit code 1 and lists its violations', async () => {
    const vm = Object.keys(cloud20.placement)[0]!;
    const plan = { waves: [{ migrations: [{ vm, from: 'cmp01' === cloud20.placement[vm] ? 'cmp02' : 'cmp01', to: cloud20.placement[vm] }] }] };
    const r = await call(service, 'POST', '/v1/verify', { instance: cloud20, plan });
    expect(r.statusCode).toBe(200);
    expect(r.json().exitCode).toBe(1);
    expect(r.json().result.valid).toBe(false);
    expect(r.json().result.violations.length).toBeGreaterThan(0);
  });

  it('describes itself in a valid OpenAPI document that lists every route', async () => {
    const doc = (await call(service, 'GET', '/openapi.json')).json<OpenApiDoc>();
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    for (const route of ROUTES) expect(doc.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()], `${route.method} ${route.url}`).toBeDefined();
    expect(Object.keys(doc.paths['/v1/plans/{id}/report'].get.responses['200'].content)).toEqual(['text/html']);
    expect(Object.keys(doc.paths['/v1/plans/{id}/report'].get.responses)).toEqual(['200', '404', '409']);
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) expect(doc.components.schemas[ref.slice('"#/components/schemas/'.length, -1)], ref).toBeDefined();
  });

  it('reports health and Prometheus metrics: jobs by state, queue length, durations', async () => {
    expect((await call(service, 'GET', '/healthz')).json()).toEqual({ status: 'ok' });
    const r = await call(service, 'GET', '/metrics');
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toMatch(/^shunt_jobs\{state="done"\} [1-9]/m);
    expect(r.body).toMatch(/^shunt_jobs\{state="cancelled"\} [1-9]/m);
    expect(r.body).toMatch(/^shunt_queue_length \d+$/m);
    expect(r.body).toMatch(/^shunt_job_run_seconds_count\{kind="plan"\} [1-9]/m);
    expect(r.body).toMatch(/^shunt_jobs_rejected_total [1-9]/m);
  });

  it('never answers with a stack trace', async () => {
    expect((await call(service, 'GET', '/no/such/route')).statusCode).toBe(404);
    expect(answers.length).toBeGreaterThan(20);
    for (const body of answers) {
      expect(body).not.toMatch(/\bat .+:\d+:\d+\)?/);
      expect(body).not.toMatch(/"stack"/);
    }
  });
});

describe('the per-job time limit', { timeout: 180_000 }, () => {
  it('stops a job that runs past its time limit and fails it with exit code 4, as nothing was found within limits', async () => {
    const service = await createService({ ...defaults, timeLimit: 0.5 });
    try {
      const { id } = (await call(service, 'POST', '/v1/plans', { instance: slowCloud(60), timeLimit: 30 })).json();
      const job = await waitFor(service, `/v1/plans/${id}`, finished);
      expect(job).toMatchObject({ state: 'failed', exitCode: 4, error: { exitCode: 4, message: expect.stringContaining('time limit of 0.5 s') } });
      const next = (await call(service, 'POST', '/v1/plans', { instance: cloud20 })).json().id;
      expect((await waitFor(service, `/v1/plans/${next}`, finished)).state).toBe('done');
    } finally {
      await service.close(1);
    }
  });
});

describe('shutting the service down', { timeout: 180_000 }, () => {
  it('lets a running job finish within the drain time, and cancels queued ones', async () => {
    const service = await createService({ ...defaults, maxQueue: 5 });
    const running = (await call(service, 'POST', '/v1/plans', { instance: slowCloud(1) })).json().id;
    await waitFor(service, `/v1/plans/${running}`, (j) => j.state === 'running');
    const queued = (await call(service, 'POST', '/v1/plans', { instance: cloud20 })).json().id;
    const closing = service.close(120);
    const refused = await call(service, 'POST', '/v1/plans', { instance: cloud20 });
    expect(refused.statusCode).toBe(503);
    await closing;
    expect((await service.queue.get(running))?.state).toBe('done');
    expect((await service.queue.get(queued))?.state).toBe('cancelled');
  });

  it('cancels a running job that outlasts the drain time', async () => {
    const service = await createService(defaults);
    const running = (await call(service, 'POST', '/v1/plans', { instance: slowCloud(60) })).json().id;
    await waitFor(service, `/v1/plans/${running}`, (j) => j.state === 'running');
    await service.close(0.2);
    expect((await service.queue.get(running))?.state).toBe('cancelled');
  });
});
