/**
 * The library API: from a document to a verified plan. Every plan returned here
 * has passed the replay verifier; its cost is the replayed cost.
 */
import type { InstanceDoc, PolicyDoc } from './model/instance.js';
import type { Plan } from './model/plan.js';
import type { Problem, Violation } from './plugin-api.js';
import { compileModel, type Model } from './model/model.js';
import { PlacementState } from './model/state.js';
import { InputError, describeValue, pointer, type InputIssue } from './io/errors.js';
import { checkInstance, resourceWarnings } from './io/validate-instance.js';
import { InstanceBytes } from './io/read.js';
import { compileInstanceBytes, type CompiledInstance } from './io/instance-pieces.js';
import { createKernel, mergePolicies, type Configured, type Kernel } from './kernel/kernel.js';
import { verifyPlan, formatViolation, type VerifyResult } from './verify/replay.js';
import { nonMonotoneRules, oneAtATime } from './verify/ordered.js';
import { describeOverload, startViolations } from './verify/overload.js';
import { attachScheduleInParallel, objectiveOf } from './schedule/attach.js';
import { durationOptionsOf } from './schedule/duration-options.js';
import { networkIssues } from './model/network.js';
import { defaultLimitsProblem, prefers } from './schedule/network-limits.js';
import { verifyDependencies } from './schedule/verify.js';
import type { AllowedAction } from './model/instance.js';
import { disruptiveFallback, coldWhereNotLive, markV2 } from './plan/fallback.js';
import { attachDowntime, attachWaveSchedule } from './schedule/downtime.js';
import { hasDisruptiveActions, hasShelving, wavesOutOfOrder } from './verify/actions.js';

export interface LoadOptions {
  /** Overrides the instance's own policy, key by key. */
  policy?: PolicyDoc;
  /** Directories of user plugins (manifests and modules). */
  pluginDirs?: string[];
  /** An existing kernel (plugins already loaded); a new one otherwise. */
  kernel?: Kernel;
  /** Name of the input, for messages. */
  source?: string;
  /** Name of the separate policy, for messages (a file name). */
  policySource?: string;
  /** The target is yet to be chosen (by a strategy): it is not checked, so an overloaded placement loads. */
  targetToChoose?: boolean;
}

export interface Loaded extends Configured {
  kernel: Kernel;
  model: Model;
  /** The instance, as `model.source` gives it (the parsed document itself is not kept). */
  doc: InstanceDoc;
  policy: PolicyDoc;
  /** What is valid but probably not meant (a capacity no VM demands); shown by validate and in plan notes. */
  warnings: string[];
}

/** A plan that failed verification: a bug in an engine, never shown as a result. */
export class PlanRejectedError extends Error {
  constructor(readonly engine: string, readonly violations: Violation[]) {
    super(`engine ${engine} produced a plan that fails verification:\n${violations.slice(0, 20).map(formatViolation).join('\n')}`);
    this.name = 'PlanRejectedError';
  }
}

/** Validates the document (schema, names, plugins, placement and target) and configures the plugins. */
export async function loadInstance(doc: unknown, options: LoadOptions = {}): Promise<Loaded> {
  const source = options.source ?? 'instance';
  const kernel = options.kernel ?? createKernel();
  // An instance's bytes (readInstance): compiled piece by piece when valid, else parsed whole and checked as before.
  let compiled: CompiledInstance | undefined;
  if (doc instanceof InstanceBytes) {
    compiled = compileInstanceBytes(doc.bytes, kernel.schemas);
    doc = compiled ? undefined : doc.parse();
  }
  for (const dir of options.pluginDirs ?? []) await kernel.loadDirectory(dir);
  const { model, policy: own, warnings } = compiled ?? checkedModel(kernel, doc, source);
  const policySource = options.policySource ?? 'policy';
  if (options.policy) kernel.schemas.assert('policy', options.policy, policySource);
  const policy = mergePolicies(own, options.policy);
  // Blame each policy key on the document it came from: the separate policy wins over the instance's.
  const locate = (issue: InputIssue): InputIssue => {
    const key = issue.path.split('/')[1] ?? '';
    return options.policy && key in options.policy
      ? { ...issue, source: policySource }
      : { ...issue, path: `/policy${issue.path}`, source };
  };
  const configured = kernel.configure(policy, model, locate, source);
  const start = startIssues(configured.problem);
  const issues = [
    ...disabledTargetIssues(model),
    ...start.issues,
    ...(options.targetToChoose ? [] : stateIssues(configured.problem, model.target, '/target', 'the target')),
  ];
  if (issues.length) throw new InputError(source, issues);
  return { ...configured, kernel, model, doc: model.source, policy, warnings: [...start.warnings, ...warnings] };
}

