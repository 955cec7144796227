/**
 * The time-indexed integer program of a migration plan over a horizon of T waves.
 *
 * VMs fall in three classes, decided by the engine from cost bounds:
 * - fixed: never moves (home and too expensive to park, or pinned);
 * - direct: moves exactly once, placement -> target: y[v,t] = "arrived by the end of wave t";
 * - flexible: may take detours: x[v,h,t] = "on h after wave t", a[v,h,t] = "arrives at h in wave t".
 * Presence during wave t (what every rule counts) is x[v,h,t-1] + a[v,h,t] for a
 * flexible VM, 1 - y[v,t-1] on the source and y[v,t] on the target for a direct one.
 * w[t] says wave t is used; used waves come first.
 * A host that breaks a rule at the start (overloaded, src/verify/overload.ts) gets o[h,t] =
 * "still overloaded during wave t": 1 in wave 1, never 1 again once 0; while it is 1 nothing
 * arrives and the host's rows are lifted by their start excess; once it is 0 its rows hold,
 * so it held them after the wave before (presence during a wave includes what was settled).
 */
import type { Problem } from '../plugin-api.js';
import type { Move } from '../plan/moves.js';
import type { LinearModel, Row, Variable } from './linear-model.js';
import type { TimeIndexedBuilder } from './formulation-api.js';
import { overloadedAtStart } from '../verify/overload.js';

export type VmClass = 'fixed' | 'direct' | 'flexible';

export interface TimeIndexedOptions {
  waves: number;
  classOf: (vm: number) => VmClass;
  /** Hosts a flexible VM may use besides its source and target (default: all); an independent part passes its own. */
  hosts?: readonly number[];
  /** Objective = costWeight * migration cost + waveWeight * waves used. */
  costWeight: number;
  waveWeight: number;
  /** Waves every plan needs (a proven bound): those waves count as used, so the objective's bound starts there. */
  minWaves?: number;
  /** Only plans costing at most this (the cost function, unweighted). */
  maxCost?: number;
  /**
   * Order identical direct VMs (same source, target, demand, group, image and cost) by arrival:
   * swapping two of them changes no plan. Only sound when the rules see nothing else of a VM
   * (the built-in host-local rules).
   */
  breakSymmetry?: boolean;
  /** Seconds per VM migration: adds z[t] >= the longest migration of wave t, weighted in the objective. */
  durations?: ArrayLike<number>;
  durationWeight?: number;
}

type Expr = { terms: Map<number, number>; constant: number };
const EPS = 1e-9;

export class TimeIndexedModel implements TimeIndexedBuilder {
  readonly model;
  readonly usable;
  readonly waves: number;
  readonly variables: Variable[] = [];
  readonly rows: Row[] = [];
  /** Rows whose constant part alone already breaks them: the horizon is infeasible. */
  readonly impossible: string[] = [];
  /** Rows the model cannot state soundly (a negative coefficient on an overloaded host): no proof from it. */
  readonly unsupported: string[] = [];
  private readonly cls: VmClass[];
  private readonly candidates: number[][]; // per VM: hosts it may be on
  private readonly onHost: number[][]; // per host: VMs that may be on it
  private readonly y = new Map<number, number[]>(); // vm -> var index per t (1..T-1), at [t]
  private readonly x = new Map<number, Map<number, number[]>>(); // vm -> host -> var per t (1..T-1)
  private readonly a = new Map<number, Map<number, number[]>>(); // vm -> host -> var per t (1..T)
  private readonly w: number[] = []; // per t (1..T)
  private readonly overloaded: Uint8Array;
  private readonly o = new Map<number, number[]>(); // overloaded host -> var per t (1..T)
  private costOffset = 0;

