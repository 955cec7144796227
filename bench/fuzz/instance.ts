/**
 * What a family generator produces: an instance document, how long the engine may
 * take on it, and what its construction proves (feasible by a known plan, optimum by
 * a lower-bound argument), which the campaign compares with the oracle and the engine.
 */
import type { InstanceDoc } from '../../src/model/instance.js';
import { stateProblems } from '../generate.js';

export const FAMILIES = ['tiny', 'padded', 'reachable', 'adversarial', 'overloaded', 'sla'] as const;
export type Family = (typeof FAMILIES)[number];

export interface Known {
  /** A plan exists (the construction gives one). */
  feasible?: boolean;
  /** The least cost of any plan, by construction. */
  optimum?: number;
}

export interface FuzzInstance {
  family: Family;
  index: number;
  /** The campaign seed; the instance is regenerated from (seed, family, index). */
  seed: number;
  /** Shape within the family, for the report (e.g. "swaps k=3"). */
  shape: string;
  doc: InstanceDoc;
  /** Seconds the engine is given. */
  timeLimit: number;
  known: Known;
}

/**
 * Problems of a document's placement and target under the only rules the generators
 * use (capacity with reserved amounts and ratios, anti-affinity by group), so that
 * a draw can be rejected before it is loaded. Empty when both states are valid.
 */
export function docProblems(doc: InstanceDoc): string[] {
  const problems = stateProblems(doc);
  if (!(doc.policy?.rules ?? []).includes('anti-affinity')) return problems;
  const groupOf = new Map(doc.vms.filter((v) => v.group).map((v) => [v.name, v.group!]));
  for (const [what, where] of [['placement', doc.placement], ['target', { ...doc.placement, ...(doc.target ?? {}) }]] as const) {
    const seen = new Set<string>();
    for (const [vm, host] of Object.entries(where)) {
      const group = groupOf.get(vm);
      if (group === undefined) continue;
      const key = `${host}\u0000${group}`;
      if (seen.has(key)) problems.push(`${what}: host ${host} holds two VMs of group ${group}`);
      seen.add(key);
    }
  }
  return problems;
}
