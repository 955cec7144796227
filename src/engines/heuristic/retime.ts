/**
 * Moves every migration of a valid plan to the earliest wave it can run in: the rule of
 * plan/compact.ts (`waveFit`, and the VM does not move in between), on a lighter record of
 * the plan, for justify.ts's many passes.
 *
 * compact.ts keeps a full placement state per wave (every VM, every host's members), so
 * that moving a migration j waves earlier costs j set updates and the memory grows with
 * waves x VMs. Here each VM keeps its migrations' waves and each wave only its hosts'
 * loads and slot counts (waves x hosts); a rule sees the state during a wave through a
 * view that derives a VM's host from its migrations and a host's members from the VMs
 * that ever visit it (only rules that ask for members pay for them).
 */
import type { Problem } from '../../plugin-api.js';
import type { StateView } from '../../model/state.js';
import type { Move } from '../../plan/moves.js';
import { waveFit } from '../../plan/compact.js';

/** The plan as each VM's migrations (wave, from, to) in order, and per wave its loads and slots. */
class Timeline {
  readonly R: number;
  readonly W: number;
  /** Per VM, indices into `moves` of its migrations, in wave order. */
  readonly movesOf = new Map<number, number[]>();
  readonly moves: { vm: number; from: number; to: number; wave: number }[] = [];
  readonly loads: Float64Array;
  readonly outgoing: Int32Array;
  readonly incoming: Int32Array;
  readonly flying: Int32Array;
  /** Per host, every VM that is on it at some time of the plan. */
  readonly visitors: number[][];
  /** The state during each wave, as rules see it. */
  readonly views: StateView[];

  constructor(readonly problem: Problem, waves: readonly Move[][], readonly start: Int32Array) {
    const { model } = problem;
    const H = model.hosts.length;
    this.R = model.resources.length;
    this.W = waves.length;
    this.loads = new Float64Array(this.W * H * this.R);
    this.outgoing = new Int32Array(this.W * H);
    this.incoming = new Int32Array(this.W * H);
    this.flying = new Int32Array(this.W);
    const seen = Array.from({ length: H }, () => new Set<number>());
    for (let v = 0; v < start.length; v++) if (start[v]! >= 0) seen[start[v]!]!.add(v);
    waves.forEach((w, k) => {
      for (const m of w) {
        const list = this.movesOf.get(m.vm);
        if (list) list.push(this.moves.length); else this.movesOf.set(m.vm, [this.moves.length]);
        this.moves.push({ ...m, wave: k });
        seen[m.to]!.add(m.vm);
        this.outgoing[k * H + m.from]!++;
        this.incoming[k * H + m.to]!++;
        this.flying[k]!++;
      }
    });
    this.visitors = seen.map((s) => [...s]);
    this.views = Array.from({ length: this.W }, (_, k) => this.viewOf(k));
    this.fillLoads(waves);
  }

  /** Loads during each wave: the VMs settled before it, plus its arrivals on their destinations. */
  private fillLoads(waves: readonly Move[][]): void {
    const { R } = this;
    const { demand, hosts } = this.problem.model;
    const H = hosts.length;
    const settled = new Float64Array(H * R);
    for (let v = 0; v < this.start.length; v++) {
      const h = this.start[v]!;
      if (h >= 0) for (let r = 0; r < R; r++) settled[h * R + r]! += demand[v * R + r]!;
    }
    waves.forEach((w, k) => {
      this.loads.set(settled, k * H * R);
      for (const m of w) this.addLoad(m.vm, m.to, k, 1);
      for (const m of w) {
        for (let r = 0; r < R; r++) {
          settled[m.from * R + r]! -= demand[m.vm * R + r]!;
          settled[m.to * R + r]! += demand[m.vm * R + r]!;
        }
      }
    });
  }

