/**
 * The benchmark harness behind `npm run bench`.
 *
 *   node dist/bench/run.js [--suite NAME[,NAME...]] [--quick] [--time-limit SECONDS]
 *                          [--hosts N[,N...]] [--seeds S[,S...]] [--out FILE] [--btrplace-dir DIR]
 *                          [--cpu-prof-dir DIR]
 *
 * Generates (or reads and imports) each instance (not timed), plans it through the
 * library API (planMigrations, which verifies every plan and its dependency graph), prints
 * a Markdown table on stdout, progress on stderr, and writes the rows as JSON to
 * bench/results/latest.json. Exits with 1 when any instance did not end with a verified plan.
 *
 * Suites: generated clouds (synthetic, tight, small), the 54 published BtrPlace instances
 * (btrplace: imported with shunt's default limits of one migration in and one out per
 * host; btrplace-unlimited: without limits, as in BtrPlace, so links are shared), and exact:
 * small clouds with a detour swap (bench/exact-cloud.ts) planned by the heuristic and by the
 * exact engine; kswap: k independent swaps with a spare each (bench/kswap.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { planMigrations, PlanRejectedError } from '../src/api.js';
import type { InstanceDoc, PolicyDoc } from '../src/model/instance.js';
import type { Plan } from '../src/model/plan.js';
import { importBtrPlace } from '../src/interop/btrplace-import.js';
import { packageRoot } from '../src/util/package-root.js';
import { exactCloud } from './exact-cloud.js';
import { kSwaps } from './kswap.js';
import { generateCloud, requiredMoves, type CloudOptions } from './generate.js';
import { runScaleCase, scaleCases, type ScaleCase } from './scale.js';

interface Case {
  suite: string;
  name: string;
  /** Hosts, for the progress line (the row counts the instance's). */
  hosts: number;
  seed: number;
  /** Engine label of the row, and the policy that selects it (none: the instance's own, the heuristic). */
  engine?: string;
  policy?: PolicyDoc;
  make(): InstanceDoc;
  /** Set for the scale and full suites: generated to a file and planned in a child process. */
  scale?: ScaleCase;
}

interface Selection { hosts?: number[]; seeds?: number[]; btrplaceDir: string }

interface Suite {
  description: string;
  cases(quick: boolean, only: Selection): Case[];
}

/** A grid of generated clouds: every size with every seed. */
function generatedSuite(
  suite: string, description: string, sizes: { full: number[]; quick: number[] }, seeds: { full: number[]; quick: number[] },
  options: Omit<CloudOptions, 'hosts' | 'seed'> = {},
): Suite {
  return {
    description,
    cases(quick, only) {
      const hostList = only.hosts ?? (quick ? sizes.quick : sizes.full);
      const seedList = only.seeds ?? (quick ? seeds.quick : seeds.full);
      return hostList.flatMap((hosts) => seedList.map((seed) => ({
        suite, name: `${suite}-h${hosts}-s${seed}`, hosts, seed,
        make: () => generateCloud({ ...options, hosts, seed }),
      })));
    },
  };
}

