import type { Engine, EngineRunOptions, PluginModule, PluginServices, Problem } from '../../src/sdk.js';
import type { Plan } from '../../src/sdk.js';
import { solveExact, exactUnsupported, type ExactOptions } from '../../src/sdk.js';
import { planProof, describeProof, provenBounds } from '../../src/sdk.js';
import { solveHeuristic } from '../../src/sdk.js';
import { InputError } from '../../src/sdk.js';
import { exactOptions, heuristicDefaults } from './exact-defaults.js';

/** Faster backends prove larger models in the same time. */
const SOLVER_SPEED: Record<string, number> = { glpk: 1, highs: 3, jslp: 0.05 };

/** The heuristic's plan, with its proof against the bounds (numeric bound and gap per level). */
function heuristicPlan(problem: Problem, run: EngineRunOptions, why: string, services: PluginServices): Plan {
  const plan = solveHeuristic(problem, heuristicDefaults(services), run);
  const proof = planProof(plan, provenBounds(problem));
  return {
    ...plan, engine: 'auto',
    stats: { ...plan.stats, ...(proof ? { exact: { proof } } : {}) },
    notes: [...(plan.notes ?? []), `auto: used the heuristic engine because ${why}`, ...(proof ? [`auto: ${describeProof(proof)}`] : [])],
  };
}

const auto: PluginModule<Engine> = {
  create(options, context) {
    const { maxVms, predictIntegers, ...rest } = options as Partial<ExactOptions> & { maxVms: number; predictIntegers: number };
    const o = exactOptions(rest, context.services);
    // auto runs a solver only where it predicts a proof within the time limit.
    const predicted = { ...o, predictIntegers: predictIntegers * (SOLVER_SPEED[o.solver] ?? 1) };
    return {
      name: 'auto',
      async solve(problem, run): Promise<Plan> {
        const why = exactUnsupported(problem)
          ?? (problem.model.vms.length > maxVms ? `${problem.model.vms.length} VMs exceed the exact engine's limit of ${maxVms} (option maxVms)` : undefined);
        if (why) return heuristicPlan(problem, run, why, context.services);
        try {
          const plan = await solveExact(problem, predicted, run);
          const solved = ((plan.stats as { exact?: { attempts?: unknown[] } }).exact?.attempts?.length ?? 0) > 0;
          return { ...plan, engine: 'auto', notes: [...(plan.notes ?? []), solved ? 'auto: used the exact engine' : 'auto: used the exact engine\'s bounds and parts on the heuristic\'s plan (no solver run)'] };
        } catch (e) {
          if (e instanceof InputError) throw e; // bad input or a plugin's broken contract: not the engine's failure
          return heuristicPlan(problem, run, `the exact engine failed (${(e as Error).message})`, context.services);
        }
      },
    };
  },
};
export default auto;
