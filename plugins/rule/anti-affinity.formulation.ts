/** Linear form of anti-affinity: per group, host and wave, at most one member present. */
import type { Model } from '../../src/sdk.js';
import type { RuleFormulation } from '../../src/sdk.js';

export function antiAffinityFormulation(model: Model, groupOf: Int32Array): RuleFormulation {
  return {
    addRows(ip) {
      for (let h = 0; h < model.hosts.length; h++) {
        const byGroup = new Map<number, number[]>();
        for (const v of ip.candidatesOn(h)) {
          const g = groupOf[v]!;
          if (g < 0) continue;
          const list = byGroup.get(g);
          if (list) list.push(v); else byGroup.set(g, [v]);
        }
        for (const [g, members] of byGroup) {
          if (members.length < 2) continue;
          for (let t = 1; t <= ip.waves; t++) {
            ip.addPresenceRow(`anti-affinity[${model.hosts[h]!.name},g${g},${t}]`, h, t, members.map((v): [number, number] => [v, 1]), 1);
          }
        }
      }
    },
  };
}