/** The published BtrPlace instances: `<category>/x<scale>/instance_<k>.json`. */
function btrplaceSuite(suite: string, description: string, concurrency: 'shunt' | 'unlimited'): Suite {
  const short: Record<string, string> = {
    random_vms_scale: 'vms', random_infra_scale: 'infra',
    random_decommissioning_vms_scale: 'decom-vms', random_decommissioning_infra_scale: 'decom-infra',
  };
  return {
    description,
    cases(quick, only) {
      const dir = only.btrplaceDir;
      if (!existsSync(dir)) usage(`no BtrPlace instances in ${dir} (give --btrplace-dir)`);
      const files: { category: string; scale: number; k: number; file: string }[] = [];
      for (const category of readdirSync(dir).sort()) {
        const cdir = join(dir, category);
        for (const scaleDir of readdirSync(cdir)) {
          const scale = Number(scaleDir.replace(/^x/, ''));
          for (const f of readdirSync(join(cdir, scaleDir))) {
            const k = /^instance_(\d+)\.json$/.exec(f);
            if (k) files.push({ category, scale, k: Number(k[1]), file: join(cdir, scaleDir, f) });
          }
        }
      }
      files.sort((a, b) => a.category.localeCompare(b.category) || a.scale - b.scale || a.k - b.k);
      const chosen = files.filter((f) => (!quick || (f.scale === 1 && f.k === 1)) && (!only.seeds || only.seeds.includes(f.k)));
      return chosen.map((f) => ({
        suite, name: `${suite === 'btrplace' ? 'bp' : 'bpu'}-${short[f.category] ?? f.category}-x${f.scale}-${f.k}`, hosts: 0, seed: f.k,
        make: () => importBtrPlace(JSON.parse(readFileSync(f.file, 'utf8')), { concurrency, source: f.file }).instance,
      }));
    },
  };
}

/** Small clouds with a detour swap, planned by the greedy heuristic and by the exact engine. */
const exactSuite: Suite = {
  description: 'small near-capacity clouds with a swap that needs a detour (bench/exact-cloud.ts): heuristic and exact engine',
  cases(quick, only) {
    const sizes: Array<[number, number]> = quick ? [[12, 40]] : [[12, 40], [20, 80]];
    const seeds = only.seeds ?? (quick ? [1] : [1, 2, 3]);
    const engines: Array<[string, PolicyDoc]> = [
      ['heuristic', { engine: 'heuristic' }],
      ['exact', { engine: 'exact' }],
    ];
    return sizes.flatMap(([hosts, vms]) => seeds.flatMap((seed) => engines.map(([engine, policy]) => ({
      suite: 'exact', name: `exact-${hosts}x${vms}-s${seed}`, hosts, seed, engine, policy,
      make: () => exactCloud({ hosts, vms, seed }),
    }))));
  },
};

/** k independent swaps with a spare each (bench/kswap.ts): optimum k x 14,336 MiB in 3 waves. */
const kswapSuite: Suite = {
  description: 'k independent swaps between full hosts, a spare each (k = 1, 10, 100, 1000; --hosts gives k): optimum in 3 waves',
  cases(quick, only) {
    const ks = only.hosts ?? (quick ? [1, 10, 100] : [1, 10, 100, 1000]);
    return ks.map((k) => ({ suite: 'kswap', name: `kswap-${k}`, hosts: 3 * k, seed: 0, make: () => kSwaps(k) }));
  },
};
/** The scale and full suites (bench/scale.ts): a child process per instance, phases and peak memory. */
function childSuite(suite: 'scale' | 'full', description: string): Suite {
  return {
    description,
    cases: (quick, only) => scaleCases(suite, quick, only.hosts, only.seeds).map((scale) => ({
      suite, name: scale.name, hosts: scale.hosts, seed: scale.seed, scale,
      make: () => generateCloud(scale.options),
    })),
  };
}

const SUITES: Record<string, Suite> = {
  synthetic: generatedSuite(
    'synthetic', 'near-capacity clouds (85 % RAM), 40 % of the VMs retargeted, 1 in / 1 out per host',
    { full: [20, 200, 500, 2000], quick: [20, 200, 500] }, { full: [1, 2, 3], quick: [1] },
  ),
  tight: generatedSuite(
    'tight', 'fuller clouds (95 % RAM, ±2 %), 40 % retargeted: blocked hosts need parking (detours)',
    { full: [200, 500, 2000], quick: [200] }, { full: [1, 2, 3], quick: [1] }, { fill: 0.95, fillJitter: 0.02 },
  ),
  small: generatedSuite(
    'small', 'tiny near-capacity clouds (32 GiB hosts), small enough for the exhaustive search',
    { full: [2, 3, 4, 6], quick: [3, 6] }, { full: [1, 2, 3], quick: [1] }, { small: true },
  ),
  btrplace: btrplaceSuite('btrplace', 'the 54 BtrPlace instances of Kherbache\'s thesis (72-720 hosts, 96-1,728 VMs), 1 in / 1 out per host', 'shunt'),
  'btrplace-unlimited': btrplaceSuite('btrplace-unlimited', 'the same 54 instances without concurrency limits, as in BtrPlace (links shared)', 'unlimited'),
  exact: exactSuite,
  kswap: kswapSuite,
  scale: childSuite('scale', '10,000 to 160,000 hosts (about 16 VMs each), generated to a file as a stream, each planned in a child process: phases and peak memory'),
  full: childSuite('full', 'very full clouds (95 % and 98 % RAM), 500 and 2,000 hosts, in a child process: waves against their lower bound'),
};

