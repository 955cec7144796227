/**
 * The built-in plugins' manifests and modules pass the same check as a user plugin's
 * (Kernel.checkPlugin: manifest schema, create(), defaults against the options schema). The
 * kernel registers built-ins without it at start (they ship with shunt), so it runs here.
 */
import { describe, expect, it } from 'vitest';
import { BUILTINS } from '../src/kernel/builtins.js';
import { builtinManifest } from '../src/kernel/builtins-manifests.js';
import { createKernel } from '../src/kernel/kernel.js';
import { InputError } from '../src/io/errors.js';

describe('built-in plugins', () => {
  const kernel = createKernel();

  it.each(BUILTINS.map(([path, module]) => [path, module] as const))('%s has a valid manifest, create() and defaults', (path, module) => {
    expect(() => kernel.checkPlugin(builtinManifest(path), module, `built-in ${path}`)).not.toThrow();
  });

  it('would be refused with defaults its own options schema rejects', () => {
    const [path, module] = BUILTINS.find(([p]) => p === 'engine/heuristic.json')!;
    const manifest = builtinManifest(path);
    const broken = { ...manifest, defaults: { ...(manifest['defaults'] as object), notAnOption: 1 } };
    expect(() => kernel.checkPlugin(broken, module, 'test')).toThrow(InputError);
  });

  it('each registered under its manifest\'s name and kind', () => {
    for (const [path] of BUILTINS) {
      const m = builtinManifest(path) as { name: string; kind: 'cost' | 'rule' | 'overcommit' | 'engine' | 'strategy' };
      expect(kernel.manifest(m.kind, m.name)).toBe(builtinManifest(path));
    }
  });
});
