/**
 * From an instance and a strategy to the instance with its new target, loaded and
 * ready to plan: what `shunt target`, `shunt evaluate` and `shunt plan --strategy` share.
 */
import type { InstanceDoc, PluginRef, PolicyDoc } from '../model/instance.js';
import type { EngineRunOptions } from '../plugin-api.js';
import { loadInstance, type Loaded, type LoadOptions } from '../api.js';
import { InputError } from '../io/errors.js';
import { chooseTarget } from './choose.js';

/** The document without its target: a strategy replaces it, so an old one is neither checked nor kept. */
export function withoutTarget(doc: unknown): unknown {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !('target' in doc)) return doc;
  const { target: _dropped, ...rest } = doc as Record<string, unknown>;
  return rest;
}

/** The strategy reference from --strategy NAME and --with JSON (options). */
export function strategyRef(name: string, withJson?: string): PluginRef {
  if (withJson === undefined) return name;
  let options: unknown;
  try {
    options = JSON.parse(withJson);
  } catch (e) {
    throw new InputError('--with', [{ path: '', message: `not valid JSON: ${(e as Error).message}` }]);
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InputError('--with', [{ path: '', message: 'must be a JSON object of strategy options' }]);
  }
  return { name, options: options as Record<string, unknown> };
}

export interface Retargeted {
  /** The instance as loaded for the strategy (placement only). */
  source: Loaded;
  /** The instance with its new target. */
  doc: InstanceDoc;
  target: Int32Array;
  /** The new instance, loaded and checked like any input: ready to plan. */
  loaded: Loaded;
}

/**
 * Loads the instance without its target, runs the strategy (the policy's, or
 * `strategy` when given) through chooseTarget, and loads the result.
 */
export async function retarget(doc: unknown, options: LoadOptions, strategy?: PluginRef, run: EngineRunOptions = {}): Promise<Retargeted> {
  const policy: PolicyDoc | undefined = strategy ? { ...(options.policy ?? {}), strategy } : options.policy;
  const loadOptions: LoadOptions = { ...options, policy, policySource: options.policySource ?? (strategy ? '--strategy' : undefined) };
  const source = await loadInstance(withoutTarget(doc), { ...loadOptions, targetToChoose: true });
  if (!source.strategy) {
    throw new InputError(options.policySource ?? options.source ?? 'instance', [{ path: '/strategy', message: 'no placement strategy: give --strategy NAME or a policy with "strategy"' }]);
  }
  const chosen = await chooseTarget(source, run);
  const loaded = await loadInstance(chosen.doc, { ...loadOptions, kernel: source.kernel, pluginDirs: [] });
  return { source, doc: chosen.doc, target: chosen.target, loaded };
}