  constructor(readonly problem: Problem, readonly options: TimeIndexedOptions) {
    const { model } = problem;
    this.model = model;
    this.usable = problem.usable;
    const T = (this.waves = options.waves);
    const V = model.vms.length;
    const H = model.hosts.length;
    this.cls = Array.from({ length: V }, (_, v) => options.classOf(v));
    this.overloaded = overloadedAtStart(problem);
    const formulated = problem.rules.filter((r) => r.formulation);
    const allowedBy = (v: number, h: number) => formulated.find((r) => !(r.formulation!.allows?.(v, h) ?? true));
    const scope = options.hosts ? new Uint8Array(H) : undefined;
    if (scope) for (const h of options.hosts!) scope[h] = 1;
    this.candidates = this.cls.map((c, v) => {
      const home = model.placement[v]!;
      const goal = model.target[v]!;
      // Where the VM must be at some point: a rule that forbids it there makes the model infeasible.
      const must = c === 'fixed' || home === goal ? [home] : [home, goal];
      for (const h of must) {
        // An overloaded host may hold at the start what no rule allows there: the VM only leaves it.
        const rule = h === home && this.overloaded[h] ? undefined : allowedBy(v, h);
        if (rule) this.impossible.push(`${rule.name}[${model.vms[v]!.name},${model.hosts[h]!.name}]`);
      }
      if (c !== 'flexible') return must;
      const hosts: number[] = [];
      // A disabled host receives nothing: only where the VM must be anyway.
      for (let h = 0; h < H; h++) if (must.includes(h) || ((!scope || scope[h]) && !model.hosts[h]!.disabled && !allowedBy(v, h))) hosts.push(h);
      return hosts;
    });
    this.onHost = Array.from({ length: H }, () => []);
    this.candidates.forEach((hs, v) => hs.forEach((h) => this.onHost[h]!.push(v)));

    for (let t = 1; t <= T; t++) this.w[t] = this.addVar(`w${t}`, options.waveWeight);
    for (let t = 1; t < T; t++) this.addRow(`wave_order${t}`, [[this.w[t]!, 1], [this.w[t + 1]!, -1]], 0, Infinity);
    for (let t = 1; t <= Math.min(T, options.minWaves ?? 0); t++) this.variables[this.w[t]!]!.lb = 1;

    for (let v = 0; v < V; v++) {
      if (this.cls[v] === 'direct' && model.placement[v] !== model.target[v]) this.addDirect(v);
      else if (this.cls[v] === 'flexible') this.addFlexible(v);
    }
    if (options.breakSymmetry) this.addSymmetryRows();
    this.addConcurrencyRows();
    this.addOverloadRows();
    for (const rule of formulated) rule.formulation!.addRows(this);
    if (options.durations) this.addDurationRows(options.durations, options.durationWeight ?? 1);
    const cost = problem.cost;
    if (options.maxCost !== undefined) {
      // A cutoff row: the direct VMs' cost is a constant, the flexible VMs' arrivals carry theirs.
      const terms: Array<[number, number]> = [];
      let fixedCost = 0;
      for (let v = 0; v < V; v++) {
        if (this.cls[v] === 'direct' && model.placement[v] !== model.target[v]) fixedCost += cost.cost(v, model.placement[v]!, model.target[v]!);
        for (const [h, ah] of this.a.get(v) ?? []) for (let t = 1; t <= T; t++) terms.push([ah[t]!, cost.cost(v, model.placement[v]!, h)]);
      }
      this.addExprRow('cost_cutoff', { terms: new Map(terms), constant: fixedCost }, -Infinity, options.maxCost);
    }
  }
  /** A VM that moves once, straight to its target: y[t] = 1 once it has moved; its cost is a constant. */
  private addDirect(v: number): void {
    const { model, options } = this;
    const T = this.waves;
    this.costOffset += options.costWeight * this.problem.cost.cost(v, model.placement[v]!, model.target[v]!);
    const ys: number[] = [];
    for (let t = 1; t < T; t++) ys[t] = this.addVar(`y${v}_${t}`, 0);
    this.y.set(v, ys);
    for (let t = 2; t < T; t++) this.addRow(`y_order${v}_${t}`, [[ys[t]!, 1], [ys[t - 1]!, -1]], 0, Infinity);
    for (let t = 1; t <= T; t++) {
      const move = this.moveExpr(v, t);
      this.addExprRow(`y_wave${v}_${t}`, this.plus(move, { terms: new Map([[this.w[t]!, -1]]), constant: 0 }), -Infinity, 0);
    }
  }

