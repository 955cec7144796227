/**
 * The replay verifier alone, on the plan the instance's engine writes (as `shunt plan` runs it):
 *
 *   node --expose-gc dist/bench/replay-verify.js INSTANCE_FILE [REPEATS]
 *
 * Prints one JSON line: the CPU seconds of verifyPlan(problem, plan.waves), its first call and
 * the least and median of REPEATS more (default 3; a full GC before each when --expose-gc), the
 * plan's size, the verdict and a digest of the whole result (verdict, violations, cost, moves),
 * so that two builds can be compared.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { loadInstance } from '../src/api.js';
import { readInstance } from '../src/io/read.js';
import { verifyPlan, type VerifyResult } from '../src/verify/replay.js';
import type { Problem } from '../src/plugin-api.js';
import type { Wave } from '../src/model/plan.js';

const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

function timed(problem: Problem, waves: readonly Wave[]): { result: VerifyResult; seconds: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const start = cpu();
  const result = verifyPlan(problem, waves);
  return { result, seconds: cpu() - start };
}

async function main(): Promise<void> {
  const [file, repeatsArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node --expose-gc dist/bench/replay-verify.js INSTANCE_FILE [REPEATS]');
    process.exit(2);
  }
  const repeats = Math.max(1, Number(repeatsArg ?? 3) || 1);
  const loaded = await loadInstance(await readInstance(file));
  const plan = await loaded.engine.solve(loaded.problem, { timeLimit: 600 });
  const first = timed(loaded.problem, plan.waves);
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) times.push(timed(loaded.problem, plan.waves).seconds);
  times.sort((a, b) => a - b);
  const { result } = first;
  console.log(JSON.stringify({
    instance: file, waves: plan.waves.length, moves: result.moves,
    first: round(first.seconds), min: round(times[0]!), median: round(times[times.length >> 1]!),
    valid: result.valid, violations: result.violations.length, cost: result.cost,
    digest: createHash('sha256').update(JSON.stringify(result)).digest('hex').slice(0, 16),
  }));
}

const round = (x: number) => Math.round(x * 1000) / 1000;

await main();
