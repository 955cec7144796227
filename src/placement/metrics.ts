/** Figures about a target placement: hosts used and freed, utilisation, memory saved by sharing. */
import type { Model } from '../model/model.js';
import type { Problem } from '../plugin-api.js';
import { DEFAULT_SHARING, SharingTree, sharingRuleOf } from './sharing-tree.js';

export interface ResourceStats { max: number; mean: number; stddev: number }

export interface MemoryFigures {
  resource: string;
  /** Whether the sharing rule is active (else the default tree only measures). */
  rule: boolean;
  /** Sum of the VMs' demands. */
  demand: number;
  /** Sum over hosts of the memory they really need with sharing. */
  footprint: number;
  saved: number;
}

export interface TargetMetrics {
  hostsUsed: number;
  /** Hosts holding VMs in the placement and none in the target. */
  hostsFreed: string[];
  /** Hosts empty in the placement that hold VMs in the target. */
  hostsOpened: number;
  /** VMs whose target differs from their placement, and their demand of ram (when the model has it). */
  moves: number;
  movedRam: number;
  /** Per resource with a finite usable amount: load / usable over the hosts used (RAM after sharing under the sharing rule). */
  utilisation: Record<string, ResourceStats>;
  memory: MemoryFigures | null;
}

export function footprintOf(tree: SharingTree, model: Model, target: Int32Array): number {
  const byHost = groupByHost(model, target);
  let total = 0;
  for (const vms of byHost) if (vms.length) total += tree.footprint(vms);
  return total;
}

function groupByHost(model: Model, target: Int32Array): number[][] {
  const byHost: number[][] = Array.from({ length: model.hosts.length }, () => []);
  for (let v = 0; v < target.length; v++) byHost[target[v]!]!.push(v);
  return byHost;
}

/** The sharing tree of the active rule, else the default one (measuring only); undefined when the model lacks the resource. */
export function measuringTree(problem: Problem): { tree: SharingTree; rule: boolean } | undefined {
  const rule = sharingRuleOf(problem);
  if (rule) return rule.sharing.resource >= 0 ? { tree: rule.sharing, rule: true } : undefined;
  const tree = new SharingTree(problem.model, DEFAULT_SHARING);
  return tree.resource >= 0 ? { tree, rule: false } : undefined;
}

export function targetMetrics(problem: Problem, target: Int32Array): TargetMetrics {
  const { model, usable } = problem;
  const R = model.resources.length;
  const byHost = groupByHost(model, target);
  const wasUsed = new Uint8Array(model.hosts.length);
  for (const h of model.placement) wasUsed[h] = 1;
  const used = byHost.map((vms) => vms.length > 0);
  const measuring = measuringTree(problem);
  const ram = model.resources.indexOf('ram');
  let moves = 0;
  let movedRam = 0;
  for (let v = 0; v < target.length; v++) {
    if (target[v] === model.placement[v]) continue;
    moves++;
    if (ram >= 0) movedRam += model.demand[v * R + ram]!;
  }
  const effective = new Float64Array(model.hosts.length);
  if (measuring) byHost.forEach((vms, h) => { if (vms.length) effective[h] = measuring.tree.footprint(vms); });
  const utilisation: Record<string, ResourceStats> = {};
  for (let r = 0; r < R; r++) {
    const values: number[] = [];
    for (let h = 0; h < model.hosts.length; h++) {
      const u = usable[h * R + r]!;
      if (!used[h] || !(u > 0) || u === Infinity) continue;
      let load = 0;
      if (measuring?.rule && r === measuring.tree.resource) load = effective[h]!;
      else for (const v of byHost[h]!) load += model.demand[v * R + r]!;
      values.push(load / u);
    }
    if (!values.length) continue;
    const mean = values.reduce((s, x) => s + x, 0) / values.length;
    const variance = values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length;
    utilisation[model.resources[r]!] = { max: Math.max(...values), mean, stddev: Math.sqrt(variance) };
  }
  let memory: MemoryFigures | null = null;
  if (measuring) {
    let demand = 0;
    for (let v = 0; v < model.vms.length; v++) demand += measuring.tree.demandOf(v);
    const footprint = effective.reduce((s, x) => s + x, 0);
    memory = { resource: model.resources[measuring.tree.resource]!, rule: measuring.rule, demand, footprint, saved: demand - footprint };
  }
  return {
    hostsUsed: used.filter(Boolean).length,
    hostsFreed: model.hosts.filter((_, h) => wasUsed[h] && !used[h]).map((h) => h.name),
    hostsOpened: model.hosts.filter((_, h) => !wasUsed[h] && used[h]).length,
    moves, movedRam, utilisation, memory,
  };
}
