/**
 * Figures for `shunt evaluate --budgets` (issue 12 item 4): the frontier of target quality
 * against path cost, and how long it takes to compute.
 *
 *   node dist/bench/frontier.js [--repeats 3] [--hosts 200,500] [--only NAME] [--time-limit SECONDS] [--out FILE]
 *
 * Instances: the bundled examples/cloud-20.json; BtrPlace's random_vms_scale x1 and
 * random_decommissioning_vms_scale x1 instance 1 (../shared/bench/btrplace-kherbache, imported
 * as `shunt import btrplace` does, when present); seeded clouds of --hosts hosts (bench/generate.ts,
 * RAM filled to 60 % ± 20 %; budgets a quarter, half, once and twice the hosts). --only keeps
 * the cases whose name contains NAME. Each with consolidate and rebalance under budgets in moves.
 * Markdown on stdout (the last repeat's rows, and min / median seconds over the repeats),
 * progress on stderr, rows as JSON with --out.
 */
import 'reflect-metadata';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { InstanceDoc } from '../src/model/instance.js';
import { importBtrPlace } from '../src/interop/btrplace-import.js';
import { evaluateFrontier, type Budgets, type FrontierRow } from '../src/placement/frontier.js';
import { generateCloud } from './generate.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const SHARED = join(ROOT, '..', '..', 'shared', 'bench', 'btrplace-kherbache');

interface Case { name: string; doc: () => InstanceDoc | undefined; budgets: Budgets }

const btrplace = (category: string) => () => {
  const file = [join(SHARED, category, 'x1', 'instance_1.json'), join('/work/shared/bench/btrplace-kherbache', category, 'x1', 'instance_1.json')].find(existsSync);
  return file ? importBtrPlace(JSON.parse(readFileSync(file, 'utf8')), { source: file }).instance : undefined;
};

const CASES: Case[] = [
  { name: 'examples/cloud-20.json', doc: () => JSON.parse(readFileSync(join(ROOT, 'examples', 'cloud-20.json'), 'utf8')) as InstanceDoc, budgets: { amounts: [0, 6, 12, 24], unit: 'moves' } },
  { name: 'btrplace random_vms_scale x1 #1', doc: btrplace('random_vms_scale'), budgets: { amounts: [0, 10, 25, 50], unit: 'moves' } },
  { name: 'btrplace random_decommissioning_vms_scale x1 #1', doc: btrplace('random_decommissioning_vms_scale'), budgets: { amounts: [0, 10, 25, 50], unit: 'moves' } },
];

/** Seeded clouds of `--hosts` hosts each (default 200), RAM filled to 60 % ± 20 %. */
const generated = (hosts: number): Case => ({
  name: `generated ${hosts} hosts (seed 1)`, doc: () => generateCloud({ hosts, seed: 1, fill: 0.6, fillJitter: 0.2 }),
  budgets: { amounts: [0, hosts / 4, hosts / 2, hosts, 2 * hosts].map(Math.round), unit: 'moves' },
});

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const pct = (x: number | undefined) => (x === undefined ? '-' : `${(x * 100).toFixed(1)} %`);
const num = (x: number | null | undefined) => (x === null || x === undefined ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(1));

function table(rows: FrontierRow[]): string[] {
  const resources = [...new Set(rows.flatMap((r) => Object.keys(r.maxUtilisation ?? {})))];
  const head = ['strategy', 'budget', 'spent', 'steps', 'hosts', ...resources.map((r) => `${r} max`), 'moves', 'waves', 'MiB', 'makespan s', 'downtime s', 'plan s', 'Pareto'];
  const body = rows.map((r) => [
    r.strategy, r.budget === null ? 'none' : num(r.budget), num(r.spent), r.steps ? `${r.steps.taken}/${r.steps.of}` : '-', num(r.hostsUsed),
    ...resources.map((x) => pct(r.maxUtilisation?.[x])), num(r.path?.moves), num(r.path?.waves), num(r.path?.mib),
    num(r.path?.makespan), num(r.path?.downtime), r.path ? r.path.seconds.toFixed(2) : '-', r.pareto ? '*' : '',
  ]);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((b) => `| ${b.join(' | ')} |`)];
}

async function run(): Promise<void> {
  const repeats = Number(arg('--repeats') ?? 3);
  const timeLimit = arg('--time-limit') ? Number(arg('--time-limit')) : undefined;
  const out: Record<string, FrontierRow[]> = {};
  const sizes = (arg('--hosts') ?? '200').split(',').map(Number).filter((x) => x > 0);
  const only = arg('--only');
  for (const c of [...CASES, ...sizes.map(generated)].filter((x) => !only || x.name.includes(only))) {
    const doc = c.doc();
    if (!doc) { process.stderr.write(`${c.name}: not found, skipped\n`); continue; }
    const seconds: number[] = [];
    const cpu: number[] = [];
    let rows: FrontierRow[] = [];
    for (let i = 0; i < repeats; i++) {
      const started = process.hrtime.bigint();
      const cpuStarted = process.cpuUsage();
      rows = await evaluateFrontier(doc, ['consolidate', 'rebalance'], c.budgets, { source: c.name, timeLimit });
      const used = process.cpuUsage(cpuStarted);
      cpu.push((used.user + used.system) / 1e6);
      seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
      process.stderr.write(`${c.name}: repeat ${i + 1}: ${seconds.at(-1)!.toFixed(2)} s, ${cpu.at(-1)!.toFixed(2)} CPU s\n`);
    }
    seconds.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    out[c.name] = rows;
    const vms = doc.vms.length;
    console.log(`\n**${c.name}** (${doc.hosts.length} hosts, ${vms} VMs; budgets in ${c.budgets.unit}): whole frontier (both strategies, every budget and none) ${seconds[0]!.toFixed(2)} s min, ${seconds[Math.floor(seconds.length / 2)]!.toFixed(2)} s median of ${repeats} (CPU ${cpu[0]!.toFixed(2)} s min, ${cpu[Math.floor(cpu.length / 2)]!.toFixed(2)} s median)\n`);
    console.log(table(rows).join('\n'));
  }
  const file = arg('--out');
  if (file) writeFileSync(file, JSON.stringify(out, null, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await run();
