/**
 * Figures for the placement strategies (issue 4):
 *
 *   node dist/bench/target.js [--hosts 20,200,2000] [--seed 1] [--time-limit SECONDS]
 *                             [--strategies consolidate,rebalance,sharing-aware] [--out FILE]
 *
 * On seeded clouds (bench/generate.ts, RAM filled to about 60 % ± 20 % so there is
 * something to consolidate and to balance; disk 8 TB per host so that RAM, not disk,
 * binds, as in the memory-bound clouds page sharing is about), each VM given OS
 * platform, version, libraries and application attributes drawn from a skewed
 * catalogue, it reports:
 *  - consolidate: hosts used before and after, hosts freed;
 *  - rebalance: the most loaded host's RAM and CPU utilisation before and after;
 *  - sharing: servers and memory footprint of sharing-aware packing (rule sharing,
 *    capacity excluding ram) against sharing-oblivious packing (consolidate with RAM
 *    counted in full), the footprint measured with the same tree for both;
 *  - for every target, the verified path to it: status, cost, waves, migrations.
 * Markdown on stdout, progress on stderr, rows as JSON with --out.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InstanceDoc, PolicyDoc } from '../src/model/instance.js';
import { solveLoaded } from '../src/api.js';
import { retarget } from '../src/placement/retarget.js';
import { targetMetrics, type TargetMetrics } from '../src/placement/metrics.js';
import { footprintOf, measuringTree } from '../src/placement/metrics.js';
import { notesOf } from '../src/placement/strategy.js';
import { hostLowerBound } from '../src/placement/binpack.js';
import { Packer } from '../src/placement/pack.js';
import { generateCloud, mulberry32 } from './generate.js';

type Weighted = Array<[string, number]>;

const OS: Weighted = [['linux', 8], ['windows', 2]];
const VERSIONS: Record<string, Weighted> = {
  linux: [['ubuntu-22.04', 4], ['ubuntu-20.04', 2], ['rhel-9', 2.5], ['debian-12', 1.5]],
  windows: [['ws2019', 1], ['ws2022', 1]],
};
const LIBRARIES: Record<string, Weighted> = {
  linux: [['python3', 4], ['jvm17', 3], ['node20', 2], ['go', 1]],
  windows: [['dotnet8', 2], ['dotnet4.8', 1]],
};
const APPLICATIONS: Record<string, Weighted> = {
  python3: [['django', 3], ['celery', 2], ['jupyter', 1]],
  jvm17: [['tomcat', 3], ['kafka', 2], ['elasticsearch', 2]],
  node20: [['express', 3], ['nextjs', 2]],
  go: [['prometheus', 1], ['etcd', 1]],
  dotnet8: [['aspnet', 3], ['worker', 1]],
  'dotnet4.8': [['iis', 2], ['sharepoint', 1]],
};

/** A seeded cloud whose VMs carry the attributes of the sharing tree. */
export function sharingCloud(hosts: number, seed: number): InstanceDoc {
  const doc = generateCloud({ hosts, seed, fill: 0.6, fillJitter: 0.2, capacity: { ram: 256 * 1024, cpu: 64, disk: 8000 } });
  const random = mulberry32(seed * 7919 + 17);
  const pick = (xs: Weighted) => {
    let t = xs.reduce((s, x) => s + x[1], 0) * random();
    for (const [name, w] of xs) { t -= w; if (t < 0) return name; }
    return xs[xs.length - 1]![0];
  };
  for (const vm of doc.vms) {
    const os = pick(OS);
    const libraries = pick(LIBRARIES[os]!);
    vm.attributes = { ...vm.attributes, os, osVersion: pick(VERSIONS[os]!), libraries, application: pick(APPLICATIONS[libraries]!) };
  }
  delete doc.target;
  return doc;
}

const SHARING_POLICY: PolicyDoc = { rules: [{ name: 'capacity', options: { exclude: ['ram'] } }, 'sharing'] };

