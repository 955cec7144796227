import type { Engine, PluginModule } from '../../src/sdk.js';
import type { Plan } from '../../src/sdk.js';
import { solveExact, exactUnsupported, type ExactOptions } from '../../src/sdk.js';
import { solveHeuristic } from '../../src/sdk.js';
import { InputError } from '../../src/sdk.js';
import { exactOptions, heuristicDefaults } from './exact-defaults.js';

const auto: PluginModule<Engine> = {
  create(options, context) {
    const { maxVms, ...rest } = options as Partial<ExactOptions> & { maxVms: number };
    const o = exactOptions(rest, context.services);
    return {
      name: 'auto',
      async solve(problem, run): Promise<Plan> {
        const why = exactUnsupported(problem)
          ?? (problem.model.vms.length > maxVms ? `${problem.model.vms.length} VMs exceed the exact engine's limit of ${maxVms} (option maxVms)` : undefined);
        if (why) {
          const plan = solveHeuristic(problem, heuristicDefaults(context.services), run);
          return { ...plan, engine: 'auto', notes: [...(plan.notes ?? []), `auto: used the heuristic engine because ${why}`] };
        }
        try {
          const plan = await solveExact(problem, o, run);
          return { ...plan, engine: 'auto', notes: [...(plan.notes ?? []), 'auto: used the exact engine'] };
        } catch (e) {
          if (e instanceof InputError) throw e; // bad input or a plugin's broken contract: not the engine's failure
          const plan = solveHeuristic(problem, heuristicDefaults(context.services), run);
          return { ...plan, engine: 'auto', notes: [...(plan.notes ?? []), `auto: the exact engine failed (${(e as Error).message}); used the heuristic engine`] };
        }
      },
    };
  },
};
export default auto;
