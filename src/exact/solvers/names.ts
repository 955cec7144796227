/** The solver backends' names, without loading any backend (the CLI lists them in its options). */
export const backendNames = ['glpk', 'highs', 'jslp'] as const;

export type BackendName = (typeof backendNames)[number];

export function isBackendName(name: string): name is BackendName {
  return (backendNames as readonly string[]).includes(name);
}
