/**
 * The kernel's side of the plugin contracts: everything a plugin returns is checked where it
 * crosses into shunt. A user plugin that breaks its contract ends the run with exit 2 naming
 * the plugin, the function, the input and the value; a built-in one is an internal error
 * (exit 1), named the same way.
 */
import type { Model } from '../model/model.js';
import type { StateView } from '../model/state.js';
import type {
  CostFunction, Engine, OvercommitRule, PlacementStrategy, PluginKind, PluginManifest, SanityRule, Violation,
} from '../plugin-api.js';
import { describeValue, InputError } from '../io/errors.js';
import { PAGE_SHARING } from '../placement/sharing-tree.js';

/** Who made a plugin, for messages and for telling a user's breach from an internal bug. */
export interface PluginOrigin {
  manifest: PluginManifest;
  /** "built-in ..." or the manifest's path. */
  origin: string;
  builtin: boolean;
}

/** A user plugin broke its contract (exit 2). */
export class PluginContractError extends InputError {
  constructor(readonly plugin: string, message: string) {
    super(`plugin ${plugin}`, [{ path: '', message }]);
    this.name = 'PluginContractError';
  }
}

const describe = (value: unknown): string => {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (value instanceof Float64Array || value instanceof Int32Array) return `${value.constructor.name}(${value.length})`;
  return describeValue(value);
};

/** Raises the breach: the plugin, the function with its input, what came back and what was due. */
export function breach(who: PluginOrigin, call: string, what: string): never {
  const name = `${who.manifest.kind} plugin "${who.manifest.name}"`;
  const message = `${name} broke its contract: ${call} ${what}`;
  if (who.builtin) throw new Error(`${message} (${who.origin}; a bug in shunt)`);
  throw new PluginContractError(who.manifest.name, `${message} (${who.origin})`);
}

/** Calls fn; anything it throws (but bad input, which plugins may raise) is reported naming the plugin. */
function guarded<T>(who: PluginOrigin, call: () => string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    return threw(who, call, e);
  }
}

/** What guarded() does with what a call threw (hot wrappers call it from their own catch: no closure per call). */
function threw(who: PluginOrigin, call: () => string, e: unknown): never {
  if (e instanceof InputError) throw e;
  return breach(who, call(), `threw ${e instanceof Error ? `${e.name}: ${e.message}` : describe(e)}`);
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

const SHAPES: Record<PluginKind, { functions: string[]; strings: string[] }> = {
  rule: { functions: ['check', 'admits'], strings: ['name'] },
  cost: { functions: ['cost'], strings: ['name', 'unit'] },
  overcommit: { functions: ['usable'], strings: ['name'] },
  engine: { functions: ['solve'], strings: ['name'] },
  strategy: { functions: ['choose'], strings: ['name'] },
};

/** create() returned an object of the declared kind. */
function checkShape(who: PluginOrigin, value: unknown, options: Record<string, unknown>): void {
  const { kind } = who.manifest;
  const call = `create(${describe(options)})`;
  if (!isObject(value)) breach(who, call, `returned ${describe(value)}: a ${kind} plugin's create() must return an object`);
  const shape = SHAPES[kind];
  for (const f of shape.functions) if (typeof value[f] !== 'function') breach(who, call, `returned an object without ${f}(): a ${kind} needs ${shape.functions.join(', ')}`);
  for (const s of shape.strings) if (typeof value[s] !== 'string') breach(who, call, `returned an object whose ${s} is ${describe(value[s])}, not a string`);
}

/** Names of a model's things for messages, tolerant of out-of-range indices. */
const vmName = (model: Model, v: number) => (model.vms[v] ? JSON.stringify(model.vms[v]!.name) : `#${v}`);
const hostName = (model: Model, h: number) => (model.hosts[h] ? JSON.stringify(model.hosts[h]!.name) : `#${h}`);

function wrapCost(who: PluginOrigin, cost: CostFunction, model: Model): CostFunction {
  const checked = (call: () => string, x: unknown): number => {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) breach(who, call(), `returned ${describe(x)}: a cost must be a finite number >= 0`);
    return x;
  };
  const w = Object.create(cost) as { -readonly [K in keyof CostFunction]: CostFunction[K] };
  // Called for every migration: no closure on the way (the call is described only when something is wrong).
  const costCall = (v: number, from: number, to: number) => () => `cost(vm ${vmName(model, v)}, from ${hostName(model, from)}, to ${hostName(model, to)})`;
  w.cost = (v, from, to) => {
    let x: number;
    try { x = cost.cost(v, from, to); } catch (e) { return threw(who, costCall(v, from, to), e); }
    return typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : checked(costCall(v, from, to), x);
  };
  if (typeof cost.minCost === 'function') {
    const minCall = (v: number) => () => `minCost(vm ${vmName(model, v)})`;
    w.minCost = (v) => {
      let x: number;
      try { x = cost.minCost!(v); } catch (e) { return threw(who, minCall(v), e); }
      return typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : checked(minCall(v), x);
    };
  }
  return w;
}

