/**
 * The dependency graph of a plan built and checked alone, as attachSchedule does first:
 *
 *   node dist/bench/graph-check.js INSTANCE_FILE PLAN_FILE [REPEATS]
 *
 * (PLAN_FILE: a plan of that instance, e.g. written by `scale-run.js --out`.) Prints one JSON
 * line: the CPU seconds of buildDependencies (refined room) and of verifyDependencyGraph,
 * each the least of REPEATS runs (default 3), the graph's size (migrations, reduced edges),
 * the check's verdict, and a digest of the graph and the check's findings, so that two
 * builds can be compared.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadInstance } from '../src/api.js';
import { readDocument } from '../src/io/read.js';
import type { Wave } from '../src/model/plan.js';
import { buildDependencies } from '../src/schedule/dependencies.js';
import { flattenWaves, verifyDependencyGraph } from '../src/schedule/verify.js';

const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

function timed<T>(f: () => T): { value: T; seconds: number } {
  const start = cpu();
  const value = f();
  return { value, seconds: cpu() - start };
}

async function main(): Promise<void> {
  const [instanceFile, planFile, repeatsArg] = process.argv.slice(2);
  if (!instanceFile || !planFile) {
    console.error('usage: node dist/bench/graph-check.js INSTANCE_FILE PLAN_FILE [REPEATS]');
    process.exit(2);
  }
  const repeats = Math.max(1, Number(repeatsArg ?? 3) || 1);
  const loaded = await loadInstance(await readDocument(instanceFile));
  const doc = JSON.parse(readFileSync(planFile, 'utf8')) as { waves?: unknown };
  if (!Array.isArray(doc?.waves)) {
    console.error(`${planFile}: $.waves is ${JSON.stringify(doc?.waves) ?? 'missing'}, not a list of waves`);
    process.exit(2);
  }
  const waves = doc.waves as Wave[];
  const { plan, violations } = flattenWaves(loaded.problem, waves);
  if (!plan) {
    console.error(`${planFile}: ${violations[0]?.message ?? 'not a plan of this instance'}`);
    process.exit(2);
  }
  let build = Infinity;
  let check = Infinity;
  let edges = 0;
  let valid = false;
  const digest = createHash('sha256');
  for (let r = 0; r < repeats; r++) {
    const deps = timed(() => buildDependencies(loaded.model, plan, { refine: loaded.problem }));
    const verdict = timed(() => verifyDependencyGraph(loaded.problem, plan, deps.value));
    build = Math.min(build, deps.seconds);
    check = Math.min(check, verdict.seconds);
    if (r === 0) {
      edges = deps.value.reduce((sum, list) => sum + list.length, 0);
      valid = verdict.value.valid;
      digest.update(JSON.stringify(deps.value));
      digest.update(JSON.stringify({ ...verdict.value, ruleHosts: [...verdict.value.ruleHosts] }));
    }
  }
  console.log(JSON.stringify({ migrations: plan.n, edges, build, check, valid, digest: digest.digest('hex').slice(0, 16) }));
}

await main();
