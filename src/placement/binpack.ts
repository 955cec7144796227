/**
 * The exact consolidation model: a multi-resource bin-packing MIP over the solver-
 * neutral LinearModel, solved by a MIP backend (GLPK by default) in a worker.
 *
 *   x[v,h] = 1 when VM v ends on host h,  y[h] = 1 when host h stays on
 *   min  sum_h y[h]
 *   sum_h x[v,h] = 1                                  every VM somewhere
 *   sum_v d[v,r] x[v,h] <= limit[h,r] * y[h]          every resource (strategy headroom)
 *   x[v,h] <= y[h],  y[h] <= sum_v x[v,h]             on = holds a VM
 *   sum_h y[h] >= minHosts
 * plus every other rule's own linear form (src/exact/formulation-api.ts), asked for
 * a single "wave" in which presence is x. A rule without a linear form makes the
 * model unavailable (the caller falls back to the heuristic). The caller asks for
 * strictly fewer hosts than a known target (cutoff), so "infeasible" proves that
 * target optimal; moves are then reduced by the heuristic's local passes.
 */
import type { LinearModel, Row, Variable } from '../exact/linear-model.js';
import type { TimeIndexedBuilder } from '../exact/formulation-api.js';
import type { Problem } from '../plugin-api.js';
import type { Packer } from './pack.js';

export interface BinPacking {
  lp: LinearModel;
  /** The target the solver's values describe. */
  decode(values: readonly number[]): Int32Array;
}

