/**
 * Where the time goes: the steps of planMigrations timed one by one on a
 * generated cloud, without touching the library. Each step is run `--repeat`
 * times (the first run includes JIT warm-up) and the fastest and slowest are shown.
 *
 *   node dist/bench/phases.js [--hosts N] [--seed S] [--fill F] [--retarget R] [--repeat K]
 *
 * Steps: generate (not part of planning); load = schema validation, name checks,
 * model compilation, plugin set-up and the placement/target rule checks
 * (loadInstance); greedy = the greedy wave builder alone; engine = the whole
 * engine (greedy, bounds, and search on small instances); verify = the replay
 * verifier.
 */
import { loadInstance } from '../src/api.js';
import { greedyWaves } from '../src/engines/heuristic/greedy.js';
import { verifyPlan } from '../src/verify/replay.js';
import { generateCloud, requiredMoves } from './generate.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const x = Number(process.argv[i + 1]);
  if (!Number.isFinite(x)) throw new Error(`--${name} needs a number`);
  return x;
}

async function main() {
  const hosts = option('hosts', 2000);
  const seed = option('seed', 1);
  const fill = option('fill', 0.85);
  const retarget = option('retarget', 0.4);
  const repeat = Math.max(1, option('repeat', 3));
  const times = new Map<string, number[]>();
  const time = async <T>(step: string, f: () => T | Promise<T>): Promise<T> => {
    const t = performance.now();
    const out = await f();
    const list = times.get(step) ?? [];
    list.push((performance.now() - t) / 1000);
    times.set(step, list);
    return out;
  };

  let summary = '';
  for (let k = 0; k < repeat; k++) {
    const doc = await time('generate', () => generateCloud({ hosts, seed, fill, retarget }));
    const loaded = await time('load', () => loadInstance(doc));
    const greedy = await time('greedy', () => greedyWaves(loaded.problem, { deadline: Date.now() + 120_000 }));
    const plan = await time('engine', () => loaded.engine.solve(loaded.problem, { timeLimit: 120 }));
    const check = await time('verify', () => verifyPlan(loaded.problem, plan.waves));
    summary = `${hosts} hosts, seed ${seed}: ${doc.vms.length} VMs, ${requiredMoves(doc)} required moves; `
      + `greedy ${greedy.complete ? 'complete' : `stopped (${greedy.stopped})`} in ${greedy.waves.length} waves, `
      + `engine ${plan.status}, verify ${check.valid ? 'valid' : `INVALID (${check.violations.length} violations)`}`;
  }
  process.stdout.write(`${summary}\n\n| step | fastest (s) | slowest (s) |\n|---|---:|---:|\n`);
  for (const [step, list] of times) {
    process.stdout.write(`| ${step} | ${Math.min(...list).toFixed(3)} | ${Math.max(...list).toFixed(3)} |\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`phases: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