/** The document checked (schema, names, network; an InputError for the first that fails) and compiled. */
function checkedModel(kernel: Kernel, doc: unknown, source: string): CompiledInstance {
  const { issues: nameIssues, index } = checkInstance(kernel.schemas, doc, source);
  const instance = doc as InstanceDoc;
  const refs = [...nameIssues, ...networkIssues(instance)];
  if (refs.length) throw new InputError(source, refs);
  return { model: compileModel(instance, index), policy: instance.policy, warnings: resourceWarnings(instance) };
}

/**
 * The start placement may break rules on some hosts (overloaded hosts, src/verify/overload.ts):
 * each such violation is a warning. A violation that names no host, or any under a rule that
 * is not monotone, cannot be repaired by the host only sending: an input error.
 */
function startIssues(problem: Problem): { issues: InputIssue[]; warnings: string[] } {
  const violations = startViolations(problem);
  const issue = (message: string): InputIssue => ({ path: '/placement', message });
  const unmonotone = nonMonotoneRules(problem).map((r) => r.name);
  if (violations.length && unmonotone.length) {
    return { warnings: [], issues: violations.map((v) => issue(`the placement breaks rule ${v.rule}: ${v.message} (an overloaded start is refused under rule ${unmonotone.join(', ')}, which is not monotone)`)) };
  }
  return {
    issues: violations.filter((v) => v.host === undefined).map((v) => issue(`the placement breaks rule ${v.rule}: ${v.message} (the violation names no host, so no host can repair it by sending VMs away)`)),
    warnings: violations.filter((v) => v.host !== undefined).map(describeOverload),
  };
}

/** A disabled host receives no migration: the target may keep a VM there, never send one there. */
function disabledTargetIssues(model: Model): InputIssue[] {
  const issues: InputIssue[] = [];
  if (!model.hosts.some((h) => h.disabled)) return issues;
  for (let v = 0; v < model.vms.length; v++) {
    const to = model.target[v]!;
    if (to === model.placement[v] || !model.hosts[to]!.disabled) continue;
    const vm = model.vms[v]!.name;
    const host = model.hosts[to]!.name;
    issues.push({ path: pointer('target', vm), message: `VM ${describeValue(vm)} is targeted to host ${describeValue(host)}, which is disabled (it receives no migration)` });
  }
  return issues;
}

function stateIssues(problem: Problem, placement: Int32Array, path: string, what: string): InputIssue[] {
  const state = new PlacementState(problem.model, problem.usable, placement);
  return problem.rules.flatMap((rule) => rule.check(state)).map((v) => ({ path, message: `${what} breaks rule ${v.rule}: ${v.message}` }));
}

export interface PlanOptions extends LoadOptions {
  timeLimit?: number;
  /** Disruptive actions permitted where no live plan exists (`--allow`); the policy's `allow` otherwise. */
  allow?: AllowedAction[];
  onProgress?: (done: number, total: number, note?: string) => void;
}

/** Plans the migrations from placement to target, and verifies the plan. */
export async function planMigrations(doc: unknown, options: PlanOptions = {}): Promise<{ plan: Plan; loaded: Loaded }> {
  const loaded = await loadInstance(doc, options);
  const plan = await solveLoaded(loaded, options);
  return { plan, loaded };
}