interface Row {
  suite: string;
  instance: string;
  engine: string;
  hosts: number;
  seed: number;
  vms: number;
  requiredMoves: number;
  status: Plan['status'] | 'rejected' | 'error';
  /** Wall clock around planMigrations (validation, planning, verification). */
  seconds: number;
  /** plan.stats.seconds: the engine plus the replay verification, without loading. */
  solveSeconds: number | null;
  generateSeconds: number;
  moves: number | null;
  detours: number | null;
  cost: number | null;
  lowerBound: number | null;
  costRatio: number | null;
  waves: number | null;
  wavesLowerBound: number | null;
  wavesRatio: number | null;
  /** Estimated seconds of the wave-by-wave schedule and of the dependency-based one. */
  makespanWaves: number | null;
  makespanDependencies: number | null;
  /** Set when starting on dependencies was estimated longer than the waves (the waves' time is then reported). */
  makespanAsap?: number;
  verified: boolean;
  error?: string;
  explanation?: string[];
  stats?: Record<string, unknown>;
  /** Scale and full suites: seconds per phase (read, load, plan, verify, schedule, write) and peak RSS. */
  phases?: Record<string, number>;
  cpu?: Record<string, number>;
  peakMiB?: number;
  peakAfter?: Record<string, number>;
  fileMiB?: number;
}

function parseArgs(argv: string[]) {
  const args = {
    suites: [] as string[], quick: false, timeLimit: 120, hosts: undefined as number[] | undefined, seeds: undefined as number[] | undefined, out: undefined as string | undefined,
    btrplaceDir: resolve(packageRoot(), '..', 'shared', 'bench', 'btrplace-kherbache'),
    profileDir: undefined as string | undefined,
  };
  const numbers = (flag: string, value: string | undefined) => {
    const list = (value ?? '').split(',').filter(Boolean).map(Number);
    if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 0)) usage(`${flag} needs a comma-separated list of integers`);
    return list;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--suite': args.suites.push(...(value() ?? '').split(',').filter(Boolean)); break;
      case '--quick': args.quick = true; break;
      case '--time-limit': {
        const t = Number(value());
        if (!(t > 0)) usage('--time-limit needs a positive number of seconds');
        args.timeLimit = t;
        break;
      }
      case '--hosts': args.hosts = numbers(flag, value()); break;
      case '--seeds': args.seeds = numbers(flag, value()); break;
      case '--out': args.out = value(); break;
      case '--btrplace-dir': args.btrplaceDir = resolve(value() ?? ''); break;
      case '--cpu-prof-dir': args.profileDir = resolve(value() ?? ''); break;
      case '--help': case '-h': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (args.suites.length === 0) args.suites.push('synthetic');
  for (const s of args.suites) if (!(s in SUITES)) usage(`unknown suite ${s}`);
  return args;
}

