/** Options of the engines that embed others, read from their manifests' defaults. */
import { builtinManifest } from '../../src/kernel/builtins-manifests.js';
import type { HeuristicOptions } from '../../src/engines/heuristic/engine.js';
import type { ExactOptions } from '../../src/exact/engine.js';

export const heuristicDefaults = (): HeuristicOptions => builtinManifest('engine/heuristic.json').defaults as unknown as HeuristicOptions;

export function exactOptions(options: Partial<ExactOptions>): ExactOptions {
  const defaults = builtinManifest('engine/exact.json').defaults as unknown as ExactOptions;
  const merged = { ...defaults, ...options };
  // Faster solvers can afford the larger models that prove optimality outright.
  const affordable: Record<string, number> = { glpk: 20_000, highs: 80_000, jslp: 500 };
  return {
    ...merged,
    completeModelVariables: options.completeModelVariables ?? affordable[merged.solver] ?? 20_000,
    heuristic: { ...heuristicDefaults(), ...(options.heuristic ?? {}) },
  };
}
