/**
 * The exact engine's benchmark: on seeded near-capacity clouds with a swap that
 * needs a detour, the time to prove optimality with each solver, and the
 * heuristic's cost against the proven optimum.
 *
 *   node dist/bench/exact.js [--sizes 12x40,20x80,40x200] [--seeds 1,2,3] [--solvers glpk,highs] [--time-limit S]
 */
import 'reflect-metadata';
import { planMigrations } from '../src/api.js';
import { exactCloud } from './exact-cloud.js';
import type { Plan } from '../src/model/plan.js';

const arg = (flag: string, fallback: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const sizes = arg('--sizes', '12x40,20x80,40x200').split(',').map((s) => s.split('x').map(Number) as [number, number]);
const seeds = arg('--seeds', '1,2,3').split(',').map(Number);
const solvers = arg('--solvers', 'glpk,highs').split(',');
const timeLimit = Number(arg('--time-limit', '60'));

interface Row { instance: string; engine: string; status: string; cost: number | null; lowerBound: number | null; waves: number; seconds: number; note: string }
const rows: Row[] = [];
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]!; };

for (const [hosts, vms] of sizes) {
  for (const seed of seeds) {
    const doc = exactCloud({ hosts, vms, seed });
    const instance = `${hosts}x${vms}-s${seed}`;
    const run = async (engine: string, policy: object) => {
      const started = Date.now();
      const { plan } = await planMigrations(doc, { policy, timeLimit });
      const seconds = (Date.now() - started) / 1000;
      const exact = plan.stats['exact'] as { attempts?: Array<{ integers: number; horizon: number; outcome: string }> } | undefined;
      const a = exact?.attempts?.[0];
      rows.push({ instance, engine, status: plan.status, cost: plan.cost, lowerBound: plan.lowerBound, waves: plan.waves.length, seconds, note: a ? `${a.integers} int vars, T=${a.horizon}: ${a.outcome}` : (plan.notes ?? []).join('; ') });
      process.stderr.write(`${instance} ${engine}: ${plan.status} ${plan.cost} in ${seconds.toFixed(2)} s\n`);
      return plan as Plan;
    };
    // The inner heuristic runs greedy only, so that the proof comes from the integer program.
    await run('heuristic (greedy)', { engine: { name: 'heuristic', options: { searchMaxVms: 0 } } });
    for (const solver of solvers) await run(`exact/${solver}`, { engine: { name: 'exact', options: { solver, heuristic: { searchMaxVms: 0 } } } });
  }
}

const out: string[] = [];
out.push('| instance | engine | status | cost | lower bound | waves | seconds | model / outcome |');
out.push('|---|---|---|--:|--:|--:|--:|---|');
for (const r of rows) out.push(`| ${r.instance} | ${r.engine} | ${r.status} | ${r.cost ?? '-'} | ${r.lowerBound ?? '-'} | ${r.waves} | ${r.seconds.toFixed(2)} | ${r.note} |`);
out.push('');
out.push('| size | engine | proven optimal | median seconds | heuristic cost / optimum (per seed) |');
out.push('|---|---|--:|--:|---|');
for (const [hosts, vms] of sizes) {
  const key = `${hosts}x${vms}`;
  for (const engine of [...new Set(rows.map((r) => r.engine))]) {
    const mine = rows.filter((r) => r.instance.startsWith(key + '-') && r.engine === engine);
    const ratios = seeds.map((s) => {
      const inst = `${key}-s${s}`;
      const opt = rows.find((r) => r.instance === inst && r.status === 'optimal');
      const heur = rows.find((r) => r.instance === inst && r.engine.startsWith('heuristic'));
      return opt && heur && opt.cost ? (heur.cost! / opt.cost).toFixed(3) : '?';
    });
    out.push(`| ${key} | ${engine} | ${mine.filter((r) => r.status === 'optimal').length}/${mine.length} | ${median(mine.map((r) => r.seconds)).toFixed(2)} | ${engine.startsWith('heuristic') ? ratios.join(', ') : ''} |`);
  }
}
process.stdout.write(out.join('\n') + '\n');
