/**
 * consolidate (like VMware DPM): the VMs on as few hosts as possible, under every
 * active rule and in every resource, keeping an optional headroom on the hosts that
 * receive VMs and at least minHosts hosts on. Reports the hosts it frees.
 *
 * heuristic: several candidates, ranked by fewest hosts, then reachable by direct
 * migrations alone, then fewest moves; the first the path planner can reach wins
 * (directly, or the heuristic planner finds a plan with parking moves):
 *  - drain: empty the least loaded hosts one by one into the others (best fit), a
 *    host that cannot be emptied completely keeps its VMs. The hosts kept never lose
 *    a VM and the freed ones never gain one, so any order of migrations works;
 *  - first-fit decreasing over hosts in index order (the classic baseline);
 *  - best-fit decreasing, fullest hosts opened first, VMs staying home when it is
 *    open and fits; and, where hosts differ in size, largest hosts opened first;
 *  each repack also improved locally: VMs go back home where their home is still on
 *    and takes them, then the drain pass runs over it; and, if direct migrations
 *    cannot reach that, with the VMs they cannot move staying home (Packer.unstick).
 *  So it never uses more hosts than first-fit decreasing unless no plan reaches the
 *  first-fit target, and the drain candidate guarantees a reachable fallback.
 * exact: the bin-packing MIP of src/placement/binpack.ts (GLPK in a worker), asked for
 *  strictly fewer hosts than the heuristic (so "infeasible" proves the heuristic
 *  optimal); keeps the heuristic, with a note, when a rule has no linear form or the
 *  solver finds nothing better in time. Its optimum is returned even when no plan
 *  reaches it (noted).
 * auto: exact on small clouds (exactMaxVms, exactMaxHosts), heuristic otherwise; an
 *  optimum the planner cannot reach is made reachable (unstick) and kept only if it
 *  still beats the heuristic.
 */
import type { EngineRunOptions, PluginModule, PluginServices, Problem } from '../../src/sdk.js';
import { Packer, hostsUsed, movesOf, type Fractions } from '../../src/sdk.js';
import { directReach, plannerReaches } from '../../src/sdk.js';
import { binPackingModel, hostLowerBound } from '../../src/sdk.js';
import { checkedTarget, targetViolation, type ReportingStrategy } from '../../src/sdk.js';

export interface ConsolidateOptions {
  variant: 'heuristic' | 'exact' | 'auto';
  headroom: Fractions;
  minHosts: number;
  exactMaxVms: number;
  exactMaxHosts: number;
  timeLimit: number;
  /** A solver backend's name (the manifest's schema lists the registry's). */
  solver: string;
}

export interface Candidate {
  name: string;
  target: Int32Array;
  hosts: number;
  /** Reachable by direct migrations alone (src/placement/reach.ts). */
  direct: boolean;
  moves: number;
  /** Memory footprint after sharing (sharing-aware only). */
  footprint?: number;
}

export function candidate(problem: Problem, name: string, target: Int32Array): Candidate {
  return { name, target, hosts: hostsUsed(problem.model, target), direct: directReach(problem, target).reachable, moves: movesOf(problem.model, target) };
}

/** Fewest hosts, then reachable by direct migrations, then smallest footprint, then fewest moves. */
export function rank(a: Candidate, b: Candidate): number {
  return a.hosts - b.hosts || Number(b.direct) - Number(a.direct)
    || ((a.footprint ?? 0) - (b.footprint ?? 0)) || a.moves - b.moves;
}

/**
 * The best candidate the planner can reach: in rank order, the first that direct
 * migrations reach or, failing that, for which the heuristic planner finds a plan
 * within reachSeconds. Candidates from draining are always reachable directly.
 */
export async function bestReachable(services: PluginServices, problem: Problem, candidates: Candidate[], reachSeconds: number): Promise<{ best: Candidate; unreachable: Candidate[] }> {
  // A candidate that breaks a rule is no target (from an overloaded start, draining keeps the
  // overloaded hosts as they are); when every one does, the final check says why.
  const valid = candidates.filter((c) => !targetViolation(problem, c.target));
  const sorted = (valid.length ? valid : candidates).slice().sort(rank);
  const unreachable: Candidate[] = [];
  for (const c of sorted) {
    if (c.direct || await plannerReaches(services, problem, c.target, reachSeconds)) return { best: c, unreachable };
    unreachable.push(c);
  }
  // No candidate is known reachable (a rule the drain cannot satisfy directly): the first one.
  return { best: sorted[0]!, unreachable };
}

/** Used hosts, least loaded first (the order in which drain tries to empty them). */
export function drainOrder(packer: Packer): number[] {
  const hosts = [...Array(packer.H).keys()].filter((h) => packer.used(h));
  const load = new Float64Array(packer.H);
  for (const h of hosts) for (const v of packer.draft.vmsOn(h)) load[h]! += packer.size[v]!;
  return hosts.sort((a, b) => load[a]! - load[b]! || packer.draft.countOn(a) - packer.draft.countOn(b) || a - b);
}

