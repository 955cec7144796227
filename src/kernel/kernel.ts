/**
 * The plugin kernel: registries per kind, loading of manifests (built-in and
 * user), and turning a policy into configured plugins for one model.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  CostFunction, Engine, OvercommitRule, PlacementStrategy, PluginContext, PluginKind, PluginManifest, PluginModule, Problem, SanityRule,
} from '../plugin-api.js';
import type { PluginRef, PolicyDoc } from '../model/instance.js';
import type { Model } from '../model/model.js';
import { InputError, type InputIssue } from '../io/errors.js';
import { SchemaValidator } from '../io/schemas.js';
import { PluginRegistry } from './registry.js';
import { TOKENS } from './tokens.js';
import { BUILTINS } from './builtins.js';
import { builtinManifest } from './builtins-manifests.js';
import { checkedPlugin, createPlugin, PluginContractError } from './contracts.js';
import { probeMonotone } from './monotone-probe.js';
import type { PluginServices } from './services.js';
import { backendNames } from '../exact/solvers/registry.js';
import { solveInWorker } from '../exact/solvers/backend.js';
import { durationOptionsOf } from '../schedule/duration-options.js';
import { container, inject, injectable } from './di.js';

export const DEFAULTS = { cost: 'ram', overcommit: 'overcommit', engine: 'heuristic' } as const;

/** A policy turned into live plugins for one model. */
export interface Configured {
  problem: Problem;
  engine: Engine;
  overcommit: OvercommitRule;
  /** Only when the policy names one. */
  strategy?: PlacementStrategy;
}

@injectable()
export class Kernel {
  private readonly registries: Record<PluginKind, PluginRegistry<unknown>>;

  constructor(
    @inject(TOKENS.costs) costs: PluginRegistry<CostFunction>,
    @inject(TOKENS.rules) rules: PluginRegistry<SanityRule>,
    @inject(TOKENS.overcommits) overcommits: PluginRegistry<OvercommitRule>,
    @inject(TOKENS.engines) engines: PluginRegistry<Engine>,
    @inject(TOKENS.strategies) strategies: PluginRegistry<PlacementStrategy>,
    @inject(TOKENS.schemas) readonly schemas: SchemaValidator,
  ) {
    this.registries = { cost: costs, rule: rules, overcommit: overcommits, engine: engines, strategy: strategies };
  }

  /** Registers a plugin after validating its manifest (checkPlugin). */
  register(manifest: unknown, module: unknown, origin: string): void {
    this.checkPlugin(manifest, module, origin);
    this.registries[(manifest as PluginManifest).kind].add({ manifest: manifest as PluginManifest, module: module as PluginModule<unknown>, origin });
  }

  /**
   * Throws an InputError unless the manifest is valid, the module exports create() and the
   * manifest's defaults satisfy its own options schema.
   */
  checkPlugin(manifest: unknown, module: unknown, origin: string): void {
    this.schemas.assert('plugin-manifest', manifest, origin);
    const m = manifest as PluginManifest;
    const mod = module as PluginModule<unknown> | undefined;
    if (!mod || typeof mod.create !== 'function') {
      throw new InputError(origin, [{ path: '/module', message: `module ${m.module} does not export create(options, context)` }]);
    }
    if (m.defaults && m.optionsSchema) {
      const issues = this.schemas.optionIssues(m.optionsSchema, m.defaults, '/defaults');
      if (issues.length) throw new InputError(origin, issues);
    }
  }

  /**
   * Registers a built-in. Its manifest and module ship with shunt, so checkPlugin runs on them
   * in the test suite (test/builtin-manifests.test.ts), not at every start: checking the 22 of
   * them compiled every options validator, a few ms of each run.
   */
  registerBuiltin(manifest: Record<string, unknown>, module: PluginModule<unknown>, origin: string): void {
    const m = manifest as unknown as PluginManifest;
    this.registries[m.kind].add({ manifest: m, module, origin });
  }