export async function solveLoaded(loaded: Loaded, options: PlanOptions = {}): Promise<Plan> {
  const started = Date.now();
  let plan = await withActions(loaded, await loaded.engine.solve(loaded.problem, { timeLimit: options.timeLimit, onProgress: options.onProgress }), options, started);
  const ordered = nonMonotoneRules(loaded.problem).map((r) => r.name);
  if (ordered.length && (plan.status === 'optimal' || plan.status === 'feasible')) plan = serialised(plan, ordered);
  if (plan.status === 'optimal' || plan.status === 'feasible') {
    // The replay verifier runs before anything is attached; on a large plan while a thread simulates its schedules.
    const proposed = plan;
    const replayed: { check?: VerifyResult } = {};
    const replay = () => (replayed.check = verifyPlan(loaded.problem, proposed.waves)).valid;
    if (ordered.length && !replay()) {
      plan = orderBroken(plan, ordered, replayed.check!.violations);
      plan.stats.seconds = (Date.now() - started) / 1000;
      return plan;
    }
    const scheduled = await withSchedule(loaded, plan, replayed.check ? undefined : replay);
    const check = replayed.check!;
    if (!check.valid) throw new PlanRejectedError(loaded.engine.name, check.violations);
    plan = scheduled;
    plan.cost = check.cost;
    if (plan.lowerBound !== null && plan.lowerBound > check.cost) plan.lowerBound = check.cost;
    // (A rule that is not monotone keeps its one-at-a-time plan: no parallel alternative; nor does a disruptive plan.)
    const limited = ordered.length || hasDisruptiveActions(plan.waves) ? undefined : await withDefaultLimits(loaded, plan, options, started);
    if (limited) {
      (limited.notes ??= []).push(`planned with one migration in and one out per host at a time: estimated ${limited.stats.makespan?.dependencies} s, against ${plan.stats.makespan?.dependencies} s for the plan without per-host limits`);
      plan = limited;
    }
  }
  if (loaded.warnings.length) plan.notes = [...(plan.notes ?? []), ...loaded.warnings.map((w) => `warning: ${w}`)];
  plan.stats.seconds = (Date.now() - started) / 1000;
  return plan;
}

/** The engine's plan, or the disruptive fallback's when it found none; with cold allowed, live moves that cannot be live become cold. */
async function withActions(loaded: Loaded, plan: Plan, options: PlanOptions, started: number): Promise<Plan> {
  const allow = options.allow ?? loaded.policy.allow ?? [];
  if (plan.status !== 'optimal' && plan.status !== 'feasible') return withDisruption(loaded, plan, allow, options, started);
  if (allow.includes('cold')) coldWhereNotLive(loaded.problem, plan.waves, durationOptionsOf(loaded.policy, loaded.kernel));
  return plan;
}

/**
 * Dependencies, durations and makespans (the graph is verified before it is attached), downtime
 * of disruptive actions, format v2 when there are any. `replay` (the replay verifier, when not
 * run yet) runs before anything is attached: when it fails, the plan comes back as it was. Plans with shelving run wave by wave
 * (the dependency graph knows host-to-host moves only).
 */
async function withSchedule(loaded: Loaded, plan: Plan, replay?: () => boolean): Promise<Plan> {
  const durations = durationOptionsOf(loaded.policy, loaded.kernel);
  if (hasShelving(plan.waves)) {
    if (replay && !replay()) return plan;
    attachWaveSchedule(loaded.model, plan, durations);
  } else {
    const schedule = await attachScheduleInParallel(loaded.problem, plan, durations, objectiveOf(loaded.policy), { alongside: replay });
    // The replay verifier rejected the plan: the caller says why.
    if (schedule.stopped) return plan;
    if (!schedule.valid) throw new PlanRejectedError(loaded.engine.name, schedule.violations);
  }
  attachDowntime(loaded.model, plan, durations);
  return markV2(plan);
}

/** No live plan: a disruptive one when allowed, else the hint of what would permit one (src/plan/fallback.ts). */
async function withDisruption(loaded: Loaded, live: Plan, allow: readonly AllowedAction[], options: PlanOptions, started: number): Promise<Plan> {
  const limit = options.timeLimit ?? 60;
  // The run's time limit holds for the fallback too: only the time the live search left.
  const left = Math.max(0, limit - (Date.now() - started) / 1000);
  const load = async (doc: InstanceDoc) => loadInstance({ ...doc, policy: loaded.policy }, { kernel: loaded.kernel, source: options.source });
  return disruptiveFallback(live, { problem: loaded.problem, engine: loaded.engine, load, allow, timeLimit: allow.length ? left : Math.min(left, 10) });
}