/** The heuristic's candidates: drain, and the repacks as they come, improved, and made directly reachable. */
export function consolidateCandidates(problem: Problem, options: Pick<ConsolidateOptions, 'headroom' | 'minHosts'>): Candidate[] {
  const packer = new Packer(problem, { headroom: options.headroom });
  const { model } = problem;
  const order = packer.decreasing([...Array(packer.V).keys()]);
  const floor = Math.min(options.minHosts, hostsUsed(model, model.placement));

  packer.drain(drainOrder(packer), 'best-fit', options.minHosts);
  const out: Candidate[] = [candidate(problem, 'drain', packer.target())];
  const consider = (name: string, ok: boolean) => {
    if (!ok) return;
    const add = (c: Candidate) => { if (c.hosts >= floor) out.push(c); };
    add(candidate(problem, name, packer.target()));
    packer.returnHome();
    packer.drain(drainOrder(packer), 'best-fit', options.minHosts);
    add(candidate(problem, `${name}, improved`, packer.target()));
    if (!out[out.length - 1]!.direct && packer.unstick()) add(candidate(problem, `${name}, improved, direct`, packer.target()));
  };
  consider('first-fit decreasing', packer.repack(order, 'first-fit', [...Array(packer.H).keys()], false));
  const fullest = [...Array(packer.H).keys()];
  packer.reset(model.placement);
  const room = fullest.map((h) => packer.room(h));
  fullest.sort((a, b) => room[a]! - room[b]! || a - b);
  consider('best-fit decreasing', packer.repack(order, 'best-fit', fullest, true));
  // Where hosts differ in size, opening the largest first can need fewer.
  const largest = [...Array(packer.H).keys()];
  const capacity = largest.map((h) => {
    let c = 0;
    for (let r = 0; r < packer.R; r++) if (packer.ref[r]! > 0 && packer.limit[h * packer.R + r]! !== Infinity) c += packer.limit[h * packer.R + r]! / packer.ref[r]!;
    return c;
  });
  largest.sort((a, b) => capacity[b]! - capacity[a]! || a - b);
  if (capacity.some((c) => c !== capacity[0])) consider('best-fit decreasing, largest hosts first', packer.repack(order, 'best-fit', largest, false));
  return out;
}

/** Seconds the planner may take to confirm that a candidate needing parking moves is reachable. */
export const REACH_SECONDS = 10;

const consolidate: PluginModule<ReportingStrategy> = {
  create(raw, context) {
    const options = raw as unknown as ConsolidateOptions;
    let notes: string[] = [];
    return {
      name: 'consolidate',
      get notes() { return notes; },
      async choose(problem: Problem, run: EngineRunOptions): Promise<Int32Array> {
        notes = [];
        const { model } = problem;
        const reachSeconds = Math.min(REACH_SECONDS, run.timeLimit ?? Infinity);
        const { best: heuristic } = await bestReachable(context.services, problem, consolidateCandidates(problem, options), reachSeconds);
        let chosen: Candidate = heuristic;
        let how = `heuristic (${heuristic.name})`;
        const small = model.vms.length <= options.exactMaxVms && model.hosts.length <= options.exactMaxHosts;
        if (options.variant === 'exact' || (options.variant === 'auto' && small)) {
          const packer = new Packer(problem, { headroom: options.headroom });
          const bound = Math.max(hostLowerBound(packer), Math.min(options.minHosts, hostsUsed(model, model.placement)));
          const bp = binPackingModel(problem, packer, options.minHosts);
          if (heuristic.hosts <= bound) {
            how += ', optimal (it meets the lower bound)';
          } else if ('unsupported' in bp) {
            notes.push(`exact model not used: ${bp.unsupported}`);
          } else {
            const timeLimit = Math.min(options.timeLimit, run.timeLimit ?? Infinity);
            // Only strictly fewer hosts are worth finding: "infeasible" proves the heuristic optimal.
            const result = await context.services.solveLinear(options.solver, { model: bp.lp, timeLimit, gap: 0, cutoff: heuristic.hosts - 1 });
            if (result.values && (result.status === 'optimal' || result.status === 'feasible')) {
              packer.reset(bp.decode(result.values));
              packer.returnHome();
              const optimum = candidate(problem, 'exact', packer.target());
              const found = `exact (${options.solver}${result.status === 'optimal' ? ', optimal' : ', best found in time'})`;
              if (optimum.hosts < heuristic.hosts) {
                // exact returns the optimum; auto only a target the planner reaches.
                if (options.variant === 'exact' || optimum.direct || await plannerReaches(context.services, problem, optimum.target, reachSeconds)) {
                  chosen = optimum;
                  how = found;
                } else {
                  const direct = packer.unstick() ? candidate(problem, 'exact', packer.target()) : undefined;
                  if (direct && direct.hosts < heuristic.hosts) { chosen = direct; how = `${found}, made reachable`; }
                  notes.push(`the optimum uses ${optimum.hosts} hosts but the planner finds no path to it (variant "exact" returns it)`);
                }
              }
            } else if (result.status === 'infeasible') {
              how += `, optimal (proven by ${options.solver})`;
            } else {
              notes.push(`exact model gave nothing better (${result.status}${result.note ? `: ${result.note}` : ''}); heuristic kept`);
            }
          }
        }
        const before = hostsUsed(model, model.placement);
        const after = new Set(chosen.target);
        const freed = [...new Set(model.placement)].filter((h) => !after.has(h)).map((h) => model.hosts[h]!.name).sort();
        notes.unshift(`${how}: ${chosen.hosts} of ${before} hosts used, ${freed.length} freed${freed.length ? `: ${freed.slice(0, 20).join(', ')}${freed.length > 20 ? ', ...' : ''}` : ''}`);
        if (!chosen.direct) notes.push('the target needs parking moves (no order of direct migrations alone reaches it)');
        return checkedTarget(problem, chosen.target, 'consolidate');
      },
    };
  },
};
export default consolidate;