  /** A VM that may go anywhere it is allowed (detours too): x[h][t] where it is, a[h][t] when it arrives. */
  private addFlexible(v: number): void {
    const { model, options } = this;
    const T = this.waves;
    const hosts = this.candidates[v]!;
    const xs = new Map<number, number[]>();
    const as = new Map<number, number[]>();
    for (const h of hosts) {
      const xh: number[] = [];
      const ah: number[] = [];
      for (let t = 1; t < T; t++) xh[t] = this.addVar(`x${v}_${h}_${t}`, 0);
      for (let t = 1; t <= T; t++) ah[t] = this.addVar(`a${v}_${h}_${t}`, options.costWeight * this.problem.cost.cost(v, model.placement[v]!, h));
      xs.set(h, xh);
      as.set(h, ah);
    }
    this.x.set(v, xs);
    this.a.set(v, as);
    for (let t = 1; t < T; t++) this.addRow(`one_host${v}_${t}`, hosts.map((h) => [xs.get(h)![t]!, 1]), 1, 1);
    for (let t = 1; t <= T; t++) {
      // Arrival: a >= x[t] - x[t-1]; at most one arrival per wave, and only in a used wave.
      for (const h of hosts) {
        const e = this.plus(this.settled(v, h, t - 1), this.scale(this.settled(v, h, t), -1));
        e.terms.set(as.get(h)![t]!, 1);
        this.addExprRow(`arrive${v}_${h}_${t}`, e, 0, Infinity);
      }
      this.addRow(`one_move${v}_${t}`, [...hosts.map((h): [number, number] => [as.get(h)![t]!, 1]), [this.w[t]!, -1]], -Infinity, 0);
    }
  }


  // --- TimeIndexedBuilder, for rule formulations ---

  candidatesOn(host: number): readonly number[] {
    return this.onHost[host]!;
  }

  isFixed(vm: number, host: number): boolean {
    return this.cls[vm] === 'fixed' || !this.candidates[vm]!.includes(host);
  }

  addPresenceRow(name: string, host: number, wave: number, terms: ReadonlyArray<[number, number]>, ub: number): void {
    let e: Expr = { terms: new Map(), constant: 0 };
    for (const [v, coef] of terms) if (coef !== 0) e = this.plus(e, this.scale(this.presence(v, host, wave), coef));
    const o = this.o.get(host)?.[wave];
    if (o !== undefined) {
      // While overloaded nothing arrives, so the row's value is at most its start value.
      if (terms.some(([, c]) => c < 0)) this.unsupported.push(name);
      const start = terms.reduce((sum, [v, c]) => sum + (c > 0 && this.model.placement[v] === host ? c : 0), 0);
      const lift = Math.max(0, start - ub);
      if (lift > 0) e.terms.set(o, (e.terms.get(o) ?? 0) - lift);
    }
    this.addExprRow(name, e, -Infinity, ub);
  }

  addMigrationRow(name: string, waves: readonly number[], terms: ReadonlyArray<[number, number]>, ub: number): void {
    let e: Expr = { terms: new Map(), constant: 0 };
    for (const t of waves) for (const [v, coef] of terms) if (coef !== 0) e = this.plus(e, this.scale(this.migrations(v, t), coef));
    this.addExprRow(name, e, -Infinity, ub);
  }

  forbidMigration(name: string, vm: number, from: number, to: number): void {
    const { placement, target } = this.model;
    const c = this.cls[vm]!;
    if (c === 'fixed' || from === to) return;
    if (c === 'direct') {
      if (placement[vm] !== target[vm] && placement[vm] === from && target[vm] === to) this.impossible.push(name);
      return;
    }
    const a = this.a.get(vm)!.get(to);
    if (!a || !this.candidates[vm]!.includes(from)) return;
    // Arriving at `to` in wave t while settled on `from` after wave t - 1 is that migration.
    for (let t = 1; t <= this.waves; t++) {
      const e = this.settled(vm, from, t - 1);
      e.terms.set(a[t]!, (e.terms.get(a[t]!) ?? 0) + 1);
      this.addExprRow(`${name}_${t}`, e, -Infinity, 1);
    }
  }

  // --- the model ---

  /** 1 when the VM migrates in wave t (1..T): y[t] - y[t-1] for a direct VM, its arrivals for a flexible one. */
  migrations(v: number, t: number): Expr {
    const { placement, target } = this.model;
    const c = this.cls[v]!;
    if (c === 'direct' && placement[v] !== target[v]) return this.moveExpr(v, t);
    if (c !== 'flexible') return { terms: new Map(), constant: 0 };
    return { terms: new Map([...this.a.get(v)!.values()].map((ah): [number, number] => [ah[t]!, 1])), constant: 0 };
  }

