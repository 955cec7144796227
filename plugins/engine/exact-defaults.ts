/** Options of the engines that embed others, read from their manifests' defaults (through the kernel). */
import type { ExactOptions, HeuristicOptions, PluginServices } from '../../src/sdk.js';

export const heuristicDefaults = (services: PluginServices): HeuristicOptions => services.defaults('engine', 'heuristic') as unknown as HeuristicOptions;

export function exactOptions(options: Partial<ExactOptions>, services: PluginServices): ExactOptions {
  const defaults = services.defaults('engine', 'exact') as unknown as ExactOptions;
  const merged = { ...defaults, ...options };
  // Faster solvers can afford the larger models that prove optimality outright.
  const affordable: Record<string, number> = { glpk: 20_000, highs: 80_000, jslp: 500 };
  return {
    ...merged,
    completeModelVariables: options.completeModelVariables ?? affordable[merged.solver] ?? 20_000,
    heuristic: { ...heuristicDefaults(services), ...(options.heuristic ?? {}) },
  };
}
