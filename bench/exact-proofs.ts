/**
 * Where the exact engine's proofs come from, and how fast: examples/cloud-20.json (exact
 * and auto), k independent swaps (bench/kswap.ts) and seeded full 6-host clouds
 * (bench/exact-full.ts). Each run is repeated; the table gives min and median seconds
 * and, per level, what proved it (bound, parts, mip, search) or the gap left.
 *
 *   node dist/bench/exact-proofs.js [--suite cloud20,kswap,full6] [--repeats 3] [--solver glpk] [--time-limit 60]
 *     [--ks 1,2,5,10,20,50] [--seeds 1,2,3] [--fill 0.9] [--retarget 0.4]
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planMigrations } from '../src/api.js';
import type { InstanceDoc } from '../src/model/instance.js';
import type { ExactProof, LevelProof } from '../src/exact/proof.js';
import { kSwaps, kSwapOptimum } from './kswap.js';
import { fullCloud } from './exact-full.js';

const arg = (flag: string, fallback: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const suites = arg('--suite', 'cloud20,kswap,full6').split(',');
const repeats = Number(arg('--repeats', '3'));
const solver = arg('--solver', 'glpk');
const timeLimit = Number(arg('--time-limit', '60'));
const ks = arg('--ks', '1,2,5,10,20,50').split(',').map(Number);
const seeds = arg('--seeds', '1,2,3').split(',').map(Number);
const fill = Number(arg('--fill', '0.9'));
const retarget = Number(arg('--retarget', '0.4'));

interface Case { name: string; doc: InstanceDoc; engine: 'exact' | 'auto'; optimum?: number }
const cases: Case[] = [];
if (suites.includes('cloud20')) {
  const doc = JSON.parse(readFileSync(join(process.cwd(), 'examples', 'cloud-20.json'), 'utf8')) as InstanceDoc;
  cases.push({ name: 'cloud-20', doc, engine: 'exact' }, { name: 'cloud-20', doc, engine: 'auto' });
}
if (suites.includes('kswap')) for (const k of ks) cases.push({ name: `kswap-${k}`, doc: kSwaps(k), engine: 'exact', optimum: kSwapOptimum(k) });
if (suites.includes('full6')) for (const seed of seeds) cases.push({ name: `full-6x100-f${fill}-r${retarget}-s${seed}`, doc: fullCloud({ hosts: 6, vms: 100, seed, fill, retarget }), engine: 'exact' });

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor((xs.length - 1) / 2)]!;
const level = (l: LevelProof) => (l.proven ? `${l.value} (${l.by})` : `${l.value} >= ${l.lowerBound} (gap ${(l.gap * 100).toFixed(1)} %)`);

const out = [
  `solver ${solver}, time limit ${timeLimit} s, ${repeats} runs each`, '',
  '| instance | engine | VMs | status | cost: value (proof) | waves: value (proof) | solver calls | first plan s (median) | proof s (median) | total s min | total s median |',
  '|---|---|--:|---|---|---|--:|--:|--:|--:|--:|',
];
for (const c of cases) {
  const runs: Array<{ total: number; first: number; proof: number | null; status: string; proofDoc?: ExactProof; calls: number }> = [];
  for (let r = 0; r < repeats; r++) {
    const policy = { ...(c.doc.policy ?? {}), engine: { name: c.engine, options: { solver } } };
    const started = Date.now();
    const { plan } = await planMigrations(c.doc, { policy, timeLimit });
    const total = (Date.now() - started) / 1000;
    const exact = plan.stats['exact'] as { proof?: ExactProof; attempts?: unknown[]; firstPlanSeconds?: number; proofSeconds?: number | null } | undefined;
    if (c.optimum !== undefined && plan.cost !== c.optimum) throw new Error(`${c.name}: cost ${plan.cost}, optimum ${c.optimum}`);
    runs.push({ total, first: exact?.firstPlanSeconds ?? total, proof: exact?.proofSeconds ?? null, status: plan.status, proofDoc: exact?.proof, calls: exact?.attempts?.length ?? 0 });
    process.stderr.write(`${c.name} ${c.engine} run ${r + 1}: ${plan.status} ${plan.cost} in ${total.toFixed(2)} s\n`);
  }
  const last = runs[runs.length - 1]!;
  const proofs = runs.map((r) => r.proof).filter((x): x is number => x !== null);
  out.push(`| ${c.name} | ${c.engine} | ${c.doc.vms.length} | ${last.status} | ${last.proofDoc ? level(last.proofDoc.cost) : '-'} | ${last.proofDoc ? level(last.proofDoc.waves) : '-'} | ${last.calls} | ${median(runs.map((r) => r.first)).toFixed(2)} | ${proofs.length ? median(proofs).toFixed(2) : '-'} | ${Math.min(...runs.map((r) => r.total)).toFixed(2)} | ${median(runs.map((r) => r.total)).toFixed(2)} |`);
}
process.stdout.write(out.join('\n') + '\n');
