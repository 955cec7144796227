/**
 * The live-migration duration model's options for a policy. They come from the policy's cost
 * plugin when its manifest declares the capability (`"provides": ["duration-model"]`, as the
 * built-in `duration` does): the plugin's defaults, then the policy's options. Any other cost
 * leaves the model at its defaults. Plugins are never recognised by name.
 */
import type { PolicyDoc } from '../model/instance.js';
import type { PluginManifest } from '../plugin-api.js';
import { DEFAULT_DURATION_OPTIONS, type DurationOptions } from './duration.js';

/** The capability of a cost plugin whose options are the duration model's. */
export const DURATION_MODEL = 'duration-model';

/** Where the manifests of registered plugins are found (the Kernel is one). */
export interface ManifestLookup {
  manifest(kind: 'cost', name: string): Pick<PluginManifest, 'provides' | 'defaults'> | undefined;
}

/** Duration options from the policy: its cost plugin's when that provides the duration model; the defaults otherwise. */
export function durationOptionsOf(policy: PolicyDoc | undefined, plugins: ManifestLookup): DurationOptions {
  const cost = policy?.cost;
  const ref = typeof cost === 'string' ? { name: cost } : cost;
  const manifest = ref ? plugins.manifest('cost', ref.name) : undefined;
  const o: Record<string, unknown> = manifest?.provides?.includes(DURATION_MODEL)
    ? { ...(manifest.defaults ?? {}), ...(ref?.options ?? {}) }
    : {};
  const pick = <K extends keyof DurationOptions>(key: K): DurationOptions[K] => {
    const x = o[key];
    return (typeof x === typeof DEFAULT_DURATION_OPTIONS[key] ? x : DEFAULT_DURATION_OPTIONS[key]) as DurationOptions[K];
  };
  return {
    dirtyRate: pick('dirtyRate'), maxDowntime: pick('maxDowntime'), maxRounds: pick('maxRounds'),
    setup: pick('setup'), resource: pick('resource'), linkMbps: DEFAULT_DURATION_OPTIONS.linkMbps,
  };
}