  /** Loads every manifest (*.json) in DIR and in its subfolders named after a kind. */
  async loadDirectory(dir: string): Promise<string[]> {
    const root = resolve(dir);
    let entries: string[];
    try {
      entries = readdirSync(root);
    } catch {
      throw new InputError(dir, [{ path: '', message: 'plugin directory cannot be read' }]);
    }
    const files: string[] = [];
    for (const e of entries) {
      const p = join(root, e);
      if (e.endsWith('.json') && statSync(p).isFile()) files.push(p);
      else if (e in this.registries && statSync(p).isDirectory()) {
        for (const f of readdirSync(p)) if (f.endsWith('.json')) files.push(join(p, f));
      }
    }
    const loaded: string[] = [];
    for (const file of files.sort()) {
      let manifest: unknown;
      try {
        manifest = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new InputError(file, [{ path: '', message: `not valid JSON: ${(e as Error).message}` }]);
      }
      this.schemas.assert('plugin-manifest', manifest, file);
      const modulePath = resolve(dirname(file), (manifest as PluginManifest).module);
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
      } catch (e) {
        throw new InputError(file, [{ path: '/module', message: `cannot load ${modulePath}: ${(e as Error).message}` }]);
      }
      this.register(manifest, mod['default'] ?? mod, file);
      loaded.push((manifest as PluginManifest).name);
    }
    return loaded;
  }

  names(kind: PluginKind): string[] {
    return this.registries[kind].names();
  }

  manifest(kind: PluginKind, name: string): PluginManifest | undefined {
    return this.registries[kind].get(name)?.manifest;
  }

  /**
   * Creates one plugin through the registry: options merged with the manifest's defaults and
   * validated (issues located under `path`), create() called and its result contract-checked.
   * Throws an InputError for bad references or options.
   */
  instantiate<T>(kind: PluginKind, ref: PluginRef, path: string, context: PluginContext): T {
    const name = typeof ref === 'string' ? ref : ref.name;
    const entry = this.registries[kind].get(name);
    if (!entry) throw new InputError('policy', [{ path, message: `unknown ${kind} plugin "${name}" (known: ${this.names(kind).join(', ')})` }]);
    const given = typeof ref === 'string' ? {} : (ref.options ?? {});
    const options = { ...(entry.manifest.defaults ?? {}), ...given };
    if (entry.manifest.optionsSchema) {
      const optionPath = typeof ref === 'string' ? path : `${path}/options`;
      const bad = this.schemas.optionIssues(this.withNames(entry.manifest.optionsSchema), options, optionPath);
      if (bad.length) throw new InputError('policy', bad.map((i) => ({ path: i.path, message: `plugin ${name}: ${i.message}` })));
    }
    const who = { manifest: entry.manifest, origin: entry.origin, builtin: entry.origin.startsWith('built-in ') };
    try {
      const created = createPlugin(who, () => entry.module.create(options, context), options);
      return checkedPlugin(who, created, options, context.model) as T;
    } catch (e) {
      if (e instanceof InputError && !(e instanceof PluginContractError)) {
        throw new InputError('policy', e.issues.map((i) => ({ path: path + i.path, message: `plugin ${name}: ${i.message}` })));
      }
      throw e;
    }
  }

  /** An options schema with its name lists filled from the registries ({"x-names": "solver"} and plugin kinds). */
  private withNames(schema: Record<string, unknown>): Record<string, unknown> {
    const fill = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(fill);
      if (node === null || typeof node !== 'object') return node;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = fill(v);
      const list = out['x-names'];
      if (list === 'solver') out['enum'] = [...backendNames];
      else if (typeof list === 'string' && list in this.registries) out['enum'] = this.names(list as PluginKind);
      return out;
    };
    return fill(schema) as Record<string, unknown>;
  }

  /** The services handed to every plugin in its context (see services.ts). */
  services(policy: PolicyDoc, base: () => PluginContext): PluginServices {
    return {
      solveLinear: (solver, request) => solveInWorker(solver, request),
      solvers: backendNames,
      planPath: async (problem, target, run = {}, options = {}) => {
        const model = { ...problem.model, target };
        const engine = this.instantiate<Engine>('engine', { name: DEFAULTS.engine, options }, '/engine', { ...base(), model });
        return engine.solve({ ...problem, model }, run);
      },
      createPlugin: <T>(kind: PluginKind, ref: PluginRef, path = '') => this.instantiate<T>(kind, ref, path, base()),
      names: (kind) => this.names(kind),
      defaults: (kind, name) => ({ ...(this.manifest(kind, name)?.defaults ?? {}) }),
      validateOptions: (schema, value, path) => this.schemas.optionIssues(this.withNames(schema), value, path),
      durationOptions: () => durationOptionsOf(policy, this),
    };
  }

  /** Creates the plugins a policy asks for. Every error names the policy path and the plugin. */
  configure(policy: PolicyDoc, model: Model, locate: (issue: InputIssue) => InputIssue = (i) => i, source = 'policy'): Configured {
    const issues: InputIssue[] = [];
    const unproven: SanityRule[] = []; // user rules that claim monotonicity: probed below
    let context: PluginContext;
    const services = this.services(policy, () => context);
    const make = <T>(kind: PluginKind, ref: PluginRef, path: string): T | undefined => {
      try {
        const plugin = this.instantiate<T>(kind, ref, path, context);
        const manifest = this.manifest(kind, typeof ref === 'string' ? ref : ref.name)!;
        const builtin = this.registries[kind].get(manifest.name)!.origin.startsWith('built-in ');
        if (kind === 'rule' && !builtin && manifest.monotone !== false) unproven.push(plugin as SanityRule);
        return plugin;
      } catch (e) {
        if (e instanceof InputError && !(e instanceof PluginContractError)) { issues.push(...e.issues); return undefined; }
        throw e;
      }
    };

    context = { model, services };
    const overcommit = make<OvercommitRule>('overcommit', policy.overcommit ?? DEFAULTS.overcommit, '/overcommit');
    if (!overcommit) throw new InputError(source, issues.map(locate));
    const usable = overcommit.usable(model);
    context = { model, usable, services };
    const cost = make<CostFunction>('cost', policy.cost ?? DEFAULTS.cost, '/cost');
    const engine = make<Engine>('engine', policy.engine ?? DEFAULTS.engine, '/engine');
    const rules = this.activeRules(policy, issues, make);
    const strategy = policy.strategy ? make<PlacementStrategy>('strategy', policy.strategy, '/strategy') : undefined;
    if (issues.length || !cost || !engine || (policy.strategy && !strategy)) throw new InputError(source, issues.map(locate));
    refuseNonMonotone(model, usable, unproven, this.registries.rule);
    return { problem: { model, usable, rules, cost }, engine, overcommit, ...(strategy ? { strategy } : {}) };
  }

  /**
   * The policy's rules and those whose manifest says `always`. A rule whose manifest names a
   * `yieldsTo` option is created last: that option receives the resources the other active
   * rules limit their own way (`limitsResources`), which it then leaves to them.
   */
  private activeRules(policy: PolicyDoc, issues: InputIssue[], make: <T>(kind: PluginKind, ref: PluginRef, path: string) => T | undefined): SanityRule[] {
    const listed = (policy.rules ?? []).map((ref, i) => ({ ref, path: `/rules/${i}`, name: typeof ref === 'string' ? ref : ref.name }));
    for (const name of this.names('rule')) {
      if (this.manifest('rule', name)!.always && !listed.some((r) => r.name === name)) listed.push({ ref: name, path: '/rules', name });
    }
    const yielding = (name: string) => this.manifest('rule', name)?.yieldsTo;
    const others: SanityRule[] = [];
    for (const r of listed) {
      if (yielding(r.name)) continue;
      const rule = make<SanityRule>('rule', r.ref, r.path);
      if (rule) others.push(rule);
    }
    const owned = [...new Set(others.flatMap((r) => r.limitsResources ?? []))];
    const last: SanityRule[] = [];
    for (const given of listed.filter((r) => yielding(r.name))) {
      const option = yielding(given.name)!;
      const givenOptions = typeof given.ref === 'string' ? {} : (given.ref.options ?? {});
      const raw = givenOptions[option];
      const excluded = Array.isArray(raw) ? (raw as string[]) : []; // anything else: the rule's own schema says what is wrong
      for (const [i, resource] of excluded.entries()) {
        if (!owned.includes(resource)) {
          issues.push({ path: `${given.path}/options/${option}/${i}`, message: `${given.name} leaves "${resource}" to another rule, but no active rule limits it (add one, e.g. "sharing")` });
        }
      }
      const exclude = [...new Set([...excluded, ...owned])];
      const rule = make<SanityRule>('rule', exclude.length && Array.isArray(raw ?? []) ? { name: given.name, options: { ...givenOptions, [option]: exclude } } : given.ref, given.path);
      if (rule) last.push(rule);
    }
    return [...last, ...others];
  }
}

