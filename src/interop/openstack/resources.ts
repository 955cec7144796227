/** Placement resource classes and shunt resource names, and what a flavor asks for. */
import type { ResourceMap } from '../../model/instance.js';
import type { Flavor } from './responses.js';

const NAMES: Record<string, string> = { MEMORY_MB: 'ram', VCPU: 'cpu', DISK_GB: 'disk' };

/** MEMORY_MB -> ram, VCPU -> cpu, DISK_GB -> disk; any other class keeps its name. */
export const resourceOf = (rc: string): string => NAMES[rc] ?? rc;

export function toResources(classes: ReadonlyMap<string, number>): ResourceMap {
  const out: ResourceMap = {};
  for (const [rc, n] of classes) if (n > 0) out[resourceOf(rc)] = (out[resourceOf(rc)] ?? 0) + n;
  return out;
}

const OVERRIDE = /^resources\d*:([A-Z][A-Z0-9_]*)$/;

/**
 * What Nova's scheduler claims in Placement for a flavor: VCPU (PCPU with hw:cpu_policy
 * dedicated), MEMORY_MB, DISK_GB = root (none when booted from a volume) + ephemeral +
 * swap in whole GB; `resources:CLASS=N` extra specs override a class (0 removes it).
 */
export function flavorClasses(f: Flavor, volumeBacked: boolean): Map<string, number> {
  const m = new Map<string, number>([
    [f.extraSpecs['hw:cpu_policy'] === 'dedicated' ? 'PCPU' : 'VCPU', f.vcpus],
    ['MEMORY_MB', f.ram],
    ['DISK_GB', (volumeBacked ? 0 : f.disk) + f.ephemeral + Math.ceil(f.swap / 1024)],
  ]);
  for (const [key, value] of Object.entries(f.extraSpecs)) {
    const rc = OVERRIDE.exec(key)?.[1];
    const n = Number(value);
    if (rc !== undefined && Number.isFinite(n)) m.set(rc, n);
  }
  for (const [rc, n] of m) if (!(n > 0)) m.delete(rc);
  return m;
}
