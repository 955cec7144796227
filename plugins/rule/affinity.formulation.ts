/**
 * Linear form of affinity: a member of a group of two or more can only ever be on its own
 * host (any move would put it on two hosts while its partners stay on one), so allows()
 * fixes it there and no rows are needed.
 */
import type { Model } from '../../src/model/model.js';
import type { RuleFormulation } from '../../src/exact/formulation-api.js';

export function affinityFormulation(model: Model, bound: readonly boolean[]): RuleFormulation {
  return {
    allows: (vm, host) => !bound[vm] || host === model.placement[vm],
    addRows() { /* bound members are fixed by allows(): no rows needed */ },
  };
}
