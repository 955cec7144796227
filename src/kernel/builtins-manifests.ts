import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
