/** Linear form of pinning: a pinned VM can only ever be on its own host (so it never moves). */
import type { Model } from '../../src/sdk.js';
import type { RuleFormulation } from '../../src/sdk.js';

export function pinFormulation(model: Model, pinned: readonly boolean[]): RuleFormulation {
  return {
    allows: (vm, host) => !pinned[vm] || host === model.placement[vm],
    addRows() { /* pinned VMs are fixed by allows(): no rows needed */ },
  };
}
