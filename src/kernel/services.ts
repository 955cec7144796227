/**
 * What the kernel offers every plugin, built-in or not, through its context: the same
 * means the built-ins use, so that a user's plugin can do whatever a built-in can.
 */
import type { PluginRef } from '../model/instance.js';
import type { Plan } from '../model/plan.js';
import type { EngineRunOptions, PluginKind, Problem } from '../plugin-api.js';
import type { SolveRequest, SolveResult } from '../exact/linear-model.js';
import type { InputIssue } from '../io/errors.js';
import type { DurationOptions } from '../schedule/duration.js';

export interface PluginServices {
  /** Solves a linear (integer) model with a MIP backend in a worker thread, killed after its time limit. */
  solveLinear(solver: string, request: SolveRequest): Promise<SolveResult>;
  /** The solver backends known to this build (whether installed or not). */
  readonly solvers: readonly string[];
  /**
   * Plans the path from the problem's placement to `target` with the default engine and its
   * manifest's options (overridden by `options`); the plan is not verified here.
   */
  planPath(problem: Problem, target: Int32Array, run?: EngineRunOptions, options?: Record<string, unknown>): Promise<Plan>;
  /**
   * Creates another plugin by reference, through the kernel like a policy's plugins: options
   * validated against its manifest (errors located under `path`), results contract-checked.
   */
  createPlugin<T>(kind: PluginKind, ref: PluginRef, path?: string): T;
  /** Names of the registered plugins of a kind (user plugins included). */
  names(kind: PluginKind): string[];
  /** A registered plugin's manifest defaults. */
  defaults(kind: PluginKind, name: string): Record<string, unknown>;
  /** Issues of `value` against a JSON Schema, each located under `path`. */
  validateOptions(schema: Record<string, unknown>, value: unknown, path: string): InputIssue[];
  /** The live-migration duration model's options (the `duration` capability's, or the defaults). */
  durationOptions(): DurationOptions;
}
