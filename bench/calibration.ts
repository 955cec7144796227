/**
 * Calibration of the duration model on real measurements (../shared/bench/kherbache-accuracy/).
 *
 *   node dist/bench/calibration.js [--dir DIR] [--fit] [--json FILE]
 *   npm run bench -- --suite calibration
 *
 * 50 small plans (4 hosts, 10 VMs) were executed on a testbed, four runs each. Each plan is
 * replayed through shunt's model: the instance imported with its `net` view (links shared
 * max-min fairly), each migration started when those the executed plan made it wait for
 * ended (in the executed plan, a migration waited for the ones whose planned end is its
 * planned start). Predicted durations and plan makespans are compared with the measured ones
 * (mean of the four runs): mean absolute percentage error (MAPE) per migration, split by the
 * speed of the migration's path (500 Mb/s, 1 Gb/s), and per plan.
 *
 * `--fit` searches a grid of (setup, maxDowntime) on the odd-numbered plans only and reports
 * the fit on the odd plans (training), the even plans (hold-out) and all 50, beside the
 * current defaults; then the same fitted on the even plans, as a cross-check.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importBtrPlace } from '../src/interop/btrplace-import.js';
import { compileModel, type Model } from '../src/model/model.js';
import type { FlatPlan } from '../src/schedule/dependencies.js';
import { DEFAULT_DURATION_OPTIONS, type DurationOptions } from '../src/schedule/duration.js';
import { scheduleInput, simulateDependencies } from '../src/schedule/makespan.js';
import { packageRoot } from '../src/util/package-root.js';

interface PlannedMigration { vm: string; from: string; to: string; bandwidthMbps: number; plannedStart: number; plannedEnd: number }
interface MeasuredRun { run: number; migrations: { vm: string; start: number; end: number }[] }
interface Executed { instance: string; planned: PlannedMigration[]; measured: MeasuredRun[] }

/** One executed plan, ready to replay. */
export interface Case {
  name: string;
  number: number;
  model: Model;
  plan: FlatPlan;
  deps: number[][];
  /** Link speed of each migration's path (Mb/s), as the executed plan gives it. */
  speed: number[];
  /** Mean measured duration per migration, and mean measured makespan. */
  measuredSeconds: number[];
  measuredMakespan: number;
}