function usage(error?: string): never {
  const lines = [
    'usage: npm run bench -- [--suite NAME[,NAME...]] [--quick] [--time-limit SECONDS] [--hosts N,...] [--seeds S,...] [--out FILE] [--btrplace-dir DIR] [--cpu-prof-dir DIR]',
    '  (--cpu-prof-dir: the scale and full suites\' children write V8 CPU profiles there)',
    '  (--seeds picks the instance number for the BtrPlace suites; --hosts applies to generated suites)',
    'suites:',
    ...Object.entries(SUITES).map(([name, s]) => `  ${name.padEnd(10)} ${s.description}`),
    '  calibration       the duration model against 50 measured plans (bench/calibration.ts: --dir DIR, --fit)',
    '  btrplace-network  the 54 BtrPlace instances with their network, with and without per-host limits (bench/btrplace-network.ts)',
    '  startup           wall time of `shunt --help`, `plan` and `validate` on examples/swap.json against `node -e 0` (bench/startup.ts: --runs N, --entry FILE)',
  ];
  if (error) process.stderr.write(`bench: ${error}\n`);
  process.stderr.write(lines.join('\n') + '\n');
  process.exit(error ? 2 : 0);
}

const log = (line: string) => process.stderr.write(line + '\n');

/** Progress while planning: a rewritten line on a terminal, a line every few seconds on a pipe. */
function progress(label: string) {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let last = started;
  let shown = false;
  return {
    report(done: number, total: number) {
      const now = Date.now();
      if (now - last < (tty ? 200 : 5000)) return;
      last = now;
      const text = `  ${label}: ${done}/${total} VMs placed, ${((now - started) / 1000).toFixed(1)} s`;
      if (tty) { process.stderr.write(`\r${text}\x1b[K`); shown = true; } else log(text);
    },
    end() { if (shown) process.stderr.write('\r\x1b[K'); },
  };
}

/** What every row of a generated or imported case starts with. */
type RowBase = Pick<Row, 'suite' | 'instance' | 'engine' | 'hosts' | 'seed' | 'vms' | 'requiredMoves' | 'generateSeconds'>;

async function runCase(c: Case, timeLimit: number, profileDir?: string): Promise<Row> {
  if (c.scale) return runChildCase(c.scale, timeLimit, profileDir);
  const engine = c.engine ?? 'heuristic';
  log(`${c.name}: ${c.hosts ? `generating ${c.hosts} hosts (seed ${c.seed})` : 'reading and importing'}`);
  let t = performance.now();
  const doc = c.make();
  const generateSeconds = (performance.now() - t) / 1000;
  const base: RowBase = {
    suite: c.suite, instance: c.name, engine, hosts: doc.hosts.length, seed: c.seed, vms: doc.vms.length, requiredMoves: requiredMoves(doc), generateSeconds,
  };
  log(`${c.name}: ${base.hosts} hosts, ${base.vms} VMs, ${base.requiredMoves} required moves (made in ${generateSeconds.toFixed(2)} s); planning with ${engine}`);
  const bar = progress(c.name);
  t = performance.now();
  try {
    const { plan } = await planMigrations(doc, { timeLimit, source: c.name, onProgress: (d, n) => bar.report(d, n), ...(c.policy ? { policy: c.policy } : {}) });
    const seconds = (performance.now() - t) / 1000;
    bar.end();
    const row = planRow(base, plan, seconds);
    log(`${c.name}: ${plan.status} in ${seconds.toFixed(2)} s` + (row.verified ? `, ${row.moves} moves in ${row.waves} waves, makespan ${row.makespanWaves} s by waves, ${row.makespanDependencies} s by dependencies, verified` : `: ${(plan.explanation ?? []).join(' | ')}`));
    return row;
  } catch (e) {
    const seconds = (performance.now() - t) / 1000;
    bar.end();
    return errorRow(c.name, base, e, seconds);
  }
}

