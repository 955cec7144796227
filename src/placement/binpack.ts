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

/** The columns of the model: x per VM and host it may end on, y per host; fixed VMs are constants at home. */
interface Columns {
  variables: Variable[];
  xIndex: Map<number, number>; // v * H + h -> column
  onHost: number[][];
  fixedLoad: Float64Array;
  hasFixed: Uint8Array;
  yBase: number;
  limitOf(h: number, r: number): number;
}

function columns(problem: Problem, packer: Packer): Columns {
  const { model } = problem;
  const R = model.resources.length;
  const H = model.hosts.length;
  const V = model.vms.length;
  const variables: Variable[] = [];
  const fixedLoad = new Float64Array(H * R);
  const xIndex = new Map<number, number>();
  const onHost: number[][] = Array.from({ length: H }, () => []);
  const hasFixed = new Uint8Array(H);
  for (let v = 0; v < V; v++) {
    if (!packer.fixed[v]) continue;
    const h = model.placement[v]!;
    hasFixed[h] = 1;
    for (let r = 0; r < R; r++) fixedLoad[h * R + r]! += model.demand[v * R + r]!;
  }
  const limitOf = (h: number, r: number) => Math.max(packer.limit[h * R + r]!, fixedLoad[h * R + r]!);
  const fits = (v: number, h: number) => {
    for (let r = 0; r < R; r++) if (model.demand[v * R + r]! > limitOf(h, r) + 1e-9) return false;
    return problem.rules.every((rule) => !rule.formulation!.allows || rule.formulation!.allows(v, h));
  };
  for (let v = 0; v < V; v++) {
    if (packer.fixed[v]) continue;
    for (let h = 0; h < H; h++) {
      if (!fits(v, h)) continue;
      xIndex.set(v * H + h, variables.length);
      onHost[h]!.push(v);
      variables.push({ name: `x[${model.vms[v]!.name},${model.hosts[h]!.name}]`, lb: 0, ub: 1, integer: true, cost: 0 });
    }
  }
  const yBase = variables.length;
  for (let h = 0; h < H; h++) {
    variables.push({ name: `y[${model.hosts[h]!.name}]`, lb: hasFixed[h] ? 1 : 0, ub: hasFixed[h] || onHost[h]!.length ? 1 : 0, integer: true, cost: 1 });
  }
  return { variables, xIndex, onHost, fixedLoad, hasFixed, yBase, limitOf };
}

/** Each VM on one host; loads within limits on used hosts; a host is used when a VM is on it. */
function packingRows(problem: Problem, packer: Packer, c: Columns, minHosts: number): Row[] {
  const { model } = problem;
  const R = model.resources.length;
  const H = model.hosts.length;
  const V = model.vms.length;
  const rows: Row[] = [];
  for (let v = 0; v < V; v++) {
    if (packer.fixed[v]) continue;
    const terms: Array<[number, number]> = [];
    for (let h = 0; h < H; h++) { const j = c.xIndex.get(v * H + h); if (j !== undefined) terms.push([j, 1]); }
    rows.push({ name: `assign[${model.vms[v]!.name}]`, terms, lb: 1, ub: 1 });
  }
  for (let h = 0; h < H; h++) {
    const y = c.yBase + h;
    for (let r = 0; r < R; r++) {
      const lim = c.limitOf(h, r);
      if (lim === Infinity) continue;
      const terms: Array<[number, number]> = c.onHost[h]!.map((v) => [c.xIndex.get(v * H + h)!, model.demand[v * R + r]!]);
      if (terms.every(([, d]) => d === 0)) continue;
      terms.push([y, -(lim - c.fixedLoad[h * R + r]!)]);
      rows.push({ name: `load[${model.hosts[h]!.name},${model.resources[r]}]`, terms, lb: -Infinity, ub: 0 });
    }
    for (const v of c.onHost[h]!) rows.push({ name: `on[${model.vms[v]!.name},${model.hosts[h]!.name}]`, terms: [[c.xIndex.get(v * H + h)!, 1], [y, -1]], lb: -Infinity, ub: 0 });
    if (!c.hasFixed[h]) rows.push({ name: `used[${model.hosts[h]!.name}]`, terms: [[y, 1], ...c.onHost[h]!.map((v): [number, number] => [c.xIndex.get(v * H + h)!, -1])], lb: -Infinity, ub: 0 });
  }
  if (minHosts > 0) rows.push({ name: 'minHosts', terms: Array.from({ length: H }, (_, h): [number, number] => [c.yBase + h, 1]), lb: Math.min(minHosts, V), ub: Infinity });
  return rows;
}

/** Every rule's own rows, for one wave in which a VM is present where x says. */
function ruleRows(problem: Problem, packer: Packer, c: Columns): Row[] {
  const { model } = problem;
  const H = model.hosts.length;
  const rows: Row[] = [];
  const fixedOn = (h: number) => model.vms.map((vm) => vm.index).filter((v) => packer.fixed[v] && model.placement[v] === h);
  const builder: TimeIndexedBuilder = {
    model, usable: problem.usable, waves: 1,
    candidatesOn: (h) => [...c.onHost[h]!, ...fixedOn(h)],
    isFixed: (v, h) => packer.fixed[v] === 1 || !c.xIndex.has(v * H + h),
    addPresenceRow(name, host, _wave, terms, ub) {
      const row: Array<[number, number]> = [];
      let bound = ub;
      for (const [v, coef] of terms) {
        if (packer.fixed[v]) { if (model.placement[v] === host) bound -= coef; continue; }
        const j = c.xIndex.get(v * H + host);
        if (j !== undefined) row.push([j, coef]);
      }
      if (row.length || bound < 0) rows.push({ name, terms: row, lb: -Infinity, ub: bound });
    },
    // Service levels constrain how VMs move, not where they end: a placement gets no rows from them.
    addMigrationRow() { /* no migrations in a placement */ },
    forbidMigration() { /* no migrations in a placement */ },
  };
  for (const rule of problem.rules) rule.formulation!.addRows(builder);
  return rows;
}

export function binPackingModel(problem: Problem, packer: Packer, minHosts: number): BinPacking | { unsupported: string } {
  const { model } = problem;
  const H = model.hosts.length;
  const missing = problem.rules.filter((r) => !r.formulation).map((r) => r.name);
  if (missing.length) return { unsupported: `rule${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ha${missing.length > 1 ? 've' : 's'} no linear form` };
  const c = columns(problem, packer);
  const rows = [...packingRows(problem, packer, c, minHosts), ...ruleRows(problem, packer, c)];
  return {
    lp: { name: 'consolidate', variables: c.variables, rows },
    decode(values) {
      const target = Int32Array.from(model.placement);
      for (const [key, j] of c.xIndex) if (values[j]! > 0.5) target[Math.floor(key / H)] = key % H;
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