export function binPackingModel(problem: Problem, packer: Packer, minHosts: number): BinPacking | { unsupported: string } {
  const { model } = problem;
  const R = model.resources.length;
  const H = model.hosts.length;
  const V = model.vms.length;
  const missing = problem.rules.filter((r) => !r.formulation).map((r) => r.name);
  if (missing.length) return { unsupported: `rule${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ha${missing.length > 1 ? 've' : 's'} no linear form` };

  const variables: Variable[] = [];
  const rows: Row[] = [];
  // Fixed VMs are constants at home; the others get a column per host they may end on.
  const fixedLoad = new Float64Array(H * R);
  const xIndex = new Map<number, number>(); // v * H + h -> column
  const onHost: number[][] = Array.from({ length: H }, () => []);
  for (let v = 0; v < V; v++) {
    if (!packer.fixed[v]) continue;
    const h = model.placement[v]!;
    for (let r = 0; r < R; r++) fixedLoad[h * R + r]! += model.demand[v * R + r]!;
  }
  const limitOf = (h: number, r: number) => Math.max(packer.limit[h * R + r]!, fixedLoad[h * R + r]!);
  for (let v = 0; v < V; v++) {
    if (packer.fixed[v]) continue;
    for (let h = 0; h < H; h++) {
      let ok = true;
      for (let r = 0; r < R && ok; r++) if (model.demand[v * R + r]! > limitOf(h, r) + 1e-9) ok = false;
      for (const rule of problem.rules) if (ok && rule.formulation!.allows && !rule.formulation!.allows(v, h)) ok = false;
      if (!ok) continue;
      xIndex.set(v * H + h, variables.length);
      onHost[h]!.push(v);
      variables.push({ name: `x[${model.vms[v]!.name},${model.hosts[h]!.name}]`, lb: 0, ub: 1, integer: true, cost: 0 });
    }
  }
  const yBase = variables.length;
  const hasFixed = new Uint8Array(H);
  for (let v = 0; v < V; v++) if (packer.fixed[v]) hasFixed[model.placement[v]!] = 1;
  for (let h = 0; h < H; h++) {
    variables.push({ name: `y[${model.hosts[h]!.name}]`, lb: hasFixed[h] ? 1 : 0, ub: hasFixed[h] || onHost[h]!.length ? 1 : 0, integer: true, cost: 1 });
  }

  for (let v = 0; v < V; v++) {
    if (packer.fixed[v]) continue;
    const terms: Array<[number, number]> = [];
    for (let h = 0; h < H; h++) { const j = xIndex.get(v * H + h); if (j !== undefined) terms.push([j, 1]); }
    rows.push({ name: `assign[${model.vms[v]!.name}]`, terms, lb: 1, ub: 1 });
  }
  for (let h = 0; h < H; h++) {
    const y = yBase + h;
    for (let r = 0; r < R; r++) {
      const lim = limitOf(h, r);
      if (lim === Infinity) continue;
      const terms: Array<[number, number]> = onHost[h]!.map((v) => [xIndex.get(v * H + h)!, model.demand[v * R + r]!]);
      if (terms.every(([, d]) => d === 0)) continue;
      terms.push([y, -(lim - fixedLoad[h * R + r]!)]);
      rows.push({ name: `load[${model.hosts[h]!.name},${model.resources[r]}]`, terms, lb: -Infinity, ub: 0 });
    }
    for (const v of onHost[h]!) rows.push({ name: `on[${model.vms[v]!.name},${model.hosts[h]!.name}]`, terms: [[xIndex.get(v * H + h)!, 1], [y, -1]], lb: -Infinity, ub: 0 });
    if (!hasFixed[h]) rows.push({ name: `used[${model.hosts[h]!.name}]`, terms: [[y, 1], ...onHost[h]!.map((v): [number, number] => [xIndex.get(v * H + h)!, -1])], lb: -Infinity, ub: 0 });
  }
  if (minHosts > 0) rows.push({ name: 'minHosts', terms: Array.from({ length: H }, (_, h): [number, number] => [yBase + h, 1]), lb: Math.min(minHosts, V), ub: Infinity });

  // Every rule's own rows, for one wave in which a VM is present where x says.
  const builder: TimeIndexedBuilder = {
    model, usable: problem.usable, waves: 1,
    candidatesOn: (h) => [...onHost[h]!, ...fixedOn(h)],
    isFixed: (v, h) => packer.fixed[v] === 1 || !xIndex.has(v * H + h),
    addPresenceRow(name, host, _wave, terms, ub) {
      const row: Array<[number, number]> = [];
      let bound = ub;
      for (const [v, c] of terms) {
        if (packer.fixed[v]) { if (model.placement[v] === host) bound -= c; continue; }
        const j = xIndex.get(v * H + host);
        if (j !== undefined) row.push([j, c]);
      }
      if (row.length || bound < 0) rows.push({ name, terms: row, lb: -Infinity, ub: bound });
    },
  };
  function fixedOn(h: number): number[] {
    const out: number[] = [];
    for (let v = 0; v < V; v++) if (packer.fixed[v] && model.placement[v] === h) out.push(v);
    return out;
  }
  for (const rule of problem.rules) rule.formulation!.addRows(builder);

  return {
    lp: { name: 'consolidate', variables, rows },
    decode(values) {
      const target = Int32Array.from(model.placement);
      for (const [key, j] of xIndex) if (values[j]! > 0.5) target[Math.floor(key / H)] = key % H;
      return target;
    },
  };
}

/**
 * Fewest hosts any target can use, ignoring every rule but the limits: for each
 * resource (but the one the sharing rule counts after sharing), the fewest hosts
 * whose limits add up to the total demand (largest first).
 */
export function hostLowerBound(packer: Packer): number {
  const { model, R, H, V } = packer;
  let bound = V > 0 ? 1 : 0;
  for (let r = 0; r < R; r++) {
    if (r === packer.shared) continue; // page sharing lets a host hold more than the sum of demands
    let total = 0;
    for (let v = 0; v < V; v++) total += model.demand[v * R + r]!;
    if (total <= 0) continue;
    const limits = Array.from({ length: H }, (_, h) => packer.limit[h * R + r]!).sort((a, b) => b - a);
    let k = 0;
    let sum = 0;
    while (k < H && sum < total * (1 - 1e-12)) sum += limits[k++]!;
    bound = Math.max(bound, k);
  }
  return bound;
}
