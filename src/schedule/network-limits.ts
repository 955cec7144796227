/**
 * "Adding parallelism never makes the estimate worse": where hosts have no per-host limit,
 * api.ts also plans under shunt's default limits (one migration in and one out per host at
 * a time) and keeps that plan when the objective prefers it. A plan that keeps stricter
 * limits is valid under looser ones (api.ts still replays it, and checks its graph, against
 * the real problem).
 */
import type { Objective } from '../model/instance.js';
import type { Model } from '../model/model.js';
import type { Plan } from '../model/plan.js';
import type { Problem } from '../plugin-api.js';

/** The problem with one migration in and one out at a time on every host without a limit; undefined when every host has one. */
export function defaultLimitsProblem(problem: Problem): Problem | undefined {
  const { model } = problem;
  if (!model.hosts.some((h) => !Number.isFinite(h.maxIncoming) || !Number.isFinite(h.maxOutgoing))) return undefined;
  const limited: Model = {
    ...model,
    hosts: model.hosts.map((h) => ({ ...h, maxIncoming: Math.min(h.maxIncoming, 1), maxOutgoing: Math.min(h.maxOutgoing, 1) })),
  };
  return { ...problem, model: limited };
}

const EPS = 1e-9;

/** Whether `other` is the better plan for the objective (cost then makespan, or makespan then cost). */
export function prefers(objective: Objective, plan: Plan, other: Plan): boolean {
  const a = { cost: plan.cost ?? Infinity, time: plan.stats.makespan?.dependencies ?? Infinity };
  const b = { cost: other.cost ?? Infinity, time: other.stats.makespan?.dependencies ?? Infinity };
  const cheaper = b.cost < a.cost - EPS * Math.max(1, a.cost);
  const sameCost = Math.abs(b.cost - a.cost) <= EPS * Math.max(1, a.cost);
  const faster = b.time < a.time - 1e-6;
  if (objective === 'makespan') return faster || (Math.abs(b.time - a.time) <= 1e-6 && cheaper);
  return cheaper || (sameCost && faster);
}
