/**
 * What the service runs: one function per kind of job, each the same library call
 * and serialisation as the CLI command of that name, and the outcome as plain JSON
 * (it crosses a thread or Redis). Runs inside a pool worker, never on the event loop.
 */
import 'reflect-metadata';
import type { PluginRef, PolicyDoc } from '../model/instance.js';
import type { Plan } from '../model/plan.js';
import { loadInstance, solveLoaded, verifyAgainst, PlanRejectedError, type LoadOptions } from '../api.js';
import { InputError, type InputIssue } from '../io/errors.js';
import { misplacedVms } from '../model/model.js';
import { retarget, withoutTarget } from '../placement/retarget.js';
import { targetMetrics } from '../placement/metrics.js';
import { NoTargetError, notesOf } from '../placement/strategy.js';
import { evaluateStrategies } from '../placement/evaluate.js';

/** The CLI's exit codes, which the service reports with every outcome. */
export const EXIT_CODE = { ok: 0, internal: 1, invalidPlan: 1, input: 2, infeasible: 3, unknown: 4 } as const;

export type JobKind = 'plan' | 'target' | 'evaluation';

export interface PlanBody { instance: unknown; policy?: PolicyDoc; engine?: string; objective?: 'cost' | 'makespan'; timeLimit?: number }
export interface TargetBody { instance: unknown; policy?: PolicyDoc; strategy: PluginRef; timeLimit?: number }
export interface EvaluationBody { instance: unknown; policy?: PolicyDoc; strategies: PluginRef[]; timeLimit?: number }
export interface VerifyBody { instance: unknown; plan: unknown; policy?: PolicyDoc }
export interface ValidateBody { instance: unknown; policy?: PolicyDoc }

export interface JobRequest { kind: JobKind; body: PlanBody | TargetBody | EvaluationBody }

/** What went wrong, as the CLI would say it: its exit code, a message, and each input issue by JSON path. */
export interface JobError { exitCode: number; message: string; issues?: InputIssue[] }

export type Outcome =
  | { state: 'done'; exitCode: number; result: unknown }
  | { state: 'failed'; error: JobError };

export interface Progress { done: number; total: number; note?: string }

export interface RunOptions {
  onProgress?: (p: Progress) => void;
  timeLimit?: number;
  /** User plugin directories, from the server's or worker's --plugins (never from a request). */
  pluginDirs?: string[];
}

/** The policy the CLI would build from --policy, --engine and --objective. */
export function planPolicy(body: PlanBody): PolicyDoc | undefined {
  let policy = body.policy;
  if (body.engine) policy = { ...(policy ?? {}), engine: body.engine };
  if (body.objective) {
    const ref = policy?.engine ?? 'heuristic';
    const name = typeof ref === 'string' ? ref : ref.name;
    const given = typeof ref === 'string' ? {} : (ref.options ?? {});
    policy = { ...(policy ?? {}), engine: { name, options: { ...given, objective: body.objective } } };
  }
  return policy;
}

/** Load options whose messages name the request's fields: issues say "instance" or "policy" as their source. */
export function loadOptionsOf(policy: PolicyDoc | undefined, pluginDirs: string[] = []): LoadOptions {
  return { policy, source: 'instance', policySource: 'policy', pluginDirs };
}

/** An input issue as a JSON pointer into the request body. */
export function bodyIssue(issue: InputIssue, errorSource: string): InputIssue {
  const source = issue.source ?? errorSource;
  const root = source === 'instance' || source === 'policy' || source === 'plan' ? `/${source}` : '';
  return { path: `${root}${issue.path}`, message: issue.message };
}

/** Any error as the CLI would report it; never a stack trace. */
export function errorOf(e: unknown): JobError {
  if (e instanceof InputError) {
    return { exitCode: EXIT_CODE.input, message: 'invalid input', issues: e.issues.map((i) => bodyIssue(i, e.source)) };
  }
  if (e instanceof NoTargetError) return { exitCode: EXIT_CODE.unknown, message: `no target: ${e.message}` };
  if (e instanceof PlanRejectedError) return { exitCode: EXIT_CODE.internal, message: `internal error: ${e.message}` };
  return { exitCode: EXIT_CODE.internal, message: `internal error: ${(e as Error)?.message ?? String(e)}` };
}

const found = (plan: Plan) => plan.status === 'optimal' || plan.status === 'feasible';
const planExit = (plan: Plan) => (found(plan) ? EXIT_CODE.ok : plan.status === 'infeasible' ? EXIT_CODE.infeasible : EXIT_CODE.unknown);

/** The plan exactly as `shunt plan --json` prints it (same object, same serialisation). */
async function runPlan(body: PlanBody, options: RunOptions): Promise<Outcome> {
  const loaded = await loadInstance(body.instance, loadOptionsOf(planPolicy(body), options.pluginDirs));
  const onProgress = options.onProgress ? (done: number, total: number, note?: string) => options.onProgress!({ done, total, ...(note ? { note } : {}) }) : undefined;
  const plan = await solveLoaded(loaded, { timeLimit: options.timeLimit, onProgress });
  return { state: 'done', exitCode: planExit(plan), result: JSON.parse(JSON.stringify(plan, null, 2)) };
}

