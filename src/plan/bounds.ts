/** Lower bounds any plan must respect, whatever the engine. */
import type { Problem } from '../plugin-api.js';
import type { Model } from '../model/model.js';

/** Each misplaced VM moves at least once. */
export function costLowerBound(problem: Problem): number {
  const { model, cost } = problem;
  let sum = 0;
  for (let v = 0; v < model.vms.length; v++) {
    const from = model.placement[v]!;
    const to = model.target[v]!;
    if (from !== to) sum += cost.minCost?.(v) ?? cost.cost(v, from, to);
  }
  return sum;
}

/** Waves needed by the busiest host's incoming and outgoing migrations, and by maxPerWave. */
export function wavesLowerBound(model: Model): number {
  const H = model.hosts.length;
  const incoming = new Int32Array(H);
  const outgoing = new Int32Array(H);
  let total = 0;
  for (let v = 0; v < model.vms.length; v++) {
    if (model.placement[v] === model.target[v]) continue;
    incoming[model.target[v]!]!++;
    outgoing[model.placement[v]!]!++;
    total++;
  }
  let lb = total > 0 ? Math.max(1, Math.ceil(total / model.maxPerWave)) : 0;
  for (let h = 0; h < H; h++) {
    if (incoming[h]) lb = Math.max(lb, Math.ceil(incoming[h]! / model.hosts[h]!.maxIncoming));
    if (outgoing[h]) lb = Math.max(lb, Math.ceil(outgoing[h]! / model.hosts[h]!.maxOutgoing));
  }
  return lb;
}
