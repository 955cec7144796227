/**
 * Candidate targets side by side: for each strategy, the target it chooses, figures
 * about it, and the verified plan that reaches it (a target is only as good as the
 * path to it). The placement itself comes first, as the baseline.
 */
import type { PluginRef } from '../model/instance.js';
import type { Plan } from '../model/plan.js';
import { loadInstance, solveLoaded, type LoadOptions } from '../api.js';
import { InputError } from '../io/errors.js';
import { targetMetrics, type TargetMetrics } from './metrics.js';
import { retarget, withoutTarget } from './retarget.js';
import { NoTargetError, notesOf } from './strategy.js';

export interface PathFigures {
  status: Plan['status'];
  cost: number | null;
  unit: string;
  waves: number | null;
  moves: number | null;
  seconds: number;
  /** Estimated duration of the path (its plan's stats.makespan), when one was found. */
  makespan?: { waves: number; dependencies: number };
}

export interface EvaluateRow extends Partial<TargetMetrics> {
  /** Strategy name, or "placement" for the baseline. */
  strategy: string;
  status: 'ok' | 'no-target' | 'error';
  path: PathFigures | null;
  notes: string[];
}

export interface EvaluateOptions extends LoadOptions {
  /** Seconds for each strategy and for each path. */
  timeLimit?: number;
  /** Plan the path to each target (default true). */
  plan?: boolean;
}

const nameOf = (ref: PluginRef) => (typeof ref === 'string' ? ref : ref.name);

export async function evaluateStrategies(doc: unknown, strategies: PluginRef[], options: EvaluateOptions = {}): Promise<EvaluateRow[]> {
  const rows: EvaluateRow[] = [];
  const base = await loadInstance(withoutTarget(doc), { ...options, targetToChoose: true });
  rows.push({ strategy: 'placement', status: 'ok', ...targetMetrics(base.problem, base.model.placement), path: null, notes: [] });
  const loadOptions: LoadOptions = { ...options, kernel: base.kernel, pluginDirs: [] };
  for (const ref of strategies) {
    const strategy = nameOf(ref);
    try {
      const r = await retarget(doc, loadOptions, ref, { timeLimit: options.timeLimit });
      const row: EvaluateRow = { strategy, status: 'ok', ...targetMetrics(r.source.problem, r.target), path: null, notes: notesOf(r.source.strategy) };
      if (options.plan !== false) {
        const plan = await solveLoaded(r.loaded, { timeLimit: options.timeLimit });
        const found = plan.status === 'optimal' || plan.status === 'feasible';
        row.path = {
          status: plan.status, cost: plan.cost, unit: r.loaded.problem.cost.unit,
          waves: found ? plan.waves.length : null, moves: found ? plan.stats.moves : null, seconds: plan.stats.seconds,
          ...(found && plan.stats.makespan ? { makespan: { waves: plan.stats.makespan.waves, dependencies: plan.stats.makespan.dependencies } } : {}),
        };
        row.notes.push(...(plan.notes ?? []), ...(found ? [] : plan.explanation ?? []).slice(0, 3));
      }
      rows.push(row);
    } catch (e) {
      if (e instanceof InputError) throw e; // a bad strategy name or options: not a result
      rows.push({ strategy, status: e instanceof NoTargetError ? 'no-target' : 'error', path: null, notes: [(e as Error).message.split('\n')[0]!] });
    }
  }
  return rows;
}