/** A planned case's row: its figures, the ratios to the lower bounds, the plan's stats. */
function planRow(base: RowBase, plan: Plan, seconds: number): Row {
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? null : b === 0 ? (a === 0 ? 1 : null) : a / b);
  const wavesLowerBound = typeof plan.stats.wavesLowerBound === 'number' ? plan.stats.wavesLowerBound : null;
  const verified = plan.status === 'optimal' || plan.status === 'feasible';
  const makespan = plan.stats.makespan;
  return {
    ...base, status: plan.status, seconds, solveSeconds: plan.stats.seconds,
    moves: verified ? plan.stats.moves : null,
    detours: verified ? (plan.stats.detours ?? null) : null,
    cost: plan.cost, lowerBound: plan.lowerBound, costRatio: ratio(plan.cost, plan.lowerBound),
    waves: verified ? plan.stats.waves : null, wavesLowerBound, wavesRatio: verified ? ratio(plan.stats.waves, wavesLowerBound) : null,
    makespanWaves: makespan?.waves ?? null, makespanDependencies: makespan?.dependencies ?? null,
    ...(makespan?.asap !== undefined ? { makespanAsap: makespan.asap } : {}),
    verified,
    ...(plan.explanation ? { explanation: plan.explanation } : {}),
    stats: plan.stats,
  };
}

/** A case that threw (a plan the verifier rejected, or a crash): logged with its message or stack. */
function errorRow(name: string, base: RowBase, e: unknown, seconds: number): Row {
  const rejected = e instanceof PlanRejectedError;
  const error = e instanceof Error ? (rejected ? e.message : e.stack ?? e.message) : String(e);
  log(`${name}: ${rejected ? 'PLAN REJECTED' : 'ERROR'} after ${seconds.toFixed(2)} s\n${error}`);
  return {
    ...base, status: rejected ? 'rejected' : 'error', seconds, solveSeconds: null,
    moves: null, detours: null, cost: null, lowerBound: null, costRatio: null, waves: null, wavesLowerBound: null, wavesRatio: null,
    makespanWaves: null, makespanDependencies: null, verified: false, error,
  };
}

async function runChildCase(c: ScaleCase, timeLimit: number, profileDir?: string): Promise<Row> {
  log(`${c.name}: generating ${c.hosts} hosts (seed ${c.seed}) to a file, planning it in a child process`);
  const base = { suite: c.suite, instance: c.name, engine: 'heuristic', hosts: c.hosts, seed: c.seed };
  try {
    const r = await runScaleCase(c, timeLimit, profileDir);
    const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);
    log(`${c.name}: ${r.vms} VMs, ${r.status} in ${r.seconds.toFixed(2)} s, peak ${r.peakMiB.toFixed(0)} MiB, ${r.waves} waves (bound ${r.wavesLowerBound}), ${r.verified ? 'verified' : `NOT VERIFIED: ${r.error ?? ''}`}`);
    return {
      ...base, vms: r.vms, requiredMoves: r.requiredMoves, status: r.status as Row['status'], seconds: r.seconds, solveSeconds: r.phases.plan,
      generateSeconds: r.generateSeconds, moves: r.moves, detours: null, cost: r.cost, lowerBound: r.lowerBound, costRatio: ratio(r.cost, r.lowerBound),
      waves: r.waves, wavesLowerBound: r.wavesLowerBound, wavesRatio: ratio(r.waves, r.wavesLowerBound),
      makespanWaves: null, makespanDependencies: null, verified: r.verified, phases: r.phases, cpu: r.cpu, peakMiB: r.peakMiB, peakAfter: r.peakAfter, fileMiB: r.fileMiB,
      ...(r.error ? { error: r.error } : {}),
    };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    log(`${c.name}: ERROR ${error}`);
    return {
      ...base, vms: 0, requiredMoves: 0, status: 'error', seconds: 0, solveSeconds: null, generateSeconds: 0, moves: null, detours: null,
      cost: null, lowerBound: null, costRatio: null, waves: null, wavesLowerBound: null, wavesRatio: null, makespanWaves: null, makespanDependencies: null,
      verified: false, error,
    };
  }
}