const VIOLATION_STRINGS = ['host', 'vm', 'resource'] as const;
const VIOLATION_NUMBERS = ['load', 'limit', 'wave'] as const;

function violationProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not an object';
  if (typeof x['rule'] !== 'string' || !x['rule']) return `has rule ${describe(x['rule'])}, not a name`;
  if (typeof x['message'] !== 'string' || !x['message']) return `has message ${describe(x['message'])}, not a text`;
  for (const k of VIOLATION_STRINGS) if (x[k] !== undefined && typeof x[k] !== 'string') return `has ${k} ${describe(x[k])}, not a string`;
  for (const k of VIOLATION_NUMBERS) if (x[k] !== undefined && (typeof x[k] !== 'number' || Number.isNaN(x[k]))) return `has ${k} ${describe(x[k])}, not a number`;
  return undefined;
}

function describeState(model: Model, state: StateView, hosts?: Iterable<number>): string {
  const moving = model.vms.length <= 100_000 ? model.vms.filter((_, v) => state.destinationOf(v) >= 0).length : 0;
  const scope = hosts ? `hosts ${[...hosts].slice(0, 5).map((h) => hostName(model, h)).join(', ')}` : 'every host';
  return `check(a state with ${moving} VMs in flight, ${scope})`;
}

function wrapRule(who: PluginOrigin, rule: SanityRule, model: Model): SanityRule {
  const w = Object.create(rule) as { -readonly [K in keyof SanityRule]: SanityRule[K] };
  // Called for every state the graph check builds: no closure on the way (the call is described only when something is wrong).
  const checkCall = (state: StateView, list: number[] | undefined) => describeState(model, state, list);
  w.check = (state, hosts) => {
    const list = hosts === undefined ? undefined : [...hosts];
    let out: unknown;
    try { out = rule.check(state, list); } catch (e) { return threw(who, () => checkCall(state, list), e); }
    if (!Array.isArray(out)) breach(who, checkCall(state, list), `returned ${describe(out)}: check() must return an array of violations {rule, message, ...}`);
    for (let i = 0; i < out.length; i++) {
      const bad = violationProblem(out[i]);
      if (bad) breach(who, checkCall(state, list), `returned a violation ${describe(out[i])} that ${bad}: a violation is {rule, message, host?, vm?, resource?, load?, limit?}`);
    }
    return out as Violation[];
  };
  // Called for every candidate move: no closure on the way (the call is described only when something is wrong).
  const admitsCall = (v: number, h: number) => () => `admits(vm ${vmName(model, v)}, host ${hostName(model, h)})`;
  w.admits = (state, v, h) => {
    let out: boolean;
    try { out = rule.admits(state, v, h); } catch (e) { return threw(who, admitsCall(v, h), e); }
    if (typeof out !== 'boolean') breach(who, admitsCall(v, h)(), `returned ${describe(out)}: admits() must return true or false`);
    return out;
  };
  if (typeof rule.movable === 'function') {
    w.movable = (v) => {
      const call = () => `movable(vm ${vmName(model, v)})`;
      const out = guarded(who, call, () => rule.movable!(v));
      if (typeof out !== 'boolean') breach(who, call(), `returned ${describe(out)}: movable() must return true or false`);
      return out;
    };
  }
  wrapServiceLevels(who, rule, w, model);
  const owned = rule.limitsResources;
  if (owned !== undefined && (!Array.isArray(owned) || owned.some((r) => typeof r !== 'string'))) {
    breach(who, 'create()', `returned a rule whose limitsResources is ${describe(owned)}, not a list of resource names`);
  }
  // The manifest declares what the kernel and the planner must know (not the object's shape).
  if (who.manifest.monotone === false) (w as { monotone?: boolean }).monotone = false;
  (w as { provides?: readonly string[] }).provides = [...(who.manifest.provides ?? [])];
  if (who.manifest.provides?.includes(PAGE_SHARING)) {
    const r = rule as unknown as Record<string, unknown>;
    const missing = ['targetAdmits', 'limitOf'].filter((f) => typeof r[f] !== 'function');
    if (!isObject(r['sharing']) || missing.length) breach(who, 'create()', `returned a rule without ${missing.length ? `${missing.join(', ')}()` : 'its sharing tree'}, though its manifest says it provides "${PAGE_SHARING}"`);
  }
  return w;
}

