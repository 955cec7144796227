/**
 * buildDependencies (refined room, as attachSchedule builds it) on the plan the default engine
 * finds for an instance, timed against another build of shunt, runs interleaved:
 *
 *   node --expose-gc dist/bench/dependencies-speed.js INSTANCE_FILE [REPEATS] [OTHER_ROOT]
 *
 * OTHER_ROOT is another checkout's root with its own dist/ (e.g. /work/main). Prints one JSON
 * line: the migrations, CPU seconds (process.cpuUsage, all threads, garbage collection
 * included) of every run of each build with their min and median, and whether both builds
 * gave the same lists.
 */
import 'reflect-metadata';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadInstance } from '../src/api.js';
import { readInstance } from '../src/io/read.js';
import { buildDependencies } from '../src/schedule/dependencies.js';
import { flattenWaves } from '../src/schedule/verify.js';

type Build = typeof buildDependencies;

const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

function summary(runs: number[]): { runs: number[]; min: number; median: number } {
  const sorted = [...runs].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { runs: runs.map(round), min: round(sorted[0]!), median: round(sorted[sorted.length >> 1]!) };
}

function sameLists(a: number[][], b: number[][]): boolean {
  return a.length === b.length && a.every((list, m) => list.length === b[m]!.length && list.every((p, i) => p === b[m]![i]));
}

async function main(): Promise<void> {
  const [instanceFile, repeatsArg, otherRoot] = process.argv.slice(2);
  if (!instanceFile) {
    console.error('usage: node --expose-gc dist/bench/dependencies-speed.js INSTANCE_FILE [REPEATS] [OTHER_ROOT]');
    process.exit(2);
  }
  const repeats = Math.max(1, Number(repeatsArg ?? 3) || 1);
  const builds: [string, Build][] = [['this', buildDependencies]];
  if (otherRoot) {
    const url = pathToFileURL(resolve(otherRoot, 'dist/src/schedule/dependencies.js')).href;
    builds.push(['other', ((await import(url)) as { buildDependencies: Build }).buildDependencies]);
  }
  const loaded = await loadInstance(await readInstance(instanceFile));
  const solved = await loaded.engine.solve(loaded.problem, { timeLimit: 600 });
  const flat = flattenWaves(loaded.problem, solved.waves).plan;
  if (!flat) {
    console.error(`${instanceFile}: the plan has no dependency graph`);
    process.exit(1);
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  const times = builds.map((): number[] => []);
  const first: number[][][] = [];
  for (let r = 0; r < repeats; r++) {
    builds.forEach(([, build], i) => {
      gc?.(); // each run starts from a collected heap: the other's garbage is not its to collect
      const start = cpu();
      const deps = build(loaded.model, flat, { refine: loaded.problem });
      times[i]!.push(cpu() - start);
      if (r === 0) first.push(deps);
    });
  }
  const report: Record<string, unknown> = { migrations: flat.n };
  builds.forEach(([name], i) => { report[name] = summary(times[i]!); });
  if (first.length === 2) report['same'] = sameLists(first[0]!, first[1]!);
  console.log(JSON.stringify(report));
}

await main();