/** Where hosts have no per-host limit, the plan under the default limits when the objective prefers it (network-limits.ts). */
async function withDefaultLimits(loaded: Loaded, plan: Plan, options: PlanOptions, started: number): Promise<Plan | undefined> {
  const objective = objectiveOf(loaded.policy);
  const problem = objective === 'waves' ? undefined : defaultLimitsProblem(loaded.problem);
  if (!problem) return undefined;
  // The second run shares the run's time limit: half of what is left, and none when little is.
  let timeLimit: number | undefined;
  if (options.timeLimit !== undefined) {
    const left = options.timeLimit - (Date.now() - started) / 1000;
    if (left < 0.1 * options.timeLimit) return undefined;
    timeLimit = left / 2;
  }
  const other = await loaded.engine.solve(problem, { timeLimit });
  if (other.status !== 'optimal' && other.status !== 'feasible') return undefined;
  const check = verifyPlan(loaded.problem, other.waves);
  if (!check.valid || !verifyPlan(problem, other.waves).valid) return undefined;
  other.cost = check.cost;
  if (other.lowerBound !== null && other.lowerBound > check.cost) other.lowerBound = check.cost;
  if (!(await attachScheduleInParallel(problem, other, durationOptionsOf(loaded.policy, loaded.kernel), objective)).valid) return undefined;
  const graph = verifyDependencies(loaded.problem, other.waves, other.waves.flatMap((w) => w.migrations.map((m) => m.after ?? [])));
  return graph.valid && prefers(objective, plan, other) ? other : undefined;
}

/** A rule that is not monotone: the plan runs one migration at a time, in its order. */
function serialised(plan: Plan, rules: string[]): Plan {
  const waves = oneAtATime(plan.waves);
  const { wavesLowerBound: _parallelOnly, ...stats } = plan.stats;
  const note = `rule ${rules.join(', ')} is not monotone (its manifest says so): migrations run one at a time, in order, and each step was verified`;
  return { ...plan, waves, stats: { ...stats, waves: waves.length }, notes: [...(plan.notes ?? []), note] };
}

const withoutOrderNote = (notes: string[] | undefined) => (notes ?? []).filter((n) => !n.includes('is not monotone (its manifest says so)'));

/** The engines search as if every rule were monotone; when the order they chose breaks one, nothing is proven. */
function orderBroken(plan: Plan, rules: string[], violations: Violation[]): Plan {
  return {
    ...plan, status: 'unknown', waves: [], cost: null, notes: withoutOrderNote(plan.notes),
    explanation: [`the plan found breaks rule ${rules.join(', ')} (not monotone) when its migrations run one at a time:`, ...violations.slice(0, 5).map(formatViolation)],
  };
}

/** Replays a plan against an instance and its active rules. */
export async function verifyAgainst(doc: unknown, planDoc: unknown, options: LoadOptions & { planSource?: string } = {}): Promise<VerifyResult> {
  const loaded = await loadInstance(doc, options);
  loaded.kernel.schemas.assert('plan', planDoc, options.planSource ?? 'plan');
  const waves = (planDoc as Plan).waves;
  const result = verifyPlan(loaded.problem, waves);
  // A plan that carries its dependency graph is also checked for every order the graph allows.
  const migrations = waves.flatMap((w) => w.migrations);
  if (result.valid && migrations.some((m) => m.after !== undefined) && nonMonotoneRules(loaded.problem).length) {
    // One migration at a time: each must wait for the one before it (the order verified step by step).
    const loose = migrations.findIndex((m, i) => i > 0 && !(m.after ?? []).includes(i - 1));
    if (loose > 0) return { ...result, valid: false, violations: [{ rule: 'plan', message: `migration ${loose} (${migrations[loose]!.vm}) does not wait for migration ${loose - 1}, but a rule that is not monotone needs them in order` }] };
  } else if (result.valid && hasShelving(waves)) {
    // Plans with shelving run wave by wave: whatever `after` says, each step starts after the wave before.
    const loose = wavesOutOfOrder(waves);
    if (loose) return { ...result, valid: false, violations: [loose] };
  } else if (result.valid && migrations.some((m) => m.after !== undefined)) {
    const graph = verifyDependencies(loaded.problem, waves, migrations.map((m) => m.after ?? []));
    if (!graph.valid) return { ...result, valid: false, violations: graph.violations };
  }
  return result;
}
