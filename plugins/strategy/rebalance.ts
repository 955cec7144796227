/**
 * rebalance (like VMware DRS): spreads the load, minimising the most loaded host
 * per resource: the objective is sum_r weight_r x max_h utilisation(h, r), where
 * utilisation is load / usable (the shared resource after page sharing when the
 * sharing rule is active). Ties on the maximum are broken by the sum of squared
 * utilisations, so that moves off a host at the maximum that flatten the load are
 * taken even before the maximum itself drops.
 *
 * Steepest descent, one migration at a time: from the hosts at the top, each of
 * their VMs to each of the least loaded hosts that the rules accept; the best move is
 * taken while it gains at least minGain (maximum) or flattens, and the budget allows
 * (maxMoves VMs off their placement, maxRam of their demand of the budget resource);
 * with a RAM budget moves are ranked by gain per RAM moved. A host that has sent one
 * of its own VMs never receives and one that has received never sends its own, so the
 * target is reachable in any order.
 */
import type { PluginModule, Problem } from '../../src/sdk.js';
import { Packer } from '../../src/sdk.js';
import { checkedTarget, type ReportingStrategy } from '../../src/sdk.js';

export interface RebalanceOptions {
  weights: Record<string, number>;
  budget: { maxMoves: number | null; maxRam: number | null };
  /** Resource counted by maxRam. */
  budgetResource: string;
  minGain: number;
  /** Least loaded hosts tried as destinations per step. */
  destinations: number;
}

const SEND = 1;
const RECV = 2;

export function rebalanceTarget(problem: Problem, options: RebalanceOptions): { target: Int32Array; before: number; after: number; moves: number } {
  const packer = new Packer(problem);
  const { model, usable } = problem;
  const { R, H } = packer;
  const w = new Float64Array(R);
  model.resources.forEach((name, r) => { w[r] = options.weights[name] ?? 1; });
  const active = [...Array(R).keys()].filter((r) => w[r]! > 0 && [...Array(H).keys()].some((h) => usable[h * R + r]! > 0 && usable[h * R + r]! !== Infinity));
  const util = (h: number, r: number, load = packer.loadOf(h, r)) => {
    const u = usable[h * R + r]!;
    return u > 0 && u !== Infinity ? load / u : 0;
  };
  const br = model.resources.indexOf(options.budgetResource);
  const maxMoves = options.budget?.maxMoves ?? Infinity;
  const maxRam = options.budget?.maxRam ?? Infinity;
  const role = new Uint8Array(H);
  let moves = 0;
  let ram = 0;
  const ramOf = (v: number) => (br >= 0 ? model.demand[v * R + br]! : 0);
  const u = new Float64Array(H * R);
  const objective = () => {
    let f = 0;
    for (const r of active) { let m = 0; for (let h = 0; h < H; h++) m = Math.max(m, u[h * R + r]!); f += w[r]! * m; }
    return f;
  };
  for (let h = 0; h < H; h++) for (const r of active) u[h * R + r] = util(h, r);
  const before = objective();
  const share = packer.sharing?.sharing;

  for (let step = 0; step < 20 * model.vms.length + 100; step++) {
    // The three largest utilisations per resource, to get the maximum without any two hosts.
    const top = active.map((r) => {
      const t: Array<[number, number]> = [[-1, 0], [-1, 0], [-1, 0]];
      for (let h = 0; h < H; h++) {
        const x = u[h * R + r]!;
        if (x > t[2]![1]) { t[2] = [h, x]; t.sort((a, b) => b[1] - a[1]); }
      }
      return t;
    });
    const score = new Float64Array(H);
    for (let h = 0; h < H; h++) for (const r of active) score[h]! += w[r]! * u[h * R + r]!;
    const atMax = new Set<number>();
    top.forEach((t) => { if (t[0]![0] >= 0) atMax.add(t[0]![0]); });
    const byScore = [...Array(H).keys()].sort((a, b) => score[a]! - score[b]! || a - b);
    const sources = [...atMax, ...byScore.slice(-3).reverse().filter((h) => !atMax.has(h))].slice(0, Math.max(4, atMax.size));
    const dests = byScore.filter((h) => role[h] !== SEND).slice(0, options.destinations);

    let best: { v: number; s: number; g: number; df: number; dg: number; rank: number } | undefined;
    for (const s of sources) {
      for (const v of packer.draft.vmsOn(s)) {
        if (packer.fixed[v]) continue;
        const home = model.placement[v]!;
        if (home === s && role[s] === RECV) continue;
        const leaving = home === s;
        const tryHost = (g: number) => {
          if (g === s) return;
          const returning = g === home;
          if (!returning && role[g] === SEND) return;
          if (leaving && (moves + 1 > maxMoves || ram + ramOf(v) > maxRam + 1e-9)) return;
          if (!packer.fits(v, g)) return;
          let df = 0;
          let dg = 0;
          const fs = share ? share.footprint([...packer.draft.vmsOn(s)].filter((x) => x !== v)) : 0;
          const fg = share ? share.footprint([...packer.draft.vmsOn(g), v]) : 0;
          active.forEach((r, i) => {
            const d = model.demand[v * R + r]!;
            const us = r === packer.shared ? util(s, r, fs) : util(s, r, packer.draft.load(s, r) - d);
            const ug = r === packer.shared ? util(g, r, fg) : util(g, r, packer.draft.load(g, r) + d);
            const t = top[i]!;
            let rest = 0;
            for (const [h, x] of t) if (h !== s && h !== g) { rest = x; break; }
            df += w[r]! * (Math.max(rest, us, ug) - t[0]![1]);
            dg += w[r]! * (us * us + ug * ug - u[s * R + r]! ** 2 - u[g * R + r]! ** 2);
          });
          const improves = df < -options.minGain || (df <= 1e-12 && dg < -1e-9 && atMax.has(s));
          if (!improves) return;
          const cost = leaving ? Math.max(ramOf(v), 1e-9) : returning ? -1 : 0;
          // With a RAM budget, gain per RAM moved; otherwise the largest gain.
          const rank = maxRam !== Infinity && cost > 0 ? (df * 1e6 + dg) / cost : df * 1e6 + dg;
          if (!best || rank < best.rank) best = { v, s, g, df, dg, rank };
        };
        for (const g of dests) tryHost(g);
        if (!leaving) tryHost(home);
      }
    }
    if (!best) break;
    const { v, s, g } = best;
    const home = model.placement[v]!;
    if (home === s) { moves++; ram += ramOf(v); role[s] = SEND; }
    if (g === home) { moves--; ram -= ramOf(v); } else role[g] = RECV;
    packer.place(v, g);
    for (const h of [s, g]) for (const r of active) u[h * R + r] = util(h, r);
  }
  return { target: packer.target(), before, after: objective(), moves };
}

const rebalance: PluginModule<ReportingStrategy> = {
  create(raw) {
    const options = raw as unknown as RebalanceOptions;
    let notes: string[] = [];
    return {
      name: 'rebalance',
      get notes() { return notes; },
      async choose(problem) {
        const r = rebalanceTarget(problem, options);
        notes = [`weighted maximum utilisation ${r.before.toFixed(4)} -> ${r.after.toFixed(4)} with ${r.moves} VM${r.moves === 1 ? '' : 's'} moved`];
        return checkedTarget(problem, r.target, 'rebalance');
      },
    };
  },
};
export default rebalance;
