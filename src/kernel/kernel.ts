/**
 * The plugin kernel: registries per kind, loading of manifests (built-in and
 * user), and turning a policy into configured plugins for one model.
 */
import 'reflect-metadata';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { container, inject, injectable } from 'tsyringe';
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

  /** Registers a plugin after validating its manifest. Built-ins come through here too. */
  register(manifest: unknown, module: unknown, origin: string): void {
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
    this.registries[m.kind].add({ manifest: m, module: mod, origin });
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

  /** Creates the plugins a policy asks for. Every error names the policy path and the plugin. */
  configure(policy: PolicyDoc, model: Model, locate: (issue: InputIssue) => InputIssue = (i) => i, source = 'policy'): Configured {
    const issues: InputIssue[] = [];
    const unproven: SanityRule[] = []; // user rules that claim monotonicity: probed below
    const make = <T>(kind: PluginKind, ref: PluginRef, path: string, context: PluginContext): T | undefined => {
      const name = typeof ref === 'string' ? ref : ref.name;
      const entry = this.registries[kind].get(name);
      if (!entry) {
        issues.push({ path, message: `unknown ${kind} plugin "${name}" (known: ${this.names(kind).join(', ')})` });
        return undefined;
      }
      const given = typeof ref === 'string' ? {} : (ref.options ?? {});
      const options = { ...(entry.manifest.defaults ?? {}), ...given };
      if (entry.manifest.optionsSchema) {
        const optionPath = typeof ref === 'string' ? path : `${path}/options`;
        const bad = this.schemas.optionIssues(entry.manifest.optionsSchema, options, optionPath);
        issues.push(...bad.map((i) => ({ path: i.path, message: `plugin ${name}: ${i.message}` })));
        if (bad.length) return undefined;
      }
      const who = { manifest: entry.manifest, origin: entry.origin, builtin: entry.origin.startsWith('built-in ') };
      try {
        const created = createPlugin(who, () => entry.module.create(options, context), options);
        const plugin = checkedPlugin(who, created, options, model) as T;
        if (kind === 'rule' && !who.builtin && entry.manifest.monotone !== false) unproven.push(plugin as SanityRule);
        return plugin;
      } catch (e) {
        if (e instanceof InputError && !(e instanceof PluginContractError)) { issues.push(...e.issues.map((i) => ({ path: path + i.path, message: `plugin ${name}: ${i.message}` }))); return undefined; }
        throw e;
      }
    };

    const overcommit = make<OvercommitRule>('overcommit', policy.overcommit ?? DEFAULTS.overcommit, '/overcommit', { model });
    if (!overcommit) throw new InputError(source, issues.map(locate));
    const usable = overcommit.usable(model);
    const context = { model, usable };
    const cost = make<CostFunction>('cost', policy.cost ?? DEFAULTS.cost, '/cost', context);
    const engine = make<Engine>('engine', policy.engine ?? DEFAULTS.engine, '/engine', context);
    // The other rules first: a rule that limits a resource its own way (page sharing for
    // RAM) takes it away from capacity, which would otherwise count it in full.
    const listed = (policy.rules ?? []).map((ref, i) => ({ ref, path: `/rules/${i}`, name: typeof ref === 'string' ? ref : ref.name }));
    const others: SanityRule[] = [];
    for (const r of listed) {
      if (r.name === 'capacity') continue;
      const rule = make<SanityRule>('rule', r.ref, r.path, context);
      if (rule) others.push(rule);
    }
    const owned = [...new Set(others.flatMap((r) => r.limitsResources ?? []))];
    const given = listed.find((r) => r.name === 'capacity') ?? { ref: 'capacity' as PluginRef, path: '/rules', name: 'capacity' };
    const givenOptions = typeof given.ref === 'string' ? {} : (given.ref.options ?? {});
    const raw = givenOptions['exclude'];
    const excluded = Array.isArray(raw) ? (raw as string[]) : []; // anything else: capacity's own schema says what is wrong
    for (const [i, resource] of excluded.entries()) {
      if (!owned.includes(resource)) {
        issues.push({ path: `${given.path}/options/exclude/${i}`, message: `capacity leaves "${resource}" to another rule, but no active rule limits it (add one, e.g. "sharing")` });
      }
    }
    const exclude = [...new Set([...excluded, ...owned])];
    const capacity = make<SanityRule>('rule', exclude.length && Array.isArray(raw ?? []) ? { name: 'capacity', options: { ...givenOptions, exclude } } : given.ref, given.path, context);
    const rules: SanityRule[] = capacity ? [capacity, ...others] : others;
    const strategy = policy.strategy ? make<PlacementStrategy>('strategy', policy.strategy, '/strategy', context) : undefined;
    if (issues.length || !cost || !engine || (policy.strategy && !strategy)) throw new InputError(source, issues.map(locate));
    refuseNonMonotone(model, usable, unproven, this.registries.rule);
    return { problem: { model, usable, rules, cost }, engine, overcommit, ...(strategy ? { strategy } : {}) };
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
  for (const [path, module] of BUILTINS) kernel.register(builtinManifest(path), module, `built-in ${path}`);
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
