/** Linear form of the zone rule: hosts of another zone are never candidates. */
import type { RuleFormulation } from '../../src/sdk.js';

export function zoneFormulation(allowed: (vm: number, host: number) => boolean): RuleFormulation {
  return { allows: allowed, addRows() { /* pruning alone enforces it */ } };
}