  /** Host of the VM during wave k (its source while it migrates then). */
  hostAt(vm: number, k: number): number {
    let host = this.start[vm]!;
    for (const i of this.movesOf.get(vm) ?? []) {
      const m = this.moves[i]!;
      if (m.wave > k) break;
      host = m.wave === k ? m.from : m.to;
    }
    return host;
  }

  destinationAt(vm: number, k: number): number {
    for (const i of this.movesOf.get(vm) ?? []) if (this.moves[i]!.wave === k) return this.moves[i]!.to;
    return -1;
  }

  presentAt(vm: number, host: number, k: number): boolean {
    return this.hostAt(vm, k) === host || this.destinationAt(vm, k) === host;
  }

  addLoad(vm: number, host: number, k: number, sign: 1 | -1): void {
    const { R } = this;
    const d = this.problem.model.demand;
    const base = (k * this.problem.model.hosts.length + host) * R;
    for (let r = 0; r < R; r++) this.loads[base + r]! += sign * d[vm * R + r]!;
  }

  private viewOf(k: number): StateView {
    const H = this.problem.model.hosts.length;
    return {
      model: this.problem.model,
      usable: this.problem.usable,
      hostOf: (vm) => this.hostAt(vm, k),
      destinationOf: (vm) => this.destinationAt(vm, k),
      vmsOn: (host) => this.visitors[host]!.filter((v) => this.presentAt(v, host, k)),
      load: (host, r) => this.loads[(k * H + host) * this.R + r]!,
    };
  }

  /** Moves migration i (now in wave `from`) to the earlier wave `to`. */
  shift(i: number, to: number): void {
    const m = this.moves[i]!;
    const H = this.problem.model.hosts.length;
    const from = m.wave;
    for (let k = to; k < from; k++) this.addLoad(m.vm, m.to, k, 1); // on its destination from `to` on
    for (let k = to + 1; k <= from; k++) this.addLoad(m.vm, m.from, k, -1); // off its source after `to`
    this.outgoing[from * H + m.from]!--;
    this.incoming[from * H + m.to]!--;
    this.flying[from]!--;
    this.outgoing[to * H + m.from]!++;
    this.incoming[to * H + m.to]!++;
    this.flying[to]!++;
    m.wave = to;
  }
}

/** The plan with every migration in its earliest wave (empty waves dropped); cost and migrations unchanged. */
export function retimeEarliest(problem: Problem, waves: readonly Move[][], start: Int32Array, deadline: number, now: () => number): Move[][] {
  const t = new Timeline(problem, waves, start);
  const { model } = problem;
  const H = model.hosts.length;
  const byWave: number[][] = Array.from({ length: t.W }, () => []);
  t.moves.forEach((m, i) => byWave[m.wave]!.push(i));
  const out: number[][] = Array.from({ length: t.W }, () => []);
  for (let w = 0; w < t.W; w++) {
    if (now() > deadline) { for (let x = w; x < t.W; x++) out[x]!.push(...byWave[x]!); break; }
    for (const i of byWave[w]!) {
      const j = earliest(i);
      if (j < w) t.shift(i, j);
      out[j]!.push(i);
    }
  }
  return out.filter((w) => w.length > 0).map((w) => w.map((i) => { const m = t.moves[i]!; return { vm: m.vm, from: m.from, to: m.to }; }));

  function earliest(i: number): number {
    const m = t.moves[i]!;
    if (model.hosts[m.to]!.disabled) return m.wave;
    const mine = t.movesOf.get(m.vm)!;
    const before = mine.indexOf(i) - 1;
    const floor = before >= 0 ? t.moves[mine[before]!]!.wave + 1 : 0;
    let best = m.wave;
    for (let k = m.wave - 1; k >= floor; k--) {
      const fit = waveFit(problem, t.views[k]!, m, t.outgoing[k * H + m.from]!, t.incoming[k * H + m.to]!, t.flying[k]!);
      if (fit === 'blocked') break;
      if (fit === 'fits') best = k;
    }
    return best;
  }
}
