/**
 * Load on the planning service:
 *
 *   node dist/bench/load.js [--requests 1000] [--concurrency 50] [--workers N] [--max-queue N]
 *                           [--instance examples/cloud-20.json] [--json]
 *                           [--redis URL [--worker-processes N]]
 *
 * Starts `shunt serve` (dist/) on a free loopback port as a child process, then runs
 * `concurrency` clients that each, one plan at a time: POST /v1/plans, follow
 * /v1/plans/{id}/events until the job ends, GET the job. A 429 is counted and the plan
 * submitted again after its Retry-After. Latency is submit to done (the last 202 to the
 * job's answer). Every answer must be a 202 or a clean 429 (Retry-After, no plan), and every
 * plan must pass the replay verifier (checked here, after the timing). Peak memory is the
 * server's peak resident set (VmHWM, worker threads included). Exits 1 when anything else
 * came back. With --redis (a running Redis; its queue should be empty), the server queues
 * in Redis and N `shunt worker` processes (--workers threads each) solve; peak memory is
 * then the server's and each worker's.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyAgainst } from '../src/api.js';
import { packageRoot } from '../src/util/package-root.js';

interface Options { requests: number; concurrency: number; workers: number; maxQueue: number; instance: string; json: boolean; redis?: string; workerProcesses: number }

function options(): Options {
  const { values } = parseArgs({ options: {
    requests: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '50' },
    workers: { type: 'string', default: '1' }, 'max-queue': { type: 'string', default: '100' },
    instance: { type: 'string', default: join(packageRoot(), 'examples', 'cloud-20.json') }, json: { type: 'boolean', default: false },
    redis: { type: 'string' }, 'worker-processes': { type: 'string', default: '2' },
  } });
  return { requests: Number(values.requests), concurrency: Number(values.concurrency), workers: Number(values.workers), maxQueue: Number(values['max-queue']), instance: resolve(values.instance!), json: values.json!, redis: values.redis, workerProcesses: Number(values['worker-processes']) };
}

/** Starts shunt serve on a free port; resolves to its base URL once it listens. */
const cli = () => join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

/** Starts a shunt command; resolves with its first stderr match of `ready`. */
function start(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [cli(), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolveStart, reject) => {
    let text = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = text.match(ready);
      if (match) resolveStart({ child, match });
    });
    child.once('exit', (code) => reject(new Error(`shunt ${args[0]} exited with ${code}: ${text}`)));
  });
}

/** Starts shunt serve on a free port (and with --redis, the worker processes). */
async function startServer(o: Options): Promise<{ child: ChildProcess; base: string; workers: ChildProcess[] }> {
  const args = ['serve', '--port', '0', '--workers', String(o.workers), '--max-queue', String(o.maxQueue), ...(o.redis ? ['--redis', o.redis] : [])];
  const { child, match } = await start(args, /serving on (http:\/\/\S+)/);
  const workers = o.redis
    ? await Promise.all(Array.from({ length: o.workerProcesses }, (_, i) => start(['worker', '--redis', o.redis!, '--concurrency', String(o.workers), '--name', `w${i + 1}`], /taking jobs/).then((w) => w.child)))
    : [];
  return { child, base: match[1]!, workers };
}

/** The server's peak resident set in MiB (Linux), or undefined. */
function peakRssMiB(pid: number): number | undefined {
  try {
    const kb = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

interface Tally { latencies: number[]; rejected: number; unexpected: string[]; plans: string[] }

/** One plan through the API: submit (again after each 429), follow its events, fetch it. */
async function onePlan(base: string, body: string, tally: Tally): Promise<void> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const started = performance.now();
    const r = await fetch(`${base}/v1/plans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await r.text();
    if (r.status === 429) {
      const wait = Number(r.headers.get('retry-after'));
      if (!(wait >= 1) || text.includes('"plan"')) tally.unexpected.push(`unclean 429: ${text}`);
      tally.rejected++;
      await new Promise((done) => setTimeout(done, wait * 1000));
      continue;
    }
    if (r.status !== 202) { tally.unexpected.push(`POST ${r.status}: ${text.slice(0, 200)}`); return; }
    const { id } = JSON.parse(text) as { id: string };
    await (await fetch(`${base}/v1/plans/${id}/events`)).text();
    const job = await (await fetch(`${base}/v1/plans/${id}`)).json() as { state: string; exitCode?: number; plan?: unknown };
    tally.latencies.push(performance.now() - started);
    if (job.state !== 'done' || job.exitCode !== 0) tally.unexpected.push(`job ${id}: ${JSON.stringify(job).slice(0, 200)}`);
    else tally.plans.push(JSON.stringify({ ...(job.plan as object), stats: undefined }));
    return;
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main(): Promise<number> {
  const o = options();
  const instance = JSON.parse(readFileSync(o.instance, 'utf8')) as unknown;
  const body = JSON.stringify({ instance });
  const { child, base, workers } = await startServer(o);
  const tally: Tally = { latencies: [], rejected: 0, unexpected: [], plans: [] };
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (next < o.requests) { next++; await onePlan(base, body, tally); }
  }));
  const seconds = (performance.now() - started) / 1000;
  const peak = peakRssMiB(child.pid!);
  const workerPeaks = workers.map((w) => Math.round(peakRssMiB(w.pid!) ?? 0));
  for (const w of [child, ...workers]) w.kill('SIGTERM');
  // Every distinct plan that came back passes the replay verifier (after the timing).
  let invalid = 0;
  for (const plan of new Set(tally.plans)) if (!(await verifyAgainst(instance, JSON.parse(plan))).valid) invalid++;
  const sorted = [...tally.latencies].sort((a, b) => a - b);
  const row = {
    requests: o.requests, concurrency: o.concurrency, workers: o.workers, maxQueue: o.maxQueue, ...(o.redis ? { workerProcesses: o.workerProcesses, workerPeakRssMiB: workerPeaks.join('+') } : {}),
    seconds: +seconds.toFixed(2), plansPerSecond: +(tally.plans.length / seconds).toFixed(1),
    p50ms: Math.round(percentile(sorted, 50)), p99ms: Math.round(percentile(sorted, 99)),
    peakRssMiB: peak === undefined ? null : Math.round(peak), plans: tally.plans.length, distinctPlans: new Set(tally.plans).size,
    invalidPlans: invalid, rejected429: tally.rejected, unexpected: tally.unexpected.length,
  };
  if (o.json) process.stdout.write(JSON.stringify(row) + '\n');
  else {
    process.stdout.write(`| ${Object.keys(row).join(' | ')} |\n|${Object.keys(row).map(() => '---').join('|')}|\n| ${Object.values(row).join(' | ')} |\n`);
    for (const u of tally.unexpected.slice(0, 10)) process.stderr.write(`unexpected: ${u}\n`);
  }
  return invalid || tally.unexpected.length || tally.plans.length !== o.requests ? 1 : 0;
}

process.exitCode = await main();