/** A user rule that the probe finds not monotone on this model, though its manifest does not say so, is refused. */
function refuseNonMonotone(model: Model, usable: Float64Array, rules: SanityRule[], registry: PluginRegistry<unknown>): void {
  const found = probeMonotone(model, usable, rules);
  if (!found) return;
  const { rule, vm, from, to, violation } = found;
  const origin = registry.get(rule.name)?.origin;
  const [v, a, h] = [model.vms[vm]!.name, model.hosts[from]!.name, model.hosts[to]!.name];
  throw new PluginContractError(rule.name, `rule "${rule.name}" is not monotone, but its manifest${origin ? ` (${origin})` : ''} does not say so: `
    + `with VM "${v}" moved from "${a}" to "${h}" it reports "${violation.message}", yet with "${v}" on both hosts (as while migrating) it reports nothing, so adding a VM repaired a violation. `
    + 'shunt\'s planner relies on monotone rules; declare "monotone": false in the manifest (migrations then run one at a time, each step verified) or make the rule monotone');
}

/** A kernel in its own child container, with the built-ins registered. */
export function createKernel(): Kernel {
  const c = container.createChildContainer();
  c.register(TOKENS.costs, { useValue: new PluginRegistry<CostFunction>('cost') });
  c.register(TOKENS.rules, { useValue: new PluginRegistry<SanityRule>('rule') });
  c.register(TOKENS.overcommits, { useValue: new PluginRegistry<OvercommitRule>('overcommit') });
  c.register(TOKENS.engines, { useValue: new PluginRegistry<Engine>('engine') });
  c.register(TOKENS.strategies, { useValue: new PluginRegistry<PlacementStrategy>('strategy') });
  c.register(TOKENS.schemas, { useValue: sharedValidator() });
  const kernel = c.resolve(Kernel);
  for (const [path, module] of BUILTINS) kernel.registerBuiltin(builtinManifest(path), module, `built-in ${path}`);
  return kernel;
}

let validator: SchemaValidator | undefined;
function sharedValidator(): SchemaValidator {
  return (validator ??= new SchemaValidator());
}

/** Merges an instance's policy with one given separately (the latter wins per key). */
export function mergePolicies(...policies: (PolicyDoc | undefined)[]): PolicyDoc {
  return Object.assign({}, ...policies.filter(Boolean)) as PolicyDoc;
}