  /** Presence of the VM on the host during wave t (1..T). */
  presence(v: number, h: number, t: number): Expr {
    const { placement, target } = this.model;
    const c = this.cls[v]!;
    if (c === 'fixed' || placement[v] === target[v] && c === 'direct') return { terms: new Map(), constant: placement[v] === h ? 1 : 0 };
    if (c === 'direct') {
      if (h === placement[v]) return this.plus({ terms: new Map(), constant: 1 }, this.scale(this.arrived(v, t - 1), -1));
      if (h === target[v]) return this.arrived(v, t);
      return { terms: new Map(), constant: 0 };
    }
    const a = this.a.get(v)!.get(h);
    if (!a) return { terms: new Map(), constant: 0 };
    const e = this.settled(v, h, t - 1);
    e.terms.set(a[t]!, (e.terms.get(a[t]!) ?? 0) + 1);
    return e;
  }

  toLinearModel(name: string): LinearModel {
    return { name, variables: this.variables, rows: this.rows, offset: this.costOffset };
  }

  /** Reads the hosts of every VM after each wave from a solution, and turns them into waves. */
  decode(values: ArrayLike<number>): Move[][] {
    const { model } = this;
    const V = model.vms.length;
    const waves: Move[][] = [];
    let prev = Int32Array.from(model.placement);
    for (let t = 1; t <= this.waves; t++) {
      const cur = new Int32Array(V);
      const wave: Move[] = [];
      for (let v = 0; v < V; v++) {
        // A fixed VM stays where it is (outside an independent part, even when misplaced).
        cur[v] = this.cls[v] === 'fixed' ? model.placement[v]! : t === this.waves ? model.target[v]! : this.hostAfter(v, t, values);
        if (cur[v] !== prev[v]) wave.push({ vm: v, from: prev[v]!, to: cur[v]! });
      }
      if (wave.length) waves.push(wave);
      prev = cur;
    }
    return waves;
  }

  /** The variable values of a plan (one wave per index, padded with empty waves); undefined if the plan does not fit the model. */
  encode(waves: Move[][]): number[] | undefined {
    if (waves.length > this.waves) return undefined;
    const values = new Array<number>(this.variables.length).fill(0);
    for (const [h, os] of this.o) {
      // Overloaded until the first wave with an arrival (a valid plan repairs the host before it).
      const first = waves.findIndex((w) => w.some((m) => m.to === h));
      for (let t = 1; t <= this.waves; t++) values[os[t]!] = first < 0 || t <= Math.max(1, first) ? 1 : 0;
    }
    const at = Int32Array.from(this.model.placement);
    for (let t = 1; t <= this.waves; t++) {
      const moves = waves[t - 1] ?? [];
      if (moves.length) values[this.w[t]!] = 1;
      for (const m of moves) {
        if (at[m.vm] !== m.from) return undefined;
        const c = this.cls[m.vm]!;
        if (c === 'fixed') return undefined;
        if (c === 'flexible') {
          const a = this.a.get(m.vm)!.get(m.to);
          if (!a) return undefined;
          values[a[t]!] = 1;
        } else if (m.from !== this.model.placement[m.vm] || m.to !== this.model.target[m.vm]) return undefined;
        at[m.vm] = m.to;
      }
      if (t < this.waves) {
        for (const [v, ys] of this.y) values[ys[t]!] = at[v] === this.model.target[v] ? 1 : 0;
        for (const [v, xs] of this.x) {
          if (!xs.has(at[v]!)) return undefined;
          values[xs.get(at[v]!)![t]!] = 1;
        }
      } else if (at.some((h, v) => h !== this.model.target[v])) return undefined;
    }
    return values;
  }

  /** Names of the rows a vector of values breaks (for tests and diagnostics). */
  brokenRows(values: ArrayLike<number>, only?: (row: Row) => boolean): string[] {
    const out: string[] = [];
    for (const row of this.rows) {
      if (only && !only(row)) continue;
      let sum = 0;
      for (const [i, c] of row.terms) sum += c * values[i]!;
      if (sum < row.lb - 1e-6 || sum > row.ub + 1e-6) out.push(row.name);
    }
    return out;
  }

  // --- helpers ---

  private hostAfter(v: number, t: number, values: ArrayLike<number>): number {
    const { placement, target } = this.model;
    const c = this.cls[v]!;
    if (c === 'fixed') return placement[v]!;
    if (c === 'direct') return placement[v] === target[v] ? placement[v]! : values[this.y.get(v)![t]!]! > 0.5 ? target[v]! : placement[v]!;
    let best = placement[v]!;
    let bestValue = -1;
    for (const [h, xh] of this.x.get(v)!) {
      const val = values[xh[t]!]!;
      if (val > bestValue) { bestValue = val; best = h; }
    }
    return best;
  }

