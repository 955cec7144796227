import { Command, Option } from 'commander';
import { common, EXIT, emitJson, fail, failInput, loadOptions, positiveSeconds, say, setExitCode, tryWriteJson, type CommonOptions } from '../shared.js';
import { readDocument } from '../../io/read.js';
import { InputError } from '../../io/errors.js';
import { loadInstance, solveLoaded, type Loaded } from '../../api.js';
import type { Plan } from '../../model/plan.js';
import type { Objective, PolicyDoc } from '../../model/instance.js';
import { planSummary } from '../format.js';
import { progressReporter } from '../progress.js';
import { retarget, strategyRef } from '../../placement/retarget.js';
import { backendNames } from '../../exact/solvers/registry.js';
import { builtinNames } from '../shared.js';
import { DEFAULTS } from '../../kernel/kernel.js';
import { NoTargetError } from '../../placement/strategy.js';
import { writeReport } from './report.js';

function fraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InputError('--gap', [{ path: '', message: `must be a fraction between 0 and 1 (got ${JSON.stringify(value)})` }]);
  return n;
}

interface PlanCliOptions extends CommonOptions {
  engine?: string; timeLimit?: number; solver?: string; gap?: number; strategy?: string; with?: string; objective?: Objective; report?: string;
}

/** The policy's engine with the options given as flags; --solver and --gap imply the exact engine unless one is named. */
function withEngineFlags(policy: PolicyDoc | undefined, o: PlanCliOptions): PolicyDoc | undefined {
  if (o.solver === undefined && o.gap === undefined && o.objective === undefined) return policy;
  const ref = policy?.engine ?? (o.solver !== undefined || o.gap !== undefined ? 'exact' : 'heuristic');
  const name = typeof ref === 'string' ? ref : ref.name;
  const given = typeof ref === 'string' ? {} : (ref.options ?? {});
  // The engines' own objective: waves (cost, then fewest waves) is their cost mode.
  const engineObjective = o.objective === 'waves' ? 'cost' : o.objective;
  const flags = { ...(o.solver ? { solver: o.solver } : {}), ...(o.gap !== undefined ? { gap: o.gap } : {}), ...(engineObjective ? { objective: engineObjective } : {}) };
  return { ...(policy ?? {}), engine: { name, options: { ...given, ...flags } }, ...(o.objective ? { objective: o.objective } : {}) };
}

/** The instance loaded, with its target from --strategy when given; undefined (exit 4 said) when the strategy finds none. */
async function loadForPlan(file: string, o: PlanCliOptions): Promise<Loaded | undefined> {
  const options = loadOptions(o, file, o.engine);
  options.policy = withEngineFlags(options.policy, o);
  if (o.strategy === undefined) return loadInstance(await readDocument(file), options);
  try {
    return (await retarget(await readDocument(file), options, strategyRef(o.strategy, o.with), { timeLimit: o.timeLimit })).loaded;
  } catch (e) {
    if (!(e instanceof NoTargetError)) throw e;
    fail(EXIT.unknown, 'target', [{ path: '', message: `no target: ${e.message}` }]);
    return undefined;
  }
}

/** Summary or JSON on stdout, --out written (only a verified plan; a failed write still shows it), exit code. */
function report(plan: Plan, unit: string, o: PlanCliOptions): void {
  const found = plan.status === 'optimal' || plan.status === 'feasible';
  const toStdout = o.out === '-';
  const unwritten = o.out && !toStdout && found ? tryWriteJson(o.out, plan) : undefined;
  if (unwritten && o.json) return failInput(unwritten, { plan });
  if (o.json || (toStdout && found)) emitJson(plan);
  else say(planSummary(plan, unit));
  if (unwritten) return failInput(unwritten);
  setExitCode(found ? EXIT.ok : plan.status === 'infeasible' ? EXIT.infeasible : EXIT.unknown);
}

export function register(program: Command): void {
  common(program.command('plan')
    .description('compute a verified migration plan from placement to target')
    .argument('<instance>', 'instance JSON file, or - for stdin'))
    .addOption(new Option('--engine <name>', `engine plugin: ${builtinNames('engine', DEFAULTS.engine)}`))
    .addOption(new Option('--solver <name>', 'MIP backend of the exact and auto engines').choices([...backendNames]))
    .option('--gap <fraction>', 'relative MIP gap at which the exact engine may stop (e.g. 0.01)', fraction)
    .addOption(new Option('--objective <what>', 'cost: cost, then estimated makespan (default); makespan: makespan first, then cost; waves: cost, then fewest waves (no network-aware schedule)').choices(['cost', 'makespan', 'waves']))
    .option('--time-limit <seconds>', 'stop searching after this many seconds', positiveSeconds)
    .option('--out <file>', 'write the plan JSON to FILE (atomically, through symlinks; only when a plan is found); - is stdout')
    .option('--strategy <name>', 'first choose the target with this placement strategy (as shunt target does), then plan the path to it')
    .option('--with <json>', 'the strategy\'s options as a JSON object')
    .option('--report <file>', 'also write the HTML report of the plan (as shunt report does) to FILE')
    .action(async (file: string, o: PlanCliOptions) => {
      if (o.with !== undefined && o.strategy === undefined) throw new InputError('--with', [{ path: '', message: 'needs --strategy NAME' }]);
      const loaded = await loadForPlan(file, o);
      if (!loaded) return;
      const progress = progressReporter();
      let plan;
      try {
        plan = await solveLoaded(loaded, { timeLimit: o.timeLimit, onProgress: progress });
      } finally {
        progress.end();
      }
      report(plan, loaded.problem.cost.unit, o);
      if (o.report && !writeReport(loaded, plan, file, o.report)) setExitCode(EXIT.invalidPlan);
    });

}