/** The optional service-level hooks: groups checked once, maxMoves and admitsLive on every call. */
function wrapServiceLevels(who: PluginOrigin, rule: SanityRule, w: { -readonly [K in keyof SanityRule]: SanityRule[K] }, model: Model): void {
  const groups = rule.migrationGroups as unknown;
  if (groups !== undefined) {
    const V = model.vms.length;
    const bad = !Array.isArray(groups) ? groups : groups.find((g: unknown) => !isObject(g) || typeof g['name'] !== 'string'
      || !Number.isInteger(g['limit']) || (g['limit'] as number) < 1
      || !Array.isArray(g['vms']) || (g['vms'] as unknown[]).some((v) => !Number.isInteger(v) || (v as number) < 0 || (v as number) >= V));
    if (!Array.isArray(groups) || bad !== undefined) {
      breach(who, 'create()', `returned migrationGroups with ${describe(bad)}: each is {name, vms: VM indices, limit: an integer >= 1}`);
    }
  }
  if (typeof rule.maxMoves === 'function') {
    w.maxMoves = (v) => {
      const call = () => `maxMoves(vm ${vmName(model, v)})`;
      const out = guarded(who, call, () => rule.maxMoves!(v));
      if (typeof out !== 'number' || Number.isNaN(out) || out < 0) breach(who, call(), `returned ${describe(out)}: maxMoves() must return a number >= 0 (Infinity: no limit)`);
      return out;
    };
  }
  if (typeof rule.admitsLive === 'function') {
    w.admitsLive = (v, from, to) => {
      const call = () => `admitsLive(vm ${vmName(model, v)}, ${hostName(model, from)} -> ${hostName(model, to)})`;
      const out = guarded(who, call, () => rule.admitsLive!(v, from, to));
      if (typeof out !== 'boolean') breach(who, call(), `returned ${describe(out)}: admitsLive() must return true or false`);
      return out;
    };
  }
}

function wrapOvercommit(who: PluginOrigin, rule: OvercommitRule): OvercommitRule {
  const w = Object.create(rule) as { -readonly [K in keyof OvercommitRule]: OvercommitRule[K] };
  w.usable = (model) => {
    const call = () => 'usable(model)';
    const out = guarded(who, call, () => rule.usable(model)) as unknown;
    const size = model.hosts.length * model.resources.length;
    if (!(out instanceof Float64Array) || out.length !== size) breach(who, call(), `returned ${describe(out)}: usable() must return a Float64Array of ${size} amounts (hosts x resources)`);
    const bad = out.findIndex((x) => Number.isNaN(x) || x < 0);
    if (bad >= 0) {
      const R = model.resources.length;
      breach(who, call(), `returned ${out[bad]} for resource "${model.resources[bad % R]}" of host ${hostName(model, Math.floor(bad / R))}: an amount must be a number >= 0`);
    }
    return out;
  };
  return w;
}

function wrapStrategy(who: PluginOrigin, strategy: PlacementStrategy): PlacementStrategy {
  const w = Object.create(strategy) as { -readonly [K in keyof PlacementStrategy]: PlacementStrategy[K] };
  w.choose = async (problem, run) => {
    const out = (await strategy.choose(problem, run)) as unknown;
    const { model } = problem;
    const ok = (out instanceof Int32Array || Array.isArray(out)) && out.length === model.vms.length
      && (out as ArrayLike<number>).length === model.vms.length && Array.prototype.every.call(out, (h: unknown) => Number.isInteger(h) && (h as number) >= 0 && (h as number) < model.hosts.length);
    if (!ok) breach(who, 'choose(problem)', `returned ${describe(out)}: a target is an Int32Array with a host index for each of the ${model.vms.length} VMs`);
    return Int32Array.from(out as ArrayLike<number>);
  };
  return w;
}

function wrapEngine(who: PluginOrigin, engine: Engine): Engine {
  const w = Object.create(engine) as { -readonly [K in keyof Engine]: Engine[K] };
  w.solve = async (problem, run) => {
    const out = (await engine.solve(problem, run)) as unknown;
    if (!isObject(out) || !['optimal', 'feasible', 'infeasible', 'unknown'].includes(out['status'] as string) || !Array.isArray(out['waves']) || !isObject(out['stats'])) {
      breach(who, 'solve(problem)', `returned ${describe(out)}: a plan has a status (optimal, feasible, infeasible, unknown), waves and stats`);
    }
    return out as never;
  };
  return w;
}

/** Checks what create() returned and wraps it so that everything it returns later is checked too. */
export function checkedPlugin(who: PluginOrigin, value: unknown, options: Record<string, unknown>, model: Model): unknown {
  checkShape(who, value, options);
  switch (who.manifest.kind) {
    case 'cost': return wrapCost(who, value as CostFunction, model);
    case 'rule': return wrapRule(who, value as SanityRule, model);
    case 'overcommit': return wrapOvercommit(who, value as OvercommitRule);
    case 'strategy': return wrapStrategy(who, value as PlacementStrategy);
    case 'engine': return wrapEngine(who, value as Engine);
  }
}

/** Calls create() naming the plugin when it throws anything but bad input. */
export function createPlugin(who: PluginOrigin, create: () => unknown, options: Record<string, unknown>): unknown {
  return guarded(who, () => `create(${describe(options)})`, create);
}
