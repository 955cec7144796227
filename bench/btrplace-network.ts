/**
 * The 54 BtrPlace instances imported with their whole network (every switch link), planned
 * twice: with shunt's default limits (one migration in and one out per host) and with no
 * per-host limit (the network-aware schedule decides what runs together).
 *
 *   node dist/bench/btrplace-network.js [--btrplace-dir DIR] [--quick] [--json FILE]
 *   npm run bench -- --suite btrplace-network
 *
 * Per instance: both estimates (the plan's dependency-based makespan), the link lower bound
 * (busiest link direction: data / capacity), the core-link lower bound (the same over switch
 * links only), and the planning time without limits (wall clock around planMigrations).
 * Summary: how often the unlimited estimate is at most the limited one and at least the link
 * bound, the largest ratio to the core-link bound on the x18 decommissioning instances, and
 * the largest planning time.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { planMigrations, type Loaded } from '../src/api.js';
import type { Plan } from '../src/model/plan.js';
import { importBtrPlace } from '../src/interop/btrplace-import.js';
import { durationOptionsOf } from '../src/schedule/duration-options.js';
import { scheduleInput } from '../src/schedule/makespan.js';
import { channelSeconds } from '../src/schedule/network-bounds.js';
import { flattenWaves } from '../src/schedule/verify.js';
import { packageRoot } from '../src/util/package-root.js';

interface Row {
  instance: string;
  vms: number;
  limited: number;
  unlimited: number;
  linkBound: number;
  coreBound: number;
  seconds: number;
  /** CPU seconds of the process during that call (user + system): less sensitive to a busy machine. */
  cpuSeconds: number;
  nonConvergent: number;
}

/** Seconds the switch-to-switch links need at least (the busiest one), for the plan's migrations. */
function coreBound(loaded: Loaded, plan: Plan): number {
  const flat = flattenWaves(loaded.problem, plan.waves).plan!;
  const input = scheduleInput(loaded.model, flat, durationOptionsOf(loaded.policy, loaded.kernel));
  const own = new Set(input.network.hostLinks.map((l) => l[0]!));
  let core = 0;
  channelSeconds(input).forEach((x, c) => { if (!own.has(c >> 1)) core = Math.max(core, x); });
  return core;
}

function files(dir: string, quick: boolean): string[] {
  const out: string[] = [];
  for (const category of readdirSync(dir).sort()) {
    for (const scale of readdirSync(join(dir, category)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))) {
      for (const f of readdirSync(join(dir, category, scale)).sort()) {
        if (f.endsWith('.json') && (!quick || f === 'instance_1.json')) out.push(join(category, scale, f));
      }
    }
  }
  return out;
}

async function measure(dir: string, rel: string): Promise<Row> {
  const source = JSON.parse(readFileSync(join(dir, rel), 'utf8')) as unknown;
  const limited = await planMigrations(importBtrPlace(source, { source: rel }).instance, { source: rel });
  const free = importBtrPlace(source, { concurrency: 'unlimited', source: rel }).instance;
  const t = performance.now();
  const cpu = process.cpuUsage();
  const { plan, loaded } = await planMigrations(free, { source: rel });
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const ms = plan.stats.makespan!;
  return {
    instance: rel.replace(/\.json$/, ''), vms: free.vms.length,
    limited: limited.plan.stats.makespan!.dependencies, unlimited: ms.dependencies,
    linkBound: ms.bounds!.links, coreBound: coreBound(loaded, plan), seconds, cpuSeconds, nonConvergent: ms.nonConvergent ?? 0,
  };
}

const f1 = (x: number) => x.toFixed(1);

function report(rows: Row[]): string {
  const lines = [
    '| instance | VMs | est. 1 in / 1 out (s) | est. no limit (s) | no limit / limits | link bound (s) | core-link bound (s) | no limit / core bound | plan time no limit (s) | CPU (s) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.instance} | ${r.vms} | ${f1(r.limited)} | ${f1(r.unlimited)} | ${(r.unlimited / r.limited).toFixed(3)} | ${f1(r.linkBound)} | ${r.coreBound ? f1(r.coreBound) : '-'} | ${r.coreBound ? (r.unlimited / r.coreBound).toFixed(3) : '-'} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} |`),
  ];
  const notAbove = rows.filter((r) => r.unlimited <= r.limited + 1e-6).length;
  const notBelow = rows.filter((r) => r.unlimited >= r.linkBound - 1e-6).length;
  const x18 = rows.filter((r) => r.instance.startsWith('random_decommissioning_vms_scale/x18/'));
  const worstX18 = Math.max(0, ...x18.map((r) => r.unlimited / r.coreBound));
  const worst = rows.reduce((a, b) => (b.unlimited / b.limited > a.unlimited / a.limited ? b : a), rows[0]!);
  const times = rows.map((r) => r.seconds).sort((a, b) => a - b);
  const cpu = rows.map((r) => r.cpuSeconds).sort((a, b) => a - b);
  lines.push('', `- no-limit estimate at most the 1-in/1-out estimate: ${notAbove} of ${rows.length} (largest ratio ${(worst.unlimited / worst.limited).toFixed(3)}, ${worst.instance})`);
  lines.push(`- no-limit estimate at least the link lower bound: ${notBelow} of ${rows.length}`);
  if (x18.length) lines.push(`- x18 decommissioning: no-limit estimate / core-link bound at most ${worstX18.toFixed(3)}`);
  lines.push(`- planning time without limits: median ${times[Math.floor(times.length / 2)]!.toFixed(2)} s, largest ${times[times.length - 1]!.toFixed(2)} s (CPU: median ${cpu[Math.floor(cpu.length / 2)]!.toFixed(2)} s, largest ${cpu[cpu.length - 1]!.toFixed(2)} s; over 2 s: ${rows.filter((r) => r.seconds > 2).length} by wall clock, ${rows.filter((r) => r.cpuSeconds > 2).length} by CPU)`);
  lines.push(`- migrations that cannot converge live in the no-limit plans: ${rows.reduce((s, r) => s + r.nonConvergent, 0)}`);
  return lines.join('\n');
}

export async function runBtrPlaceNetwork(argv: string[]): Promise<number> {
  let dir = resolve(packageRoot(), '..', 'shared', 'bench', 'btrplace-kherbache');
  let quick = false;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--btrplace-dir') dir = resolve(argv[++i] ?? '');
    else if (a === '--quick') quick = true;
    else if (a === '--json') json = argv[++i];
    else { process.stderr.write(`btrplace-network: unknown argument ${a}\nusage: node dist/bench/btrplace-network.js [--btrplace-dir DIR] [--quick] [--json FILE]\n`); return 2; }
  }
  if (!existsSync(dir)) { process.stderr.write(`btrplace-network: no BtrPlace instances in ${dir} (give --btrplace-dir)\n`); return 2; }
  const rows: Row[] = [];
  for (const rel of files(dir, quick)) {
    process.stderr.write(`${rel}\n`);
    rows.push(await measure(dir, rel));
    if (json) writeFileSync(json, JSON.stringify(rows, null, 2) + '\n');
  }
  process.stdout.write(report(rows) + '\n');
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runBtrPlaceNetwork(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`btrplace-network: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
