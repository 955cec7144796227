import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginKind } from '../plugin-api.js';
import { packageRoot } from '../util/package-root.js';

const cache = new Map<string, Record<string, unknown>>();

/** A built-in plugin's manifest, by its path under plugins/. */
export function builtinManifest(path: string): Record<string, unknown> {
  let m = cache.get(path);
  if (!m) {
    m = JSON.parse(readFileSync(join(packageRoot(), 'plugins', path), 'utf8')) as Record<string, unknown>;
    cache.set(path, m);
  }
  return m;
}

/**
 * The names of the built-in plugins of a kind, sorted, read from their manifests
 * (plugins/<kind>/*.json) without loading the kernel or any plugin module: for help texts,
 * which must not pay for the plugins. Every manifest there is a built-in (BUILTINS in
 * builtins.ts registers each one; test/cli-startup.test.ts checks both lists agree).
 */
export function builtinNames(kind: PluginKind): string[] {
  const dir = join(packageRoot(), 'plugins', kind);
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => builtinManifest(`${kind}/${f}`)['name'] as string).sort();
}