/** The scale and full suites' rows: seconds per phase, peak memory, bounds. */
function phaseTable(rows: Row[]): string {
  const lines = [
    '| instance | hosts | VMs | file (MiB) | read | load | plan | verify | schedule | write | total (s) | CPU (s) | peak (MiB) | KiB / VM | waves / LB | cost / LB | verified |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
  ];
  const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '-' : x.toFixed(d));
  for (const r of rows) {
    const p = r.phases ?? {};
    const c = r.cpu ?? {};
    // Wall seconds per phase, CPU seconds in brackets.
    const phase = (k: string) => `${f(p[k])} (${f(c[k])})`;
    const cpuTotal = Object.values(c).reduce((s, x) => s + x, 0);
    lines.push(`| ${r.instance} | ${r.hosts} | ${r.vms} | ${f(r.fileMiB, 0)} | ${phase('read')} | ${phase('load')} | ${phase('plan')} | ${phase('verify')} | ${phase('schedule')} | ${phase('write')} | ${f(r.seconds)} | ${f(cpuTotal)} | ${f(r.peakMiB, 0)} | ${r.peakMiB && r.vms ? (r.peakMiB * 1024 / r.vms).toFixed(2) : '-'} | ${r.waves ?? '-'} / ${r.wavesLowerBound ?? '-'} | ${f(r.costRatio, 3)} | ${r.verified ? 'yes' : 'no'} |`);
  }
  return lines.join('\n');
}

