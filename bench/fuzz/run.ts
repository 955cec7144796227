/**
 * The fuzz campaign behind `npm run fuzz`:
 *
 *   node dist/bench/fuzz/run.js [--n N] [--seed S] [--family tiny|padded|reachable|adversarial|overloaded|sla|all]
 *                               [--index I] [--workers W] [--memory MB] [--time-limit S]
 *                               [--dump DIR] [--json]
 *
 * Generates N instances of each selected family from seed S (instance I alone with
 * --index), establishes feasibility and the optimum by construction and by the fuzzer's
 * own exhaustive oracle, plans each through planMigrations in a worker thread, and prints
 * one table per family and in total (or JSON with --json). Exits with 1 when any plan is
 * invalid, any run crashed, or the engine said "infeasible", "unknown" or "optimal"
 * wrongly (or the fuzzer disagrees with itself); timeouts are reported, not failed.
 */
import { Command, InvalidArgumentError } from 'commander';
import { FAMILIES, type Family } from './instance.js';
import { dumpNotable, reproduce, runCampaign } from './campaign.js';
import { formatTable } from './summary.js';

const integer = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer of at least ${min}, got "${value}"`);
  return n;
};
const positive = (value: string) => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`expected a positive number of seconds, got "${value}"`);
  return n;
};
const family = (value: string) => {
  if (value !== 'all' && !(FAMILIES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${[...FAMILIES, 'all'].join(', ')}, got "${value}"`);
  }
  return value;
};

const program = new Command('fuzz')
  .description('fuzz the planner against its own exhaustive oracle and constructions with known answers')
  .option('--n <N>', 'instances per family', integer(1), 200)
  .option('--seed <S>', 'campaign seed (printed; reruns are identical)', integer(0), 1)
  .option('--family <F>', `${FAMILIES.join('|')}|all`, family, 'all')
  .option('--index <I>', 'run only instance I of the family (with --seed, reproduces one instance)', integer(0))
  .option('--workers <W>', 'worker threads', integer(1), 2)
  .option('--memory <MB>', 'heap limit per worker (MiB)', integer(64), 1024)
  .option('--time-limit <S>', "engine time limit per instance (default: the family's)", positive)
  .option('--engine <NAME>', 'plan with this engine plugin (heuristic, exact, auto) instead of the instance\'s')
  .option('--dump <DIR>', 'write failing and timed-out instances as instance JSON files')
  .option('--json', 'print the report as JSON')
  .showHelpAfterError()
  // Bad options are bad input: exit code 2, as in the shunt CLI.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

async function main(): Promise<number> {
  const o = program.parse().opts<{ n: number; seed: number; family: string; index?: number; workers: number; memory: number; timeLimit?: number; engine?: string; dump?: string; json?: boolean }>();
  const families: Family[] = o.family === 'all' ? [...FAMILIES] : [o.family as Family];
  if (o.index !== undefined && families.length > 1) program.error(`--index ${o.index} needs one --family, got "${o.family}"`, { exitCode: 2 });
  const total = families.length * (o.index === undefined ? o.n : 1);
  process.stderr.write(`fuzz: seed ${o.seed}, ${families.join(', ')}, ${total} instances, ${o.workers} workers\n`);
  const report = await runCampaign({
    families, seed: o.seed, n: o.n, workers: o.workers, memoryMb: o.memory,
    ...(o.index === undefined ? {} : { indices: [o.index] }),
    ...(o.timeLimit === undefined ? {} : { timeLimit: o.timeLimit }),
    ...(o.engine ? { engine: o.engine } : {}),
    onResult: (r, done) => {
      if (process.stderr.isTTY) process.stderr.write(`\r${done}/${total} ${r.family}#${r.index} ${r.outcome}      `);
      else if (done % 500 === 0 || done === total) process.stderr.write(`${done}/${total}\n`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  const dumped = o.dump ? await dumpNotable(report.results, o.dump) : [];
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ seed: report.seed, wallSeconds: report.wallSeconds, rows: report.rows, failures: report.failures, dumped }, null, 2)}\n`);
  } else {
    process.stdout.write(`seed ${report.seed}, ${report.results.length} instances, ${report.wallSeconds.toFixed(1)} s\n\n${formatTable(report.rows)}\n`);
    for (const r of report.failures.slice(0, 50)) {
      process.stdout.write(`\nFAIL ${r.family}#${r.index} (${r.shape}): ${r.outcome}${r.falseInfeasible ? ', false infeasible' : ''}${r.falseUnknown ? ', false unknown' : ''}${r.falseOptimal ? ', false optimal' : ''}${r.message ? `: ${r.message}` : ''}${r.truth.disagreements.length ? `; fuzzer: ${r.truth.disagreements.join('; ')}` : ''}\n  ${reproduce(r)}\n`);
    }
    if (report.failures.length > 50) process.stdout.write(`\n... and ${report.failures.length - 50} more failures (--json lists all)\n`);
    if (dumped.length) process.stdout.write(`\nwrote ${dumped.length} instance files to ${o.dump}\n`);
  }
  return report.failures.length > 0 ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (error: unknown) => {
  process.stderr.write(`fuzz: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 2;
});