interface Row {
  hosts: number;
  vms: number;
  strategy: string;
  policy: 'plain' | 'sharing';
  /** Fewest hosts any target can use by the capacity limits alone (RAM not counted under sharing). */
  hostsLowerBound: number;
  before: TargetMetrics;
  after: TargetMetrics;
  /** Memory footprint (sum over hosts of RAM after sharing), same tree for every row. */
  footprintBefore: number;
  footprintAfter: number;
  chooseSeconds: number;
  path: { status: string; cost: number | null; waves: number; moves: number; detours: number; seconds: number };
  notes: string[];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function run(): Promise<void> {
  const sizes = (arg('--hosts') ?? '20,200,2000').split(',').map(Number);
  const seed = Number(arg('--seed') ?? 1);
  const timeLimit = Number(arg('--time-limit') ?? 600);
  const rows: Row[] = [];
  for (const H of sizes) {
    const doc = sharingCloud(H, seed);
    const cases: Array<{ strategy: string; label?: string; options?: Record<string, unknown>; policy: 'plain' | 'sharing' }> = [
      { strategy: 'consolidate', policy: 'plain' },
      { strategy: 'rebalance', policy: 'plain' },
      { strategy: 'sharing-aware', policy: 'sharing' },
      { strategy: 'sharing-aware', label: 'sharing-aware, drain only', options: { repack: false }, policy: 'sharing' },
    ];
    const only = arg('--strategies')?.split(',');
    for (const c of cases.filter((x) => !only || only.includes(x.label ?? x.strategy))) {
      const label = c.label ?? c.strategy;
      process.stderr.write(`${H} hosts, ${doc.vms.length} VMs: ${label} (${c.policy})...\n`);
      const started = performance.now();
      const ref = c.options ? { name: c.strategy, options: c.options } : c.strategy;
      const r = await retarget(doc, { source: `cloud-${H}`, policy: c.policy === 'sharing' ? SHARING_POLICY : undefined }, ref, { timeLimit });
      const chooseSeconds = (performance.now() - started) / 1000;
      const problem = r.source.problem;
      const tree = measuringTree(problem)!.tree;
      const plan = await solveLoaded(r.loaded, { timeLimit });
      rows.push({
        hosts: H, vms: doc.vms.length, strategy: label, policy: c.policy, hostsLowerBound: hostLowerBound(new Packer(problem)),
        before: targetMetrics(problem, problem.model.placement), after: targetMetrics(problem, r.target),
        footprintBefore: footprintOf(tree, problem.model, problem.model.placement), footprintAfter: footprintOf(tree, problem.model, r.target),
        chooseSeconds,
        path: { status: plan.status, cost: plan.cost, waves: plan.waves.length, moves: plan.stats.moves, detours: plan.stats.detours ?? 0, seconds: plan.stats.seconds },
        notes: notesOf(r.source.strategy),
      });
    }
  }
  process.stdout.write(markdown(rows));
  const out = arg('--out');
  if (out) writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, seed, rows }, null, 2) + '\n');
  const bad = rows.filter((r) => r.path.status !== 'optimal' && r.path.status !== 'feasible');
  if (bad.length) process.exitCode = 1;
}

const GiB = 1024;
const pct = (x: number | undefined) => (x === undefined ? '-' : `${(x * 100).toFixed(1)} %`);
const gib = (x: number) => `${Math.round(x / GiB).toLocaleString('en-US')}`;

function markdown(rows: Row[]): string {
  const out: string[] = [];
  out.push('| hosts | VMs | strategy | hosts used (before → after) | lower bound | freed | max RAM util | max CPU util | RAM footprint GiB (before → after) | path | cost (GiB copied) | waves | migrations (detours) | choose s | plan s |');
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    out.push(`| ${r.hosts} | ${r.vms} | ${r.strategy}${r.policy === 'sharing' ? ' (sharing rule)' : ''} | ${r.before.hostsUsed} → ${r.after.hostsUsed} | ${r.hostsLowerBound} | ${r.after.hostsFreed.length} | ${pct(r.before.utilisation['ram']?.max)} → ${pct(r.after.utilisation['ram']?.max)} | ${pct(r.before.utilisation['cpu']?.max)} → ${pct(r.after.utilisation['cpu']?.max)} | ${gib(r.footprintBefore)} → ${gib(r.footprintAfter)} | ${r.path.status} | ${r.path.cost === null ? '-' : gib(r.path.cost)} | ${r.path.waves} | ${r.path.moves} (${r.path.detours}) | ${r.chooseSeconds.toFixed(2)} | ${r.path.seconds.toFixed(2)} |`);
  }
  out.push('');
  out.push('Sharing-aware packing against sharing-oblivious packing (consolidate, RAM counted in full) of the same cloud:');
  out.push('');
  out.push('| hosts | packing | servers oblivious → aware | fewer servers | memory footprint GiB oblivious → aware | less memory | migrations |');
  out.push('|---|---|---|---|---|---|---|');
  for (const H of [...new Set(rows.map((r) => r.hosts))]) {
    const oblivious = rows.find((r) => r.hosts === H && r.strategy === 'consolidate');
    for (const aware of rows.filter((r) => r.hosts === H && r.strategy.startsWith('sharing-aware'))) {
      if (!oblivious) continue;
      const s0 = oblivious.after.hostsUsed;
      const s1 = aware.after.hostsUsed;
      out.push(`| ${H} | ${aware.strategy} | ${s0} → ${s1} | ${pct((s0 - s1) / s0)} | ${gib(oblivious.footprintAfter)} → ${gib(aware.footprintAfter)} | ${pct((oblivious.footprintAfter - aware.footprintAfter) / oblivious.footprintAfter)} | ${oblivious.path.moves} → ${aware.path.moves} |`);
    }
  }
  out.push('');
  return out.join('\n');
}

// Run when executed, not when imported (sharingCloud is reusable).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await run();
