/**
 * Can a target be reached? directReach is a quick test: by direct migrations alone,
 * one at a time, in some order (no parking): each VM moves once the rules admit it
 * on its target, and a departure wakes the VMs waiting for that host. A target that
 * passes needs no detours, and the heuristic planner, which tries direct moves
 * first, reaches it. One that fails may still be reachable with parking:
 * plannerReaches asks the heuristic planner itself.
 */
import type { PluginServices, Problem } from '../plugin-api.js';
import { PlacementState } from '../model/state.js';

export interface DirectReach {
  reachable: boolean;
  /** VMs that never got a direct move (empty when reachable). */
  stuck: number[];
}

export function directReach(problem: Problem, target: Int32Array): DirectReach {
  const { model, rules } = problem;
  const state = new PlacementState(model, problem.usable);
  const frozen = (v: number) => rules.some((r) => r.movable && !r.movable(v));
  const waiting = new Map<number, number[]>();
  const stuck: number[] = [];
  const queue: number[] = [];
  for (let v = model.vms.length - 1; v >= 0; v--) {
    if (target[v] === model.placement[v]) continue;
    if (frozen(v)) stuck.push(v); else queue.push(v);
  }
  while (queue.length > 0) {
    const v = queue.pop()!;
    const from = state.hostOf(v);
    const to = target[v]!;
    if (rules.every((r) => r.admits(state, v, to))) {
      state.beginMove(v, to);
      state.finishWave();
      const woken = waiting.get(from);
      if (woken) { waiting.delete(from); queue.push(...woken); }
    } else {
      const list = waiting.get(to);
      if (list) list.push(v); else waiting.set(to, [v]);
    }
  }
  for (const list of waiting.values()) stuck.push(...list);
  return { reachable: stuck.length === 0, stuck: stuck.sort((a, b) => a - b) };
}

/**
 * Whether the default engine (with its manifest's options, without the improvement pass)
 * finds a plan from the placement to this target within the time limit.
 */
export async function plannerReaches(services: PluginServices, problem: Problem, target: Int32Array, timeLimit: number): Promise<boolean> {
  const plan = await services.planPath(problem, target, { timeLimit }, { improve: false });
  return plan.status === 'optimal' || plan.status === 'feasible';
}
