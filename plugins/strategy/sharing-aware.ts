/**
 * sharing-aware: packs VMs that share memory pages together, so that the sharing rule
 * (RAM after page sharing, see plugins/rule/sharing.ts) lets each host hold more, and
 * the cloud needs fewer servers and less memory.
 *
 * Candidates, ranked by fewest hosts, then reachable by direct migrations alone, then
 * smallest memory footprint, then fewest moves; the first the path planner can reach
 * wins (the drain candidate always is, directly):
 *  - drain, sharing first: empty the least loaded hosts, each VM to the host where it
 *    shares most (then best fit); kept hosts only receive, freed ones only send;
 *  - repack in tree order (heaviest subtrees first, so that VMs of one OS, version,
 *    library set and application come one after the other), each VM to the open host
 *    where it shares most, then drained as above;
 *  - consolidate's heuristic candidates, which ignore sharing when choosing (so this
 *    strategy never needs more hosts than consolidate under the same policy).
 * With repack false only the first candidate is tried: fewer hosts freed, but only
 * the VMs of freed hosts move.
 * Without an active sharing rule it still co-locates by the default tree, but RAM
 * counts in full, so it saves memory only.
 */
import type { PluginModule, PluginServices, Problem } from '../../src/sdk.js';
import { Packer, hostsUsed, type Fractions } from '../../src/sdk.js';
import { DEFAULT_SHARING, SharingTree, sharingRuleOf } from '../../src/sdk.js';
import { footprintOf } from '../../src/sdk.js';
import { checkedTarget, type ReportingStrategy } from '../../src/sdk.js';
import { bestReachable, candidate, consolidateCandidates, drainOrder, REACH_SECONDS, type Candidate } from './consolidate.js';

export interface SharingAwareOptions {
  headroom: Fractions;
  minHosts: number;
  /** Also consider repacking from scratch (fewer hosts, far more moves); false: drain only. */
  repack: boolean;
}

/** VMs in depth-first order of the sharing tree, heaviest subtrees first, largest VMs first. */
export function treeOrder(tree: SharingTree, packer: Packer): number[] {
  const total = new Float64Array(tree.nodeCount);
  const L = tree.L;
  const vms = [...Array(packer.V).keys()];
  for (const v of vms) for (let k = 0; k < L; k++) { const n = tree.node[v * L + k]!; if (n < 0) break; total[n]! += packer.size[v]!; }
  return vms.sort((a, b) => {
    for (let k = 0; k < L; k++) {
      const na = tree.node[a * L + k]!;
      const nb = tree.node[b * L + k]!;
      if (na === nb) { if (na < 0) break; continue; }
      if (na < 0 || nb < 0) return na < 0 ? 1 : -1; // VMs that share nothing more go last
      return total[nb]! - total[na]! || na - nb;
    }
    return packer.size[b]! - packer.size[a]! || a - b;
  });
}

export async function sharingAwareTarget(services: PluginServices, problem: Problem, options: SharingAwareOptions, reachSeconds: number): Promise<{ best: Candidate; tree: SharingTree; ruled: boolean }> {
  const { model } = problem;
  const rule = sharingRuleOf(problem);
  const tree = rule?.sharing ?? new SharingTree(model, DEFAULT_SHARING);
  const packer = new Packer(problem, { headroom: options.headroom, tree });
  const floor = Math.min(options.minHosts, hostsUsed(model, model.placement));
  const out: Candidate[] = [];
  const add = (name: string) => {
    const c = candidate(problem, name, packer.target());
    if (out.length === 0 || c.hosts >= floor) out.push(c);
    return c;
  };

  packer.drain(drainOrder(packer), 'sharing', options.minHosts);
  add('drain');
  if (options.repack !== false) {
    const fullest = [...Array(packer.H).keys()];
    packer.reset(model.placement);
    const room = fullest.map((h) => packer.room(h));
    fullest.sort((a, b) => room[a]! - room[b]! || a - b);
    if (packer.repack(treeOrder(tree, packer), 'sharing', fullest, false)) {
      packer.drain(drainOrder(packer), 'sharing', options.minHosts);
      if (!add('tree repack').direct && packer.unstick()) add('tree repack, direct');
    }
    out.push(...consolidateCandidates(problem, options).map((c) => ({ ...c, name: `consolidate ${c.name}` })));
  }
  for (const c of out) c.footprint = footprintOf(tree, model, c.target);
  const { best } = await bestReachable(services, problem, out, reachSeconds);
  return { best, tree, ruled: rule !== undefined };
}

const sharingAware: PluginModule<ReportingStrategy> = {
  create(raw, context) {
    const options = raw as unknown as SharingAwareOptions;
    let notes: string[] = [];
    return {
      name: 'sharing-aware',
      get notes() { return notes; },
      async choose(problem, run) {
        const { model } = problem;
        const { best, tree, ruled } = await sharingAwareTarget(context.services, problem, options, Math.min(REACH_SECONDS, run.timeLimit ?? Infinity));
        const before = footprintOf(tree, model, model.placement);
        let demand = 0;
        for (let v = 0; v < model.vms.length; v++) demand += tree.demandOf(v);
        const after = best.footprint ?? footprintOf(tree, model, best.target);
        notes = [
          `${best.name}: ${best.hosts} of ${hostsUsed(model, model.placement)} hosts used; memory footprint ${Math.round(before)} -> ${Math.round(after)} (${Math.round(demand - after)} of ${Math.round(demand)} saved by sharing)`,
          ...(ruled ? [] : ['no sharing rule is active: RAM counts in full on every host (enable rule "sharing" to pack by effective RAM)']),
          ...(best.direct ? [] : ['the target needs parking moves (no order of direct migrations alone reaches it)']),
        ];
        return checkedTarget(problem, best.target, 'sharing-aware');
      },
    };
  },
};
export default sharingAware;
