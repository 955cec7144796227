/**
 * The service beyond one machine: a real redis-server (started here on 127.0.0.1, a free
 * port, no persistence), the service queueing in it, and two separate `shunt worker`
 * processes (dist/) taking the jobs. Skipped, saying why, where redis-server is absent
 * (Debian: apt-get install -y redis-server).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createService, type Service } from '../src/service/service.js';
import type { Plan } from '../src/model/plan.js';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const cloud20 = JSON.parse(readFileSync(join(root, 'examples', 'cloud-20.json'), 'utf8'));
const pluginDir = join(import.meta.dirname, 'fixtures', 'service', 'plugins');
const slowCloud = (seconds: number) => ({ ...cloud20, policy: { ...(cloud20.policy ?? {}), rules: [...(cloud20.policy?.rules ?? []), { name: 'slow', options: { seconds } }] } });

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 90): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface WorkerProcess { name: string; child: ChildProcess; log: string[] }

function startWorker(url: string, name: string): WorkerProcess {
  const child = spawn(process.execPath, [cli, 'worker', '--redis', url, '--name', name, '--concurrency', '1', '--lock-seconds', '2', '--plugins', pluginDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const log: string[] = [];
  let rest = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop()!;
    log.push(...lines);
  });
  return { name, child, log };
}

const finishedLines = (workers: WorkerProcess[], id: string) => workers.flatMap((w) => w.log.filter((l) => l.includes(`finished job ${id}`)).map((l) => ({ worker: w.name, line: l })));

describe.skipIf(!hasRedis)('the service with a Redis queue and two shunt worker processes', { timeout: 180_000 }, () => {
  let redis: ChildProcess;
  let url: string;
  let service: Service;
  const workers: WorkerProcess[] = [];

  async function call(method: 'GET' | 'POST' | 'DELETE', path: string, payload?: object) {
    const r = await service.app.inject({ method, url: path, ...(payload ? { payload } : {}) });
    return { statusCode: r.statusCode, headers: r.headers, body: r.body, json: () => JSON.parse(r.body) };
  }
  const job = (id: string) => call('GET', `/v1/plans/${id}`).then((r) => r.json());
  const finished = (id: string) => until(`job ${id}`, async () => { const j = await job(id); return ['done', 'failed', 'cancelled'].includes(j.state) ? j : undefined; });

  beforeAll(async () => {
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    await until('redis-server', async () => { await client.connect().catch(() => undefined); return (await client.ping()) === 'PONG' ? true : undefined; });
    client.disconnect();
    service = await createService({ workers: 1, maxQueue: 2, timeLimit: 60, bodyLimit: 1024 * 1024, redis: url, pluginDirs: [pluginDir] });
    workers.push(startWorker(url, 'w1'), startWorker(url, 'w2'));
    for (const w of workers) await until(`worker ${w.name} to start`, async () => (w.log.some((l) => l.includes('taking jobs')) ? true : undefined));
  }, 120_000);

  afterAll(async () => {
    await service?.close(1);
    const alive = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    const exited = alive.map((w) => new Promise((r) => w.child.once('exit', r)));
    for (const w of alive) w.child.kill('SIGTERM');
    await Promise.all(exited);
    redis?.kill('SIGTERM');
  }, 60_000);

  it('spreads jobs over both workers, each job done once with a verified plan', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      // Two at a time: the queue holds two more while both workers are busy.
      const r = await call('POST', '/v1/plans', { instance: slowCloud(1) });
      expect(r.statusCode).toBe(202);
      ids.push(r.json().id);
      if (i % 2 === 1) await Promise.all(ids.slice(-2).map(finished));
    }
    const jobs = await Promise.all(ids.map(finished));
    expect(jobs.map((j) => j.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(new Set(jobs.map((j) => j.worker))).toEqual(new Set(['w1', 'w2']));
    for (const j of jobs) {
      expect(finishedLines(workers, j.id)).toEqual([{ worker: j.worker, line: expect.stringContaining('(done)') }]);
      const verified = await call('POST', '/v1/verify', { instance: cloud20, plan: j.plan });
      expect(verified.json()).toMatchObject({ exitCode: 0, result: { valid: true } });
    }
  });

  it('draws the report of a job a worker did from the request and plan kept in Redis', async () => {
    const { id } = (await call('POST', '/v1/plans', { instance: cloud20 })).json();
    const done = await finished(id);
    expect(done.state).toBe('done');
    const r = await call('GET', `/v1/plans/${id}/report`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const drawn = [...r.body.matchAll(/<path class="m [^"]*" [^>]*data-vm="([^"]*)"/g)].map((m) => m[1]);
    const planned = (done.plan as Plan).waves.flatMap((w) => w.migrations.map((m) => m.vm));
    expect(planned.length).toBeGreaterThan(0);
    expect(drawn.sort()).toEqual(planned.sort());
  });

  it('answers 429 with Retry-After once the Redis queue holds --max-queue waiting jobs', async () => {
    const busy = [(await call('POST', '/v1/plans', { instance: slowCloud(3) })).json().id, (await call('POST', '/v1/plans', { instance: slowCloud(3) })).json().id];
    for (const id of busy) await until(`job ${id} running`, async () => ((await job(id)).state === 'running' ? true : undefined));
    const waiting = [(await call('POST', '/v1/plans', { instance: cloud20 })), (await call('POST', '/v1/plans', { instance: cloud20 }))];
    expect(waiting.map((r) => r.statusCode)).toEqual([202, 202]);
    const refused = await call('POST', '/v1/plans', { instance: cloud20 });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    for (const id of [...busy, ...waiting.map((r) => r.json().id)]) expect((await finished(id)).state).toBe('done');
  });

  it('streams progress from the worker as server-sent events', async () => {
    const { id } = (await call('POST', '/v1/plans', { instance: slowCloud(1) })).json();
    const r = await call('GET', `/v1/plans/${id}/events`);
    expect(r.body, r.body).toContain('event: progress');
    expect(r.body.trimEnd().split('\n\n').at(-1)).toBe('event: state\ndata: {"state":"done"}');
  });

  it('cancels a job running on a worker; the worker goes on taking jobs', async () => {
    const { id } = (await call('POST', '/v1/plans', { instance: slowCloud(60) })).json();
    const running = await until('the job to run', async () => { const j = await job(id); return j.state === 'running' && j.worker ? j : undefined; });
    expect((await call('DELETE', `/v1/plans/${id}`)).json().state).toBe('cancelled');
    await until('the worker to stop it', async () => (finishedLines(workers, id).length ? true : undefined));
    expect(finishedLines(workers, id)).toEqual([{ worker: running.worker, line: expect.stringContaining('(cancelled)') }]);
    expect((await job(id)).state).toBe('cancelled');
    const next = (await call('POST', '/v1/plans', { instance: cloud20 })).json().id;
    expect((await finished(next)).state).toBe('done');
  });

  it('retries the job of a worker killed mid-job on the other worker: nothing lost, nothing done twice', async () => {
    const { id } = (await call('POST', '/v1/plans', { instance: slowCloud(4) })).json();
    const running = await until('the job to run', async () => { const j = await job(id); return j.state === 'running' && j.worker ? j : undefined; });
    const victim = workers.find((w) => w.name === running.worker)!;
    const survivor = workers.find((w) => w !== victim)!;
    victim.child.kill('SIGKILL');
    const others = [(await call('POST', '/v1/plans', { instance: cloud20 })).json().id, (await call('POST', '/v1/plans', { instance: cloud20 })).json().id];
    const done = await finished(id);
    expect(done).toMatchObject({ state: 'done', exitCode: 0, worker: survivor.name });
    expect(finishedLines(workers, id)).toEqual([{ worker: survivor.name, line: expect.stringContaining('(done)') }]);
    const verified = await call('POST', '/v1/verify', { instance: cloud20, plan: done.plan });
    expect(verified.json().result.valid).toBe(true);
    for (const other of others) {
      expect(await finished(other)).toMatchObject({ state: 'done', worker: survivor.name });
      expect(finishedLines(workers, other)).toHaveLength(1);
    }
  });
});

if (!hasRedis) {
  describe('the service with a Redis queue', () => {
    it.skip('needs redis-server on the PATH (Debian: apt-get install -y redis-server)', () => undefined);
  });
}
