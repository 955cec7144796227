import { Command, Option } from 'commander';
import { common, EXIT, emitJson, fail, failInput, loadOptions, positiveSeconds, say, setExitCode, tryWriteJson, type CommonOptions } from '../shared.js';
import { readDocument, readInstance } from '../../io/read.js';
import { InputError } from '../../io/errors.js';
import { loadInstance, solveLoaded, type Loaded } from '../../api.js';
import type { Plan } from '../../model/plan.js';
import type { AllowedAction, Objective, PolicyDoc } from '../../model/instance.js';
import { planSummary } from '../format.js';
import { progressReporter } from '../progress.js';
import { retarget, strategyRef } from '../../placement/retarget.js';
import { backendNames } from '../../exact/solvers/registry.js';
import { builtinNames } from '../shared.js';
import { DEFAULTS } from '../../kernel/kernel.js';
import { NoTargetError } from '../../placement/strategy.js';
import { descriptionOf } from './index.js';

function fraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InputError('--gap', [{ path: '', message: `must be a fraction between 0 and 1 (got ${JSON.stringify(value)})` }]);
  return n;
}

/** --allow cold,shelve: the disruptive actions the planner may use (exit 2 naming any other word). */
function allowed(value: string): AllowedAction[] {
  const words = value.split(',').map((w) => w.trim()).filter(Boolean);
  const bad = words.find((w) => w !== 'cold' && w !== 'shelve');
  if (bad !== undefined || !words.length) throw new InputError('--allow', [{ path: '', message: `must list cold and/or shelve, comma-separated (got ${JSON.stringify(bad ?? value)})` }]);
  return [...new Set(words as AllowedAction[])];
}

const EXIT_CODES = `
Exit codes: 0 plan found; 1 internal error; 2 invalid input; 3 proven infeasible (when a plan
that stops some VMs exists, the explanation says how many and which --allow permits it);
4 nothing found within limits.`;

interface PlanCliOptions extends CommonOptions {
  allow?: AllowedAction[];
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
  if (o.strategy === undefined) return loadInstance(await readInstance(file), options);
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
    .description(descriptionOf('plan'))
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
    .option('--allow <actions>', 'where no live plan exists, permit disruptive actions on the VMs whose sla allows them: cold, shelve (comma-separated; overrides the policy\'s allow)', allowed)
    .addHelpText('after', EXIT_CODES)
    .action(async (file: string, o: PlanCliOptions) => {
      if (o.with !== undefined && o.strategy === undefined) throw new InputError('--with', [{ path: '', message: 'needs --strategy NAME' }]);
      const loaded = await loadForPlan(file, o);
      if (!loaded) return;
      const progress = progressReporter();
      let plan;
      try {
        plan = await solveLoaded(loaded, { timeLimit: o.timeLimit, onProgress: progress, ...(o.allow ? { allow: o.allow } : {}) });
      } finally {
        progress.end();
      }
      report(plan, loaded.problem.cost.unit, o);
      // The report's modules are loaded only when one is asked for.
      if (o.report && !(await import('./report.js')).writeReport(loaded, plan, file, o.report)) setExitCode(EXIT.invalidPlan);
    });

}
