/** Linear form of a move budget: over the whole horizon, the VM migrates at most its budget. */
import type { RuleFormulation } from '../../src/sdk.js';

export function maxMovesFormulation(budget: readonly number[]): RuleFormulation {
  return {
    addRows(ip) {
      const waves = Array.from({ length: ip.waves }, (_, i) => i + 1);
      budget.forEach((max, v) => {
        if (Number.isFinite(max)) ip.addMigrationRow(`max-moves[${ip.model.vms[v]!.name}]`, waves, [[v, 1]], max);
      });
    },
  };
}