/** As `shunt target --json --out`: the new instance, the strategy, its notes and the figures. */
async function runTarget(body: TargetBody, options: RunOptions): Promise<Outcome> {
  const r = await retarget(body.instance, loadOptionsOf(body.policy, options.pluginDirs), body.strategy, { timeLimit: options.timeLimit });
  const result = { instance: r.doc, strategy: r.source.strategy!.name, notes: notesOf(r.source.strategy), ...targetMetrics(r.source.problem, r.target) };
  return { state: 'done', exitCode: EXIT_CODE.ok, result: JSON.parse(JSON.stringify(result)) };
}

/** As `shunt evaluate --json`: one row per strategy, the placement first. */
async function runEvaluation(body: EvaluationBody, options: RunOptions): Promise<Outcome> {
  const rows = await evaluateStrategies(body.instance, body.strategies, { ...loadOptionsOf(body.policy, options.pluginDirs), timeLimit: options.timeLimit });
  const complete = rows.every((r) => r.status === 'ok' && (r.strategy === 'placement' || (r.path && (r.path.status === 'optimal' || r.path.status === 'feasible'))));
  return { state: 'done', exitCode: complete ? EXIT_CODE.ok : EXIT_CODE.unknown, result: JSON.parse(JSON.stringify(rows)) };
}

/** Runs one job to its outcome; every error becomes a failed outcome. */
export async function runJob(request: JobRequest, options: RunOptions = {}): Promise<Outcome> {
  try {
    if (request.kind === 'plan') return await runPlan(request.body as PlanBody, options);
    if (request.kind === 'target') return await runTarget(request.body as TargetBody, options);
    return await runEvaluation(request.body as EvaluationBody, options);
  } catch (e) {
    return { state: 'failed', error: errorOf(e) };
  }
}

/** As `shunt verify --json`: exit 0 when the plan is valid, 1 when not. */
export async function runVerify(body: VerifyBody, pluginDirs: string[] = []): Promise<Outcome> {
  try {
    const result = await verifyAgainst(body.instance, body.plan, { ...loadOptionsOf(body.policy, pluginDirs), planSource: 'plan' });
    return { state: 'done', exitCode: result.valid ? EXIT_CODE.ok : EXIT_CODE.invalidPlan, result: JSON.parse(JSON.stringify(result)) };
  } catch (e) {
    return { state: 'failed', error: errorOf(e) };
  }
}

/** As `shunt validate --json`; also the check every job passes before it is queued. */
export async function runValidate(body: ValidateBody, pluginDirs: string[] = []): Promise<Outcome> {
  try {
    const loaded = await loadInstance(body.instance, loadOptionsOf(body.policy, pluginDirs));
    const m = loaded.model;
    const result = { valid: true, hosts: m.hosts.length, vms: m.vms.length, resources: m.resources, requiredMoves: misplacedVms(m).length, rules: loaded.problem.rules.map((r) => r.name), cost: loaded.problem.cost.name };
    return { state: 'done', exitCode: EXIT_CODE.ok, result };
  } catch (e) {
    return { state: 'failed', error: errorOf(e) };
  }
}

/** An issue in the engine that the request's own `engine` or `objective` field chose is that field's. */
function planField(body: PlanBody, path: string): string {
  if (body.objective && path.startsWith('/policy/engine/options/objective')) return path.replace('/policy/engine/options/objective', '/objective');
  if (body.engine && /^\/policy\/engine(?=\/|$)/.test(path)) return path.replace('/policy/engine', '/engine');
  return path;
}

/**
 * The checks a job passes before it is queued, so that bad input is a 400 at once:
 * the instance and policy as the job will load them (for a strategy, with it).
 */
export async function precheck(request: JobRequest, pluginDirs: string[] = []): Promise<JobError | undefined> {
  const body = request.body;
  try {
    if (request.kind === 'plan') await loadInstance(body.instance, loadOptionsOf(planPolicy(body as PlanBody), pluginDirs));
  } catch (e) {
    const error = errorOf(e);
    return { ...error, issues: error.issues?.map((issue) => ({ ...issue, path: planField(body as PlanBody, issue.path) })) };
  }
  if (request.kind === 'plan') return undefined;
  const refs = request.kind === 'target' ? [(body as TargetBody).strategy] : (body as EvaluationBody).strategies;
  for (const [i, strategy] of refs.entries()) {
    try {
      await loadInstance(withoutTarget(body.instance), loadOptionsOf({ ...(body.policy ?? {}), strategy }, pluginDirs));
    } catch (e) {
      // The strategy was the request's own field, not the policy's: say so in the path.
      const field = request.kind === 'target' ? '/strategy' : `/strategies/${i}`;
      const error = errorOf(e);
      return { ...error, issues: error.issues?.map((issue) => ({ ...issue, path: issue.path.replace(/^\/policy\/strategy(?=\/|$)/, field) })) };
    }
  }
  return undefined;
}