  /** y[v,t] as an expression: 0 before the first wave, 1 after the last. */
  private arrived(v: number, t: number): Expr {
    if (t <= 0) return { terms: new Map(), constant: 0 };
    if (t >= this.waves) return { terms: new Map(), constant: 1 };
    return { terms: new Map([[this.y.get(v)![t]!, 1]]), constant: 0 };
  }

  /** x[v,h,t] as an expression: the placement at t = 0, the target at t = T. */
  private settled(v: number, h: number, t: number): Expr {
    if (t <= 0) return { terms: new Map(), constant: this.model.placement[v] === h ? 1 : 0 };
    if (t >= this.waves) return { terms: new Map(), constant: this.model.target[v] === h ? 1 : 0 };
    const xh = this.x.get(v)?.get(h);
    return xh ? { terms: new Map([[xh[t]!, 1]]), constant: 0 } : { terms: new Map(), constant: 0 };
  }

  /** Migrations of a direct VM in wave t: y[t] - y[t-1]. */
  private moveExpr(v: number, t: number): Expr {
    return this.plus(this.arrived(v, t), this.scale(this.arrived(v, t - 1), -1));
  }

  private addConcurrencyRows(): void {
    const { model } = this;
    const T = this.waves;
    for (let t = 1; t <= T; t++) {
      const total: Expr = { terms: new Map(), constant: 0 };
      const outgoing = model.hosts.map((): Expr => ({ terms: new Map(), constant: 0 }));
      const incoming = model.hosts.map((): Expr => ({ terms: new Map(), constant: 0 }));
      const leaving = new Int32Array(model.hosts.length);
      const entering = new Int32Array(model.hosts.length);
      for (let v = 0; v < model.vms.length; v++) {
        const c = this.cls[v]!;
        if (c === 'direct' && model.placement[v] !== model.target[v]) {
          const m = this.moveExpr(v, t);
          this.addInto(outgoing[model.placement[v]!]!, m);
          this.addInto(incoming[model.target[v]!]!, m);
          this.addInto(total, m);
          leaving[model.placement[v]!]!++;
          entering[model.target[v]!]!++;
        } else if (c === 'flexible') {
          for (const h of this.candidates[v]!) {
            const arrive: Expr = { terms: new Map([[this.a.get(v)!.get(h)![t]!, 1]]), constant: 0 };
            // Departures from h: x[t-1] - x[t] + a[t].
            this.addInto(outgoing[h]!, this.plus(this.plus(this.settled(v, h, t - 1), this.scale(this.settled(v, h, t), -1)), arrive));
            this.addInto(incoming[h]!, arrive);
            this.addInto(total, arrive);
            leaving[h]!++;
            entering[h]!++;
          }
        }
      }
      model.hosts.forEach((host, h) => {
        if (leaving[h]! > host.maxOutgoing) this.addExprRow(`out${h}_${t}`, outgoing[h]!, -Infinity, host.maxOutgoing);
        if (entering[h]! > host.maxIncoming) this.addExprRow(`in${h}_${t}`, incoming[h]!, -Infinity, host.maxIncoming);
      });
      if (Number.isFinite(model.maxPerWave)) this.addExprRow(`per_wave${t}`, total, -Infinity, model.maxPerWave);
    }
  }

  /** o[h,t] for each overloaded host: 1 in wave 1, non-increasing, no arrival while 1. */
  private addOverloadRows(): void {
    const { model } = this;
    const T = this.waves;
    for (let h = 0; h < model.hosts.length; h++) {
      if (!this.overloaded[h]) continue;
      const os: number[] = [];
      for (let t = 1; t <= T; t++) os[t] = this.addVar(`o${h}_${t}`, 0);
      this.variables[os[1]!]!.lb = 1;
      this.o.set(h, os);
      for (let t = 2; t <= T; t++) this.addRow(`overloaded_order${h}_${t}`, [[os[t - 1]!, 1], [os[t]!, -1]], 0, Infinity);
      for (let t = 1; t <= T; t++) {
        const arrivals: Expr = { terms: new Map(), constant: 0 };
        let n = 0;
        for (const v of this.onHost[h]!) {
          if (this.cls[v] === 'direct' && model.target[v] === h && model.placement[v] !== h) { this.addInto(arrivals, this.moveExpr(v, t)); n++; }
          const a = this.a.get(v)?.get(h);
          if (a) { this.addInto(arrivals, { terms: new Map([[a[t]!, 1]]), constant: 0 }); n++; }
        }
        if (!n) continue;
        arrivals.terms.set(os[t]!, (arrivals.terms.get(os[t]!) ?? 0) + n);
        this.addExprRow(`overloaded_arrivals${h}_${t}`, arrivals, -Infinity, n);
      }
    }
  }

