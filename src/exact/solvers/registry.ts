/**
 * The solver backends by name, so that callers (and the worker thread, which
 * receives only a name) need not import each backend module themselves.
 */

import type { SolverBackend } from './backend.js';
import { glpkBackend } from './glpk.js';
import { highsBackend } from './highs.js';
import { jslpBackend } from './jslp.js';

export const backendNames = ['glpk', 'highs', 'jslp'] as const;

export type BackendName = (typeof backendNames)[number];

const backends: Record<BackendName, SolverBackend> = {
  glpk: glpkBackend,
  highs: highsBackend,
  jslp: jslpBackend,
};

export function isBackendName(name: string): name is BackendName {
  return (backendNames as readonly string[]).includes(name);
}

/** The backend called name; throws for an unknown name. */
export function getBackend(name: string): SolverBackend {
  if (!isBackendName(name)) throw new Error(`unknown solver backend '${name}' (known: ${backendNames.join(', ')})`);
  return backends[name];
}

/** The names of the backends that can be loaded here. */
export async function availableBackends(): Promise<BackendName[]> {
  const ok = await Promise.all(backendNames.map((n) => backends[n].available()));
  return backendNames.filter((_, i) => ok[i]);
}
