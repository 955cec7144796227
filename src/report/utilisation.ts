/**
 * Utilisation per host and resource before the plan, at its peak during the plan and after
 * it, from a replay of a verified plan (a migrating VM counts on its source and destination,
 * as in the verifier). Utilisation is load / usable amount; under the sharing rule, memory is
 * the hosts' footprint after page sharing, which is what that rule limits.
 */
import type { Problem } from '../plugin-api.js';
import type { Wave } from '../model/plan.js';
import { PlacementState } from '../model/state.js';
import { applyVerifiedStep } from '../verify/actions.js';
import { sharingRuleOf } from '../placement/sharing-tree.js';

/** A host starting at or above this utilisation of a resource is marked as overloaded. */
export const HOT_START = 0.9;

export interface Utilisation {
  /** Resources drawn: those with a finite usable amount on some host, limited by capacity or sharing. */
  resources: string[];
  /** Per host × drawn resource (index h * resources.length + k); null where the host has no limit. */
  before: (number | null)[];
  peak: (number | null)[];
  after: (number | null)[];
  /** 1-based wave at which the peak was first reached (0: before the plan). */
  peakWave: number[];
  /** Resources left out because a rule other than capacity limits them its own way. */
  omitted: string[];
}

/** Replays waves that passed verifyPlan; throws if a cell exceeds its limit (impossible then). */
export function replayUtilisation(problem: Problem, waves: readonly Wave[]): Utilisation {
  const { model, usable } = problem;
  const R = model.resources.length;
  const sharing = sharingRuleOf(problem);
  const shared = sharing?.sharing.resource ?? -1;
  const owned = new Set(problem.rules.flatMap((r) => (r === sharing ? [] : r.limitsResources ?? [])));
  const drawn: number[] = [];
  for (let r = 0; r < R; r++) {
    if (owned.has(model.resources[r]!)) continue;
    if (model.hosts.some((_, h) => Number.isFinite(usable[h * R + r]!) && usable[h * R + r]! > 0)) drawn.push(r);
  }
  const K = drawn.length;
  const H = model.hosts.length;
  const state = new PlacementState(model, usable);
  const cell = (h: number, r: number): number | null => {
    const limit = usable[h * R + r]!;
    if (!Number.isFinite(limit) || !(limit > 0)) return null;
    const load = r === shared ? sharing!.sharing.footprint(state.vmsOn(h)) : state.load(h, r);
    return load / limit;
  };
  const before: (number | null)[] = new Array(H * K);
  for (let h = 0; h < H; h++) drawn.forEach((r, k) => { before[h * K + k] = cell(h, r); });
  const peak = before.slice();
  const peakWave = new Array<number>(H * K).fill(0);
  const after = before.slice();
  waves.forEach((w, i) => {
    const touched = new Set<number>();
    for (const m of w.migrations) {
      const step = applyVerifiedStep(model, state, m);
      if (step.from >= 0) touched.add(step.from);
      if (step.to >= 0) touched.add(step.to);
    }
    for (const h of touched) {
      drawn.forEach((r, k) => {
        const u = cell(h, r);
        if (u !== null && u > peak[h * K + k]!) { peak[h * K + k] = u; peakWave[h * K + k] = i + 1; }
      });
    }
    state.finishWave();
    for (const h of touched) drawn.forEach((r, k) => { after[h * K + k] = cell(h, r); });
  });
  assertWithinLimits(model.hosts.map((h) => h.name), drawn.map((r) => model.resources[r]!), peak, before);
  return { resources: drawn.map((r) => model.resources[r]!), before, peak, after, peakWave, omitted: [...owned].filter((n) => model.resources.includes(n)) };
}

/** A host that starts overloaded (src/verify/overload.ts) may stay above 100 %, never above its start. */
function assertWithinLimits(hosts: string[], resources: string[], peak: (number | null)[], before: (number | null)[]): void {
  const K = resources.length;
  const i = peak.findIndex((u, j) => u !== null && u > Math.max(1, before[j] ?? 0) + 1e-9);
  if (i >= 0) {
    throw new Error(`utilisation of ${resources[i % K]} on ${hosts[Math.floor(i / K)]} reaches ${peak[i]} after verification: the report and the verifier disagree`);
  }
}
