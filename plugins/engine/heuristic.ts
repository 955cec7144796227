import type { Engine, PluginModule } from '../../src/sdk.js';
import { solveHeuristic, type HeuristicOptions } from '../../src/sdk.js';

const heuristic: PluginModule<Engine> = {
  create(options) {
    const o = options as unknown as HeuristicOptions;
    return {
      name: 'heuristic',
      solve: async (problem, run) => solveHeuristic(problem, o, run),
    };
  },
};
export default heuristic;
