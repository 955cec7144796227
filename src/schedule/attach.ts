/**
 * Gives a verified plan its schedule: per migration the migrations it waits for (`after`,
 * flat indices: wave after wave in plan order, from 0), its estimated start and duration in
 * the dependency-based schedule (`estimatedStart`, `estimatedSeconds`), and
 * `stats.makespan` of the wave-by-wave and the dependency-based schedules.
 *
 * The graph is checked by verifyDependencyGraph before anything is attached. Where a rule
 * fails there (only rules that count a VM in flight more than a settled one can), the hosts
 * concerned get the strict form of the graph (their arrivals also wait for earlier arrivals)
 * and the graph is checked again.
 */
import type { Plan } from '../model/plan.js';
import type { PolicyDoc } from '../model/instance.js';
import type { Problem, Violation } from '../plugin-api.js';
import { buildDependencies } from './dependencies.js';
import { DEFAULT_DURATION_OPTIONS, type DurationOptions } from './duration.js';
import { scheduleInput, scheduleMakespans } from './makespan.js';
import { flattenWaves, verifyDependencyGraph } from './verify.js';

export interface AttachResult {
  valid: boolean;
  violations: Violation[];
  /** Hosts that needed the strict graph. */
  strictHosts: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Duration options from the policy: the `duration` cost plugin's, when it is the cost; the defaults otherwise. */
export function durationOptionsOf(policy: PolicyDoc | undefined): DurationOptions {
  const cost = policy?.cost;
  const o = typeof cost === 'object' && cost.name === 'duration' ? cost.options ?? {} : {};
  const pick = <K extends keyof DurationOptions>(key: K): DurationOptions[K] => {
    const x = o[key];
    return (typeof x === typeof DEFAULT_DURATION_OPTIONS[key] ? x : DEFAULT_DURATION_OPTIONS[key]) as DurationOptions[K];
  };
  return {
    dirtyRate: pick('dirtyRate'), maxDowntime: pick('maxDowntime'), maxRounds: pick('maxRounds'),
    setup: pick('setup'), resource: pick('resource'), linkMbps: DEFAULT_DURATION_OPTIONS.linkMbps,
  };
}

/** Adds the schedule to `plan` (which must have passed verifyPlan); nothing is attached when the graph fails. */
export function attachSchedule(problem: Problem, plan: Plan, options: DurationOptions = DEFAULT_DURATION_OPTIONS): AttachResult {
  const flat = flattenWaves(problem, plan.waves);
  if (!flat.plan) return { valid: false, violations: flat.violations, strictHosts: 0 };
  const { model } = problem;
  // Refined room first; where a rule fails, the plain room, then the strict graph, on those hosts, then everywhere.
  let strict = new Set<number>();
  let unrefined = new Set<number>();
  // A rule that is not monotone: the one order the replay verifier checked step by step.
  const ordered = problem.rules.some((r) => r.monotone === false);
  let deps = ordered ? Array.from({ length: flat.plan.n }, (_, m) => (m ? [m - 1] : [])) : buildDependencies(model, flat.plan, { refine: problem });
  let check = ordered ? { valid: true, violations: [], ruleHosts: new Set<number>() } : verifyDependencyGraph(problem, flat.plan, deps);
  for (let attempt = 0; !check.valid && check.ruleHosts.size > 0 && attempt < 3; attempt++) {
    if (attempt === 0) unrefined = new Set(check.ruleHosts);
    else if (attempt === 1) strict = new Set([...unrefined, ...check.ruleHosts]);
    else strict = unrefined = new Set(model.hosts.map((h) => h.index));
    deps = buildDependencies(model, flat.plan, { refine: problem, unrefined: (h) => unrefined.has(h), strict: (h) => strict.has(h) });
    check = verifyDependencyGraph(problem, flat.plan, deps);
  }
  if (!check.valid) return { valid: false, violations: check.violations, strictHosts: strict.size };

  const spans = scheduleMakespans(scheduleInput(model, flat.plan, options), deps);
  const { start, end } = spans.dependencies;
  let m = 0;
  for (const w of plan.waves) {
    for (const mig of w.migrations) {
      mig.after = deps[m]!;
      mig.estimatedStart = round3(start[m]!);
      mig.estimatedSeconds = round3(end[m]! - start[m]!);
      m++;
    }
  }
  plan.stats.makespan = {
    waves: round3(spans.waves.makespan), dependencies: round3(spans.dependencies.makespan),
    ...(spans.chosen === 'waves' ? { asap: round3(spans.asap) } : {}),
  };
  if (spans.chosen === 'waves') {
    (plan.notes ??= []).push(`starting each migration as soon as its dependencies end was estimated at ${round3(spans.asap)} s, longer than the waves (${round3(spans.waves.makespan)} s) because migrations would share links: the migrations' estimated starts are the waves'`);
  }
  return { valid: true, violations: [], strictHosts: strict.size };
}