function table(rows: Row[]): string {
  const num = (x: number | null, digits = 0) => (x === null ? '-' : digits ? x.toFixed(digits) : String(Math.round(x)));
  const head = ['instance', 'engine', 'hosts', 'VMs', 'required moves', 'status', 'seconds', 'moves', 'detours', 'cost (MiB)', 'cost / LB', 'waves', 'waves / LB', 'makespan waves (s)', 'makespan deps (s)', 'deps / waves', 'verified'];
  const right = [false, false, true, true, true, false, true, true, true, true, true, true, true, true, true, true, false];
  const body = rows.map((r) => [
    r.instance, r.engine, String(r.hosts), String(r.vms), String(r.requiredMoves), r.status, r.seconds.toFixed(2),
    num(r.moves), num(r.detours), num(r.cost), num(r.costRatio, 3), num(r.waves), num(r.wavesRatio, 3),
    num(r.makespanWaves, 1), num(r.makespanDependencies, 1) + (r.makespanAsap !== undefined ? '*' : ''),
    r.makespanWaves && r.makespanDependencies !== null ? (r.makespanDependencies / r.makespanWaves).toFixed(3) : '-',
    r.verified ? 'yes' : 'no',
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (right[i] ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join(' | ')} |`;
  const rule = `|${width.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  const starred = rows.some((r) => r.makespanAsap !== undefined)
    ? ['', '\\* starting each migration as soon as its dependencies end was estimated longer than the waves (shared links): the wave schedule, which respects the dependencies too, is reported']
    : [];
  return [line(head), rule, ...body.map(line), ...starred].join('\n');
}

/** Per suite and engine: totals and medians that the table is too long to show at a glance. */
function summary(rows: Row[]): string {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `${r.suite} | ${r.engine}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const median = (xs: number[]) => {
    if (xs.length === 0) return null;
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const f = (x: number | null, d: number) => (x === null ? '-' : x.toFixed(d));
  const lines = [
    '| suite | engine | instances | verified | total seconds | max seconds | median cost / LB | median waves / LB | sum makespan waves (s) | sum makespan deps (s) | deps / waves (sum) | median deps / waves |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const [key, rs] of groups) {
    const ok = rs.filter((r) => r.verified);
    const mw = ok.reduce((s, r) => s + (r.makespanWaves ?? 0), 0);
    const md = ok.reduce((s, r) => s + (r.makespanDependencies ?? 0), 0);
    const ratios = ok.filter((r) => r.makespanWaves).map((r) => r.makespanDependencies! / r.makespanWaves!);
    lines.push(`| ${key} | ${rs.length} | ${ok.length} | ${f(rs.reduce((s, r) => s + r.seconds, 0), 2)} | ${f(Math.max(...rs.map((r) => r.seconds)), 2)} | ${f(median(ok.flatMap((r) => (r.costRatio === null ? [] : [r.costRatio]))), 3)} | ${f(median(ok.flatMap((r) => (r.wavesRatio === null ? [] : [r.wavesRatio]))), 3)} | ${f(mw, 0)} | ${f(md, 0)} | ${mw ? (md / mw).toFixed(3) : '-'} | ${f(median(ratios), 3)} |`);
  }
  return lines.join('\n');
}

/** The commit measured, and whether sources differed from it (others edit src/ while benchmarks run). */
function gitState(root: string): { commit: string; dirty: string[] } | null {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const commit = git('rev-parse', 'HEAD').trim();
    const dirty = git('status', '--porcelain', '--', 'src', 'plugins', 'bench').split('\n').filter(Boolean).map((l) => l.slice(3));
    return { commit, dirty };
  } catch {
    return null;
  }
}

/** Suites with their own harness (bench/calibration.ts, bench/btrplace-network.ts, bench/startup.ts): `--suite NAME` and their own flags. */
async function ownSuite(argv: string[]): Promise<number | undefined> {
  const i = argv.findIndex((a) => a === '--suite' || a.startsWith('--suite='));
  const name = i < 0 ? undefined : argv[i]!.includes('=') ? argv[i]!.slice(8) : argv[i + 1];
  const rest = i < 0 ? [] : argv.filter((_, j) => j !== i && (argv[i]!.includes('=') || j !== i + 1));
  if (name === 'calibration') return (await import('./calibration.js')).runCalibration(rest);
  if (name === 'btrplace-network') return (await import('./btrplace-network.js')).runBtrPlaceNetwork(rest);
  if (name === 'startup') return (await import('./startup.js')).runStartup(rest);
  return undefined;
}

async function main() {
  const own = await ownSuite(process.argv.slice(2));
  if (own !== undefined) { process.exitCode = own; return; }
  const args = parseArgs(process.argv.slice(2));
  const out = resolve(args.out ?? join(packageRoot(), 'bench', 'results', 'latest.json'));
  const cases = args.suites.flatMap((s) => SUITES[s]!.cases(args.quick, { hosts: args.hosts, seeds: args.seeds, btrplaceDir: args.btrplaceDir }));
  const meta = {
    date: new Date().toISOString(), node: process.version, platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', git: gitState(packageRoot()), argv: process.argv.slice(2), suites: args.suites, quick: args.quick, timeLimit: args.timeLimit,
  };
  log(`bench: ${cases.length} instances (${args.suites.join(', ')}${args.quick ? ', quick' : ''}), time limit ${args.timeLimit} s each; results to ${out}`);
  const rows: Row[] = [];
  const save = () => {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify({ ...meta, rows }, null, 2) + '\n');
  };
  for (const c of cases) {
    rows.push(await runCase(c, args.timeLimit, args.profileDir));
    save(); // after every instance, so that a crash keeps what was measured
  }
  process.stdout.write(table(rows) + '\n');
  const phased = rows.filter((r) => r.phases);
  if (phased.length) process.stdout.write('\n' + phaseTable(phased) + '\n');
  process.stdout.write('\n' + summary(rows) + '\n');
  const failed = rows.filter((r) => !r.verified);
  if (failed.length) {
    process.stdout.write(`\n${failed.length} instance(s) without a verified plan:\n`);
    for (const r of failed) {
      process.stdout.write(`- ${r.instance} (hosts ${r.hosts}, seed ${r.seed}): ${r.status}: ${r.error ?? (r.explanation ?? []).join(' | ')}\n`);
    }
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
