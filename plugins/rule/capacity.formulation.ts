/** Linear form of a per-host limit (capacity, headroom): load during each wave <= limit. */
import type { Model } from '../../src/sdk.js';
import type { RuleFormulation } from '../../src/sdk.js';
import { exceeds } from '../../src/sdk.js';

export function limitFormulation(name: string, model: Model, limit: Float64Array): RuleFormulation {
  const R = model.resources.length;
  return {
    allows(vm, host) {
      for (let r = 0; r < R; r++) if (exceeds(model.demand[vm * R + r]!, limit[host * R + r]!)) return false;
      return true;
    },
    addRows(ip) {
      for (let h = 0; h < model.hosts.length; h++) {
        const vms = ip.candidatesOn(h);
        for (let r = 0; r < R; r++) {
          const max = limit[h * R + r]!;
          if (max === Infinity) continue;
          const terms = vms.map((v): [number, number] => [v, model.demand[v * R + r]!]).filter(([, d]) => d > 0);
          for (let t = 1; t <= ip.waves; t++) ip.addPresenceRow(`${name}[${model.hosts[h]!.name},${model.resources[r]},${t}]`, h, t, terms, max);
        }
      }
    },
  };
}
