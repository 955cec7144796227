/**
 * A fuzz campaign: the jobs of the selected families, run on the pool, summarised per
 * family and in total, with failing instances optionally written out as instance files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateInstance, type GeneratorOptions } from './generate.js';
import type { InstanceResult } from './evaluate.js';
import type { Family } from './instance.js';
import type { OracleLimits } from './oracle.js';
import { runJobs } from './pool.js';
import type { Job } from './protocol.js';
import { isFailure, isNotable, summarise, type Row } from './summary.js';

export interface CampaignOptions {
  families: readonly Family[];
  seed: number;
  /** Instances per family (indices 0 ... n-1), unless `indices` is given. */
  n: number;
  indices?: number[];
  workers?: number;
  memoryMb?: number;
  /** Overrides every family's engine time limit (seconds). */
  timeLimit?: number;
  /** Plans with this engine plugin instead of the instance's (e.g. exact). */
  engine?: string;
  generator?: GeneratorOptions;
  oracle?: OracleLimits;
  onResult?: (result: InstanceResult, done: number, total: number) => void;
}

export interface CampaignReport {
  seed: number;
  rows: Row[];
  results: InstanceResult[];
  failures: InstanceResult[];
  wallSeconds: number;
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const indices = options.indices ?? Array.from({ length: options.n }, (_, i) => i);
  const jobs: Job[] = options.families.flatMap((family) => indices.map((index) => ({ family, seed: options.seed, index })));
  const oracle = { maxStates: options.oracle?.maxStates ?? 100_000, maxChecks: options.oracle?.maxChecks ?? 4_000_000 };
  const results: InstanceResult[] = [];
  const started = performance.now();
  await runJobs(jobs, {
    workers: options.workers ?? 2,
    memoryMb: options.memoryMb ?? 1024,
    prepareLimit: 300,
    request: (job, id) => ({ ...job, id, generator: options.generator ?? {}, oracle, ...(options.timeLimit === undefined ? {} : { timeLimit: options.timeLimit }), ...(options.engine ? { engine: options.engine } : {}) }),
    onResult: (result) => {
      results.push(result);
      options.onResult?.(result, results.length, jobs.length);
    },
  });
  const order = (r: InstanceResult) => options.families.indexOf(r.family) * 1e9 + r.index;
  results.sort((a, b) => order(a) - order(b));
  const rows = options.families.map((f) => summarise(f, results.filter((r) => r.family === f)));
  if (options.families.length > 1) rows.push(summarise('total', results));
  return { seed: options.seed, rows, results, failures: results.filter(isFailure), wallSeconds: (performance.now() - started) / 1000 };
}

/** The command that reruns one instance. */
export function reproduce(r: Pick<InstanceResult, 'family' | 'seed' | 'index'>): string {
  return `npm run fuzz -- --seed ${r.seed} --family ${r.family} --index ${r.index}`;
}

/**
 * Writes each notable instance (failure or timeout) as an instance file that `shunt plan`
 * reads as it is: the verdict is under the ignored key `x-fuzz`. Returns the paths.
 */
export async function dumpNotable(results: InstanceResult[], dir: string, generator: GeneratorOptions = {}): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (const r of results.filter(isNotable)) {
    const instance = await generateInstance(r.family, r.seed, r.index, generator);
    const path = join(dir, `${r.family}-s${r.seed}-i${r.index}.json`);
    writeFileSync(path, `${JSON.stringify({ ...instance.doc, 'x-fuzz': { ...r, known: instance.known, reproduce: reproduce(r) } }, null, 2)}\n`);
    paths.push(path);
  }
  return paths;
}
