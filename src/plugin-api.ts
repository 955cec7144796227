/**
 * The contracts between the kernel and its plugins. Plugins are created from a
 * manifest (plugins/<kind>/<name>.json) and a module exporting `create`.
 */
import type { Model } from './model/model.js';
import type { StateView } from './model/state.js';
import type { Plan } from './model/plan.js';
import type { RuleFormulation } from './exact/formulation-api.js';
import type { PluginServices } from './kernel/services.js';

export type { PluginServices } from './kernel/services.js';

export type PluginKind = 'cost' | 'rule' | 'overcommit' | 'engine' | 'strategy';

export interface PluginManifest {
  name: string;
  kind: PluginKind;
  module: string;
  description?: string;
  /** JSON Schema of the plugin's options. */
  optionsSchema?: Record<string, unknown>;
  defaults?: Record<string, unknown>;
  /**
   * Rules only: false when adding a VM to a host can repair a violation ("every host keeps a
   * VM"). The planner then runs migrations one at a time and the verifier checks each step.
   */
  monotone?: boolean;
  /**
   * Capabilities the plugin's object offers beyond its kind's contract, by name: core code asks
   * for a capability, never for a plugin's name or shape ("page-sharing": a SharingRule).
   */
  provides?: string[];
  /** Rules only: active whatever the policy lists (capacity). */
  always?: boolean;
  /**
   * Rules only: the option (a list of resource names) that receives the resources other active
   * rules limit their own way (their `limitsResources`); this rule then leaves them alone.
   */
  yieldsTo?: string;
}

/** What a plugin sees when it is created. */
export interface PluginContext {
  readonly model: Model;
  /** Usable amounts after the over-commit rule; absent while creating the over-commit rule itself. */
  readonly usable?: Float64Array;
  /** What the kernel offers every plugin: solver, default engine, other plugins, option checks. */
  readonly services: PluginServices;
}

export interface PluginModule<T> {
  create(options: Record<string, unknown>, context: PluginContext): T;
}

/** A violation found in a state or a plan. Names, not indices, so it can be printed. */
export interface Violation {
  rule: string;
  message: string;
  host?: string;
  vm?: string;
  resource?: string;
  load?: number;
  limit?: number;
  wave?: number;
  phase?: 'before' | 'during' | 'after' | 'end';
}

/**
 * A state "sanity" rule. Rules must be monotone: adding a VM to a host never
 * repairs a violation. That makes a wave's in-flight state its worst moment and
 * lets any parallel plan be run one migration at a time.
 */
export interface SanityRule {
  readonly name: string;
  /** Every violation in the state, looking only at the given hosts when given. */
  check(state: StateView, hosts?: Iterable<number>): Violation[];
  /** Fast test for planners: may the VM additionally be present on the host now? */
  admits(state: StateView, vm: number, host: number): boolean;
  /** False when the rule forbids the VM to move at all (pinning). */
  movable?(vm: number): boolean;
  /** Resources this rule limits its own way instead of capacity (which then leaves them to it). */
  readonly limitsResources?: readonly string[];
  /** Set by the kernel from the manifest: false when the rule is not monotone (see PluginManifest). */
  readonly monotone?: boolean;
  /** Set by the kernel from the manifest's `provides`. */
  readonly provides?: readonly string[];
  /** Its integer-program form, for the exact engine (absent: the exact engine refuses). */
  readonly formulation?: RuleFormulation;

  // Service-level hooks (optional; planners, the dependency schedule and the verifier honour them).
  /** Groups of VMs of which at most `limit` may be migrating at the same time (quorum of a replicated service). */
  readonly migrationGroups?: readonly MigrationGroup[];
  /** Most migrations of the VM in one plan, parking included (1 forbids parking it); absent or Infinity: no limit. */
  maxMoves?(vm: number): number;
  /** False when moving the VM live from -> to would break its service level (downtime beyond its SLA). */
  admitsLive?(vm: number, from: number, to: number): boolean;
}

/** VMs of which at most `limit` may migrate at once. */
export interface MigrationGroup {
  readonly name: string;
  readonly vms: readonly number[];
  readonly limit: number;
}

/** Computes the usable amount of every resource on every host. */
export interface OvercommitRule {
  readonly name: string;
  usable(model: Model): Float64Array;
}

export interface CostFunction {
  readonly name: string;
  /** Unit of the cost, for people ("MiB", "migrations", "s"). */
  readonly unit: string;
  cost(vm: number, from: number, to: number): number;
  /** True when the cost depends on the hosts, not only on the VM (the exact engine needs it not to). */
  readonly dependsOnRoute?: boolean;
  /** Least cost of any single migration of the VM; defaults to the direct move's cost. */
  minCost?(vm: number): number;
}

/** Everything an engine needs: the model and the active, configured plugins. */
export interface Problem {
  readonly model: Model;
  readonly usable: Float64Array;
  readonly rules: readonly SanityRule[];
  readonly cost: CostFunction;
}

export interface EngineRunOptions {
  /** Seconds; the engine stops with what it has after this. */
  timeLimit?: number;
  onProgress?: (done: number, total: number, note?: string) => void;
}

/**
 * A placement strategy chooses a target: a host per VM (indices), satisfying every
 * active rule. The caller checks it against the rules before using it.
 */
export interface PlacementStrategy {
  readonly name: string;
  choose(problem: Problem, run: EngineRunOptions): Promise<Int32Array>;
}

/** An engine returns a plan; the kernel verifies it before anybody sees it. */
export interface Engine {
  readonly name: string;
  solve(problem: Problem, options: EngineRunOptions): Promise<Plan>;
}
