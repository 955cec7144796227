import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let cached: string | undefined;

/** The directory holding shunt's package.json, from sources or from dist/. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'schemas'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the shunt package root');
    dir = up;
  }
  return (cached = dir);
}

/**
 * A compiled module a worker thread runs: `name` next to the calling module (`from`, its
 * import.meta.url: dist/ and the bundle), else at `built` under the package root (tests run the
 * sources); undefined when neither exists (not built).
 */
export function builtModule(name: string, from: string, ...built: string[]): URL | undefined {
  const here = new URL(name, from);
  if (here.protocol === 'file:' && existsSync(fileURLToPath(here))) return here;
  const file = join(packageRoot(), ...built);
  return existsSync(file) ? pathToFileURL(file) : undefined;
}
