/** Checks that a rule's fast admits() says what its check() says. */
import type { SanityRule, Violation } from '../src/plugin-api.js';
import type { Model } from '../src/model/model.js';
import type { PlacementState } from '../src/model/state.js';

const key = (v: Violation) => JSON.stringify([v.rule, v.host ?? null, v.vm ?? null, v.resource ?? null]);

/**
 * What admits() promises: on a host that is clean now, admits(v, h) is true iff
 * beginning the move v -> h adds no violation anywhere.
 */
export function disagreements(rule: SanityRule, state: PlacementState, model: Model): string[] {
  const wrong: string[] = [];
  for (let v = 0; v < model.vms.length; v++) {
    if (state.destinationOf(v) >= 0) continue;
    for (let h = 0; h < model.hosts.length; h++) {
      if (h === state.hostOf(v) || rule.check(state, [h]).length > 0) continue;
      const before = new Set(rule.check(state).map(key));
      const admitted = rule.admits(state, v, h);
      state.beginMove(v, h);
      const added = rule.check(state).filter((x) => !before.has(key(x)));
      state.cancelMove(v);
      if (admitted !== (added.length === 0)) {
        wrong.push(`${model.vms[v]!.name} -> ${model.hosts[h]!.name}: admits ${admitted}, adds ${JSON.stringify(added)}`);
      }
    }
  }
  return wrong;
}