  /** z[t] >= d_v * (migrations of v in wave t): the sum of z is the wave-by-wave duration. */
  private addDurationRows(durations: ArrayLike<number>, weight: number): void {
    const { model } = this;
    const longest = Math.max(0, ...Array.from(durations));
    for (let t = 1; t <= this.waves; t++) {
      this.variables.push({ name: `z${t}`, lb: 0, ub: longest, integer: false, cost: weight });
      const z = this.variables.length - 1;
      for (let v = 0; v < model.vms.length; v++) {
        const d = durations[v]!;
        if (d <= 0) continue;
        let move: Expr | undefined;
        if (this.cls[v] === 'direct' && model.placement[v] !== model.target[v]) move = this.moveExpr(v, t);
        else if (this.cls[v] === 'flexible') move = { terms: new Map([...this.a.get(v)!.values()].map((ah): [number, number] => [ah[t]!, 1])), constant: 0 };
        if (!move) continue;
        const e = this.scale(move, -d);
        e.terms.set(z, 1);
        this.addExprRow(`duration${v}_${t}`, e, 0, Infinity);
      }
    }
  }

  /** y[v, t] >= y[u, t] for consecutive identical direct VMs v < u: the first of them arrives no later. */
  private addSymmetryRows(): void {
    const { model } = this;
    const R = model.resources.length;
    const groups = new Map<string, number[]>();
    for (const [v] of this.y) {
      const vm = model.vms[v]!;
      const key = [model.placement[v], model.target[v], Array.from(model.demand.subarray(v * R, v * R + R)).join(','), vm.group ?? '', vm.image ?? '',
        this.problem.cost.cost(v, model.placement[v]!, model.target[v]!)].join('|');
      const g = groups.get(key);
      if (g) g.push(v); else groups.set(key, [v]);
    }
    for (const vs of groups.values()) {
      for (let i = 1; i < vs.length; i++) {
        const [a, b] = [this.y.get(vs[i - 1]!)!, this.y.get(vs[i]!)!];
        for (let t = 1; t < this.waves; t++) this.addRow(`symmetry${vs[i]}_${t}`, [[a[t]!, 1], [b[t]!, -1]], 0, Infinity);
      }
    }
  }

  private addVar(name: string, cost: number): number {
    this.variables.push({ name, lb: 0, ub: 1, integer: true, cost });
    return this.variables.length - 1;
  }

  private addRow(name: string, terms: Array<[number, number]>, lb: number, ub: number): void {
    this.rows.push({ name, terms, lb, ub });
  }

  /** Adds lb <= e <= ub with e's constant moved to the bounds; drops rows that cannot bind. */
  private addExprRow(name: string, e: Expr, lb: number, ub: number): void {
    const terms: Array<[number, number]> = [];
    let min = e.constant;
    let max = e.constant;
    for (const [i, c] of e.terms) {
      if (Math.abs(c) < EPS) continue;
      terms.push([i, c]);
      if (c > 0) max += c; else min += c;
    }
    if (min >= lb - EPS && max <= ub + EPS) return; // always satisfied
    if (max < lb - EPS || min > ub + EPS) { this.impossible.push(name); return; }
    this.addRow(name, terms, lb - e.constant, ub - e.constant);
  }

  private plus(a: Expr, b: Expr): Expr {
    const terms = new Map(a.terms);
    for (const [i, c] of b.terms) terms.set(i, (terms.get(i) ?? 0) + c);
    return { terms, constant: a.constant + b.constant };
  }

  private addInto(into: Expr, e: Expr): void {
    for (const [i, c] of e.terms) into.terms.set(i, (into.terms.get(i) ?? 0) + c);
    into.constant += e.constant;
  }

  private scale(e: Expr, k: number): Expr {
    return { terms: new Map([...e.terms].map(([i, c]) => [i, c * k])), constant: e.constant * k };
  }
}
