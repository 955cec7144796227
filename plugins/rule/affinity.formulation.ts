/**
 * Linear form of affinity: a member of a group of two or more can only ever be on its own
 * host (any move would put it on two hosts while its partners stay on one), so allows()
 * fixes it there. The only rows left are for a group the placement already spreads over
 * several hosts: one row that no assignment satisfies says so.
 */
import type { Model, RuleFormulation } from '../../src/sdk.js';

export function affinityFormulation(model: Model, groups: ReadonlyMap<string, readonly number[]>): RuleFormulation {
  const bound = new Uint8Array(model.vms.length);
  for (const members of groups.values()) for (const v of members) bound[v] = 1;
  return {
    allows: (vm, host) => !bound[vm] || host === model.placement[vm],
    addRows(ip) {
      for (const [g, members] of groups) {
        const first = members[0]!;
        const h = model.placement[first]!;
        if (members.every((v) => model.placement[v] === h)) continue;
        // The member is fixed on h in every wave: presence 1 against a bound of 0.
        ip.addPresenceRow(`affinity[${g},spread]`, h, 1, [[first, 1]], 0);
      }
    },
  };
}
