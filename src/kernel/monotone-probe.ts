/**
 * A randomised check, at load time, of the promise every rule makes unless its manifest says
 * `monotone: false`: adding a VM to a host never repairs a violation. The planner relies on
 * it (a wave's in-flight state is its worst moment), so a rule that breaks it on the instance
 * at hand is refused before any plan is made.
 *
 * Each sample moves one VM v from its host a to another host h, and compares the state with
 * v settled on h (T) with the state with v on both hosts (T plus v on a, as in flight): a
 * monotone rule that is broken in T is still broken in the larger state.
 */
import type { Model } from '../model/model.js';
import { PlacementState } from '../model/state.js';
import type { SanityRule, Violation } from '../plugin-api.js';
import { mulberry32 } from '../util/random.js';

/** Bounded so that large clouds load as fast as small ones. */
export const PROBE_SAMPLES = 48;

export interface MonotoneBreach { rule: SanityRule; vm: number; from: number; to: number; violation: Violation }


/** The moves to try: the VMs that must move, to their targets, first; then random ones. */
function samples(model: Model, base: Int32Array, count: number, next: () => number): Array<[number, number]> {
  const H = model.hosts.length;
  const V = model.vms.length;
  const out: Array<[number, number]> = [];
  if (H < 2 || V === 0) return out;
  for (let v = 0; v < V && out.length < count / 2; v++) if (model.target[v] !== base[v]) out.push([v, model.target[v]!]);
  while (out.length < count) {
    const v = Math.floor(next() * V);
    const h = Math.floor(next() * H);
    if (h !== base[v]) out.push([v, h]);
  }
  return out;
}

/** The first sign, if any, that one of `rules` is not monotone on this model. */
export function probeMonotone(model: Model, usable: Float64Array, rules: readonly SanityRule[], count = PROBE_SAMPLES): MonotoneBreach | undefined {
  if (!rules.length) return undefined;
  // Seeded: the same instance is probed the same way each run.
  const next = mulberry32(model.vms.length * 31 + model.hosts.length);
  for (const base of [model.placement, model.target]) {
    const state = new PlacementState(model, usable, base);
    for (const [v, to] of samples(model, base, count / 2, next)) {
      const from = base[v]!;
      const hosts = [from, to];
      state.relocate(v, to);
      const settled = rules.map((r) => r.check(state, hosts));
      state.relocate(v, from);
      state.beginMove(v, to);
      const both = rules.map((r) => r.check(state, hosts));
      state.cancelMove(v);
      const i = rules.findIndex((_, k) => settled[k]!.length > 0 && both[k]!.length === 0);
      if (i >= 0) return { rule: rules[i]!, vm: v, from, to, violation: settled[i]![0]! };
    }
  }
  return undefined;
}
