/**
 * The solver backends by name, so that callers (and the worker thread, which
 * receives only a name) need not import each backend module themselves.
 */

import type { SolverBackend } from './backend.js';
import { backendNames, isBackendName, type BackendName } from './names.js';

export { backendNames, isBackendName, type BackendName };

// Each solver module (and its package) is imported on first use, not when the registry is.
const loaders: Record<BackendName, () => Promise<SolverBackend>> = {
  glpk: async () => (await import('./glpk.js')).glpkBackend,
  highs: async () => (await import('./highs.js')).highsBackend,
  jslp: async () => (await import('./jslp.js')).jslpBackend,
};

function lazyBackend(name: BackendName): SolverBackend {
  let loaded: Promise<SolverBackend> | undefined;
  const load = () => (loaded ??= loaders[name]());
  return {
    name,
    available: async () => (await load()).available(),
    solve: async (req, onProgress) => (await load()).solve(req, onProgress),
  };
}

const backends: Record<BackendName, SolverBackend> = {
  glpk: lazyBackend('glpk'),
  highs: lazyBackend('highs'),
  jslp: lazyBackend('jslp'),
};

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
