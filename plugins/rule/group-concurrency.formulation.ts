/** Linear form of group concurrency: per group and wave, at most `limit` of its members migrate. */
import type { MigrationGroup, RuleFormulation } from '../../src/sdk.js';

export function groupConcurrencyFormulation(groups: readonly MigrationGroup[]): RuleFormulation {
  return {
    addRows(ip) {
      for (const g of groups) {
        for (let t = 1; t <= ip.waves; t++) ip.addMigrationRow(`group-concurrency[${g.name},${t}]`, [t], g.vms.map((v): [number, number] => [v, 1]), g.limit);
      }
    },
  };
}