export function loadCases(dir: string): Case[] {
  const files = readdirSync(join(dir, 'executed')).filter((f) => f.endsWith('.json'));
  const number = (f: string) => Number(/(\d+)/.exec(f)?.[1] ?? 0);
  files.sort((a, b) => number(a) - number(b));
  return files.map((f) => {
    const executed = JSON.parse(readFileSync(join(dir, 'executed', f), 'utf8')) as Executed;
    const source = JSON.parse(readFileSync(join(dir, executed.instance), 'utf8')) as unknown;
    const model = compileModel(importBtrPlace(source, { concurrency: 'unlimited', source: f }).instance);
    const p = executed.planned;
    const n = p.length;
    const plan: FlatPlan = {
      n,
      vm: Int32Array.from(p, (m) => model.vmIndex.get(`vm-${m.vm}`)!),
      from: Int32Array.from(p, (m) => model.hostIndex.get(`node-${m.from}`)!),
      to: Int32Array.from(p, (m) => model.hostIndex.get(`node-${m.to}`)!),
      wave: new Int32Array(n),
      waveStart: Int32Array.of(0, n),
    };
    const deps = p.map((m) => (m.plannedStart > 0 ? p.flatMap((q, j) => (q.plannedEnd === m.plannedStart ? [j] : [])) : []));
    const measuredSeconds = p.map((m) => mean(executed.measured.map((r) => {
      const x = r.migrations.find((y) => y.vm === m.vm)!;
      return x.end - x.start;
    })));
    const measuredMakespan = mean(executed.measured.map((r) => Math.max(...r.migrations.map((x) => x.end))));
    return { name: f.replace(/\.json$/, ''), number: number(f), model, plan, deps, speed: p.map((m) => m.bandwidthMbps), measuredSeconds, measuredMakespan };
  });
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const ape = (predicted: number, measured: number) => Math.abs(predicted - measured) / measured;

export interface Fit {
  /** MAPE per plan makespan, per migration, and per migration by path speed (fractions). */
  plans: number;
  migrations: number;
  bySpeed: Record<string, number>;
  /** Mean predicted and measured makespans. */
  predictedMakespan: number;
  measuredMakespan: number;
}

export function replay(c: Case, options: DurationOptions): { seconds: number[]; makespan: number } {
  const s = simulateDependencies(scheduleInput(c.model, c.plan, options), c.deps);
  return { seconds: Array.from({ length: c.plan.n }, (_, m) => s.end[m]! - s.start[m]!), makespan: s.makespan };
}

export function fit(cases: Case[], options: DurationOptions): Fit {
  const plans: number[] = [];
  const migrations: number[] = [];
  const bySpeed = new Map<number, number[]>();
  const predicted: number[] = [];
  for (const c of cases) {
    const r = replay(c, options);
    plans.push(ape(r.makespan, c.measuredMakespan));
    predicted.push(r.makespan);
    r.seconds.forEach((s, m) => {
      const e = ape(s, c.measuredSeconds[m]!);
      migrations.push(e);
      const list = bySpeed.get(c.speed[m]!) ?? [];
      list.push(e);
      bySpeed.set(c.speed[m]!, list);
    });
  }
  return {
    plans: mean(plans), migrations: mean(migrations),
    bySpeed: Object.fromEntries([...bySpeed].sort((a, b) => a[0] - b[0]).map(([k, v]) => [`${k}`, mean(v)])),
    predictedMakespan: mean(predicted), measuredMakespan: mean(cases.map((c) => c.measuredMakespan)),
  };
}

/** Grid search of setup and maxDowntime on `train`: the smallest mean of the plan and migration MAPEs. */
export function search(train: Case[], base: DurationOptions): DurationOptions {
  let best = { score: Infinity, options: base };
  for (const setup of [0, 0.5, 1, 1.5, 2, 2.5, 3]) {
    for (const maxDowntime of [0.3, 0.5, 1, 1.5, 2, 2.5, 3]) {
      const options = { ...base, setup, maxDowntime };
      const f = fit(train, options);
      const score = (f.plans + f.migrations) / 2;
      if (score < best.score) best = { score, options };
    }
  }
  return best.options;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function table(rows: { label: string; options: DurationOptions; f: Fit }[]): string {
  const speeds = [...new Set(rows.flatMap((r) => Object.keys(r.f.bySpeed)))];
  const head = ['model', 'setup (s)', 'maxDowntime (s)', 'MAPE plans', 'MAPE migrations', ...speeds.map((s) => `MAPE ${s} Mb/s`), 'mean makespan est. / measured (s)'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    lines.push(`| ${[r.label, r.options.setup, r.options.maxDowntime, pct(r.f.plans), pct(r.f.migrations), ...speeds.map((s) => (r.f.bySpeed[s] === undefined ? '-' : pct(r.f.bySpeed[s]!))), `${r.f.predictedMakespan.toFixed(1)} / ${r.f.measuredMakespan.toFixed(1)}`].join(' | ')} |`);
  }
  return lines.join('\n');
}

export function runCalibration(argv: string[]): number {
  let dir = resolve(packageRoot(), '..', 'shared', 'bench', 'kherbache-accuracy');
  let fitGrid = false;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--dir') dir = resolve(argv[++i] ?? '');
    else if (a === '--fit') fitGrid = true;
    else if (a === '--json') json = argv[++i];
    else { process.stderr.write(`calibration: unknown argument ${a}\nusage: node dist/bench/calibration.js [--dir DIR] [--fit] [--json FILE]\n`); return 2; }
  }
  if (!existsSync(join(dir, 'executed'))) { process.stderr.write(`calibration: no executed plans in ${dir}/executed (give --dir)\n`); return 2; }
  const cases = loadCases(dir);
  const train = cases.filter((c) => c.number % 2 === 1);
  const test = cases.filter((c) => c.number % 2 === 0);
  const defaults = DEFAULT_DURATION_OPTIONS;
  const rows: { label: string; options: DurationOptions; f: Fit; set: string }[] = [];
  const add = (label: string, options: DurationOptions) => {
    rows.push({ label: `${label}, all ${cases.length}`, options, f: fit(cases, options), set: 'all' });
    rows.push({ label: `${label}, odd (${train.length})`, options, f: fit(train, options), set: 'odd' });
    rows.push({ label: `${label}, even (${test.length})`, options, f: fit(test, options), set: 'even' });
  };
  add('before calibration', { ...defaults, setup: 1, maxDowntime: 0.3 });
  add('defaults', defaults);
  if (fitGrid) {
    add('fitted on odd plans', search(train, defaults));
    add('fitted on even plans (cross-check)', search(test, defaults));
  }
  process.stdout.write(`Duration model against ${cases.length} executed plans (${cases.reduce((s, c) => s + c.plan.n, 0)} migrations, mean of 4 measured runs each)\n\n${table(rows)}\n`);
  if (json) writeFileSync(json, JSON.stringify(rows.map((r) => ({ label: r.label, set: r.set, setup: r.options.setup, maxDowntime: r.options.maxDowntime, ...r.f })), null, 2) + '\n');
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = runCalibration(process.argv.slice(2));
