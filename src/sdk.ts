/**
 * shunt's plugin SDK (`shunt/sdk`): the types a plugin implements and the helpers it may use.
 * Built-in plugins import nothing else from shunt (a lint rule checks it), so a user's plugin
 * can do whatever a built-in does. Services that need the kernel (solver in a worker, the
 * default engine, other plugins, option validation, the duration model) come in through the
 * plugin's context: `create(options, { model, usable, services })`.
 */

// The contracts (see plugin-api.ts) and the types they use.
export type {
  PluginKind, PluginManifest, PluginContext, PluginModule, PluginServices, Violation, SanityRule, MigrationGroup, OvercommitRule,
  CostFunction, Problem, EngineRunOptions, PlacementStrategy, Engine,
} from './plugin-api.js';
export type { Model, HostInfo, VmInfo } from './model/model.js';
export type { StateView } from './model/state.js';
export type { Plan, Wave, Migration, PlanStatus } from './model/plan.js';
export type { PluginRef, InstanceDoc, PolicyDoc, SlaDoc } from './model/instance.js';
export type { RuleFormulation, TimeIndexedBuilder } from './exact/formulation-api.js';
export type { LinearModel, SolveRequest, SolveResult, SolveStatus } from './exact/linear-model.js';
export type { DurationOptions, MigrationProfile, PreCopyOptions } from './schedule/duration.js';

// Errors a plugin raises: bad input (exit 2, located by JSON path) and "no target" (exit 4).
export { InputError, type InputIssue } from './io/errors.js';
export { NoTargetError, checkedTarget, targetViolation, notesOf, type ReportingStrategy } from './placement/strategy.js';

// Model and state helpers.
export { allHosts, globToRegExp } from './model/hosts.js';
export { exceeds, EPSILON } from './model/state.js';
export { minimalRemoval } from './util/minimal-removal.js';

// Engines, for engines that embed or compose them.
export { solveHeuristic, type HeuristicOptions } from './engines/heuristic/engine.js';
export { solveExact, exactUnsupported, ExactUnsupportedError, type ExactOptions } from './exact/engine.js';
export { planProof, describeProof, type ExactProof } from './exact/proof.js';
export { provenBounds } from './plan/bounds.js';

// Placement: packing, reachability and page sharing, for strategies.
export { Packer, hostsUsed, movesOf, fractionFor, type Fractions, type PackerOptions, type ChoiceMode } from './placement/pack.js';
export { directReach, plannerReaches, type DirectReach } from './placement/reach.js';
export { binPackingModel, hostLowerBound, type BinPacking } from './placement/binpack.js';
export { footprintOf } from './placement/metrics.js';
export {
  DEFAULT_SHARING, SharingTree, sharingTree, sharingRuleOf, isSharingRule, PAGE_SHARING, sharingOptionIssues, type SharingOptions, type SharingRule,
} from './placement/sharing-tree.js';

// The live-migration duration model.
export { preCopy, vmProfile, MEGABITS_PER_MIB } from './schedule/duration.js';
export { liveDowntime, worstCaseBandwidth, type LiveDowntime } from './schedule/live-downtime.js';
