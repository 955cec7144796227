import { Command, Option } from 'commander';
import { common, EXIT, emit, loadOptions, positiveSeconds, type CommonOptions } from '../shared.js';
import { readDocument } from '../../io/read.js';
import { writeJson, writeJsonFile } from '../../io/json-stream.js';
import { InputError } from '../../io/errors.js';
import { planSummary } from '../format.js';
import { progressReporter } from '../progress.js';
import { backendNames } from '../../exact/solvers/names.js';

function fraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InputError('--gap', [{ path: '', message: `must be a fraction between 0 and 1 (got ${JSON.stringify(value)})` }]);
  return n;
}

export function register(program: Command): void {
  common(program.command('plan')
    .description('compute a verified migration plan from placement to target')
    .argument('<instance>', 'instance JSON file, or - for stdin'))
    .addOption(new Option('--engine <name>', 'engine plugin: heuristic (default), exact, auto'))
    .addOption(new Option('--solver <name>', 'MIP backend of the exact and auto engines').choices([...backendNames]))
    .option('--gap <fraction>', 'relative MIP gap at which the exact engine may stop (e.g. 0.01)', fraction)
    .addOption(new Option('--objective <what>', 'cost (RAM moved, default) or makespan (estimated wave-by-wave duration)').choices(['cost', 'makespan']))
    .option('--time-limit <seconds>', 'stop searching after this many seconds', positiveSeconds)
    .option('--out <file>', 'write the plan JSON to FILE (atomically; only when a plan is found)')
    .option('--strategy <name>', 'first choose the target with this placement strategy (as shunt target does), then plan the path to it')
    .option('--with <json>', 'the strategy\'s options as a JSON object')
    .action(async (file: string, o: CommonOptions & { engine?: string; timeLimit?: number; solver?: string; gap?: number; strategy?: string; with?: string; objective?: 'cost' | 'makespan' }) => {
      const { NoTargetError } = await import('../../target/strategy.js');
      const { loadInstance, solveLoaded } = await import('../../api.js');
      const { retarget, strategyRef } = await import('../../target/retarget.js');
      if (o.with !== undefined && o.strategy === undefined) throw new InputError('--with', [{ path: '', message: 'needs --strategy NAME' }]);
      const options = loadOptions(o, file, o.engine);
      if (o.solver !== undefined || o.gap !== undefined || o.objective !== undefined) {
        // Engine options from flags; --solver and --gap imply the exact engine unless one is named.
        const ref = options.policy?.engine ?? (o.solver !== undefined || o.gap !== undefined ? 'exact' : 'heuristic');
        const name = typeof ref === 'string' ? ref : ref.name;
        const given = typeof ref === 'string' ? {} : (ref.options ?? {});
        options.policy = { ...(options.policy ?? {}), engine: { name, options: { ...given, ...(o.solver ? { solver: o.solver } : {}), ...(o.gap !== undefined ? { gap: o.gap } : {}), ...(o.objective ? { objective: o.objective } : {}) } } };
      }
      let loaded;
      if (o.strategy === undefined) loaded = await loadInstance(await readDocument(file), options);
      else {
        try {
          ({ loaded } = await retarget(await readDocument(file), options, strategyRef(o.strategy, o.with), { timeLimit: o.timeLimit }));
        } catch (e) {
          if (!(e instanceof NoTargetError)) throw e;
          process.stderr.write(`shunt: no target: ${e.message}\n`);
          process.exitCode = EXIT.unknown;
          return;
        }
      }
      const progress = progressReporter();
      let plan;
      try {
        plan = await solveLoaded(loaded, { timeLimit: o.timeLimit, onProgress: progress });
      } finally {
        progress.end();
      }
      const found = plan.status === 'optimal' || plan.status === 'feasible';
      // Streamed: a plan of millions of migrations is larger than the largest string.
      if (o.out && found) await writeJsonFile(o.out, plan);
      if (o.json) await writeJson(process.stdout, plan);
      else emit(planSummary(plan, loaded.problem.cost.unit));
      process.exitCode = found ? EXIT.ok : plan.status === 'infeasible' ? EXIT.infeasible : EXIT.unknown;
    });

}
