/**
 * Overloaded starts. A start placement may break a rule on some hosts (a hotspot, a lowered
 * allocation ratio, a failed host's VMs restarted elsewhere): such a host is "overloaded".
 * While it breaks a rule it receives no migration, so it only sends and its load in every
 * resource only goes down; once it satisfies its rules it is a normal host again, and every
 * normal host keeps satisfying them before, during and after each wave.
 *
 * A violation is charged to the host it names. A start violation that names no host cannot
 * be charged to one and is refused (api.ts), as is an overloaded start under a rule that is
 * not monotone (taking VMs off a host could break such a rule, so "only sends" would not
 * keep the host from getting worse).
 */
import type { Problem, SanityRule, Violation } from '../plugin-api.js';
import type { StateView } from '../model/state.js';
import { PlacementState } from '../model/state.js';

/** Does the host break a rule in this state? (Only violations charged to it count.) */
export function breaksRule(rules: readonly SanityRule[], state: StateView, host: number): boolean {
  const name = state.model.hosts[host]!.name;
  return rules.some((r) => r.check(state, [host]).some((v) => v.host === name));
}

const violationsMemo = new WeakMap<Problem, readonly Violation[]>();

/** The violations of the instance's start placement (computed once per problem: loading, engines and verifier share them). */
export function startViolations(problem: Problem): readonly Violation[] {
  let found = violationsMemo.get(problem);
  if (!found) {
    const state = new PlacementState(problem.model, problem.usable, problem.model.placement);
    found = problem.rules.flatMap((rule) => rule.check(state));
    violationsMemo.set(problem, found);
  }
  return found;
}

const memo = new WeakMap<Problem, Uint8Array>();

/** Per host, 1 when it breaks a rule in the instance's start placement (cached per problem). */
export function overloadedAtStart(problem: Problem): Uint8Array {
  let flags = memo.get(problem);
  if (!flags) {
    flags = new Uint8Array(problem.model.hosts.length);
    for (const v of startViolations(problem)) {
      const h = v.host === undefined ? undefined : problem.model.hostIndex.get(v.host);
      if (h !== undefined) flags[h] = 1;
    }
    memo.set(problem, flags);
  }
  return flags;
}

/** One line per start violation charged to a host: host, rule, resource, load and limit. */
export function describeOverload(v: Violation): string {
  const amounts = v.resource !== undefined && v.load !== undefined && v.limit !== undefined
    ? `${v.resource} load ${round(v.load)} over limit ${round(v.limit)}` : v.message;
  return `host ${v.host} starts overloaded (rule ${v.rule}: ${amounts}); it receives no migration until it satisfies its rules`;
}

const round = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(3).replace(/\.?0+$/, ''));

/**
 * The replay verifier's view of overloaded hosts: which hosts are overloaded now, whether a
 * violation is excused (charged to an overloaded host, which received nothing), and the
 * hosts that leave the set once a wave has left them within their rules.
 */
export class OverloadTracker {
  private readonly open = new Set<number>();

  constructor(private readonly problem: Problem, start: readonly Violation[]) {
    for (const v of start) {
      const h = v.host === undefined ? undefined : problem.model.hostIndex.get(v.host);
      if (h !== undefined) this.open.add(h);
    }
  }

  get any(): boolean { return this.open.size > 0; }

  has(host: number): boolean { return this.open.has(host); }

  /** A violation charged to a host that is overloaded now. */
  excused(v: Violation): boolean {
    const h = v.host === undefined ? undefined : this.problem.model.hostIndex.get(v.host);
    return h !== undefined && this.open.has(h);
  }

  /** After a wave: the overloaded hosts among `hosts` that now satisfy their rules become normal. */
  settle(state: StateView, hosts: Iterable<number>): void {
    for (const h of hosts) if (this.open.has(h) && !breaksRule(this.problem.rules, state, h)) this.open.delete(h);
  }
}
