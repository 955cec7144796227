/**
 * Reads a snapshot directory (the files `shunt snapshot` writes, or the same API bodies
 * saved by hand). Any file may be missing; what it would carry is then unknown.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from '../../io/read.js';
import { InputError } from '../../io/errors.js';
import { Cursor } from './cursor.js';
import {
  parseAllocations, parseHypervisors, parseInventories, parseResourceProviders, parseServerGroups,
  parseServers, parseServices, parseTarget,
  type Hypervisor, type InventoryRecord, type ResourceProvider, type Server, type ServerGroup, type Service,
} from './responses.js';

export const FILES = {
  hypervisors: 'hypervisors.json',
  providers: 'resource_providers.json',
  groups: 'server_groups.json',
  services: 'services.json',
  target: 'target.json',
  inventories: 'inventories',
  allocations: 'allocations',
} as const;

/** Pages of GET /servers/detail: servers.json, servers-2.json, ... (any name servers*.json). */
export const SERVER_PAGE = /^servers.*\.json$/;

export interface CloudData {
  dir: string;
  hypervisors?: Hypervisor[];
  servers?: Server[];
  providers?: ResourceProvider[];
  /** Provider UUID -> inventories, with the file they came from. */
  inventories: Map<string, { file: string; records: Map<string, InventoryRecord> }>;
  /** Provider UUID -> consumer -> resources. */
  allocations: Map<string, { file: string; consumers: ReturnType<typeof parseAllocations> }>;
  groups?: ServerGroup[];
  services?: Service[];
  target?: Map<string, Cursor>;
}

function readOptional<T>(dir: string, name: string, parse: (c: Cursor) => T): T | undefined {
  const file = join(dir, name);
  return existsSync(file) ? parse(new Cursor(file, readJson(file))) : undefined;
}

function readServers(dir: string): Server[] | undefined {
  // servers.json first, then servers-2.json, ..., servers-10.json.
  const stem = (f: string) => f.slice(0, -'.json'.length);
  const pages = readdirSync(dir).filter((f) => SERVER_PAGE.test(f)).sort((a, b) => stem(a).localeCompare(stem(b), 'en', { numeric: true }));
  if (!pages.length) return undefined;
  const seen = new Map<string, Server>();
  for (const page of pages) {
    const file = join(dir, page);
    for (const s of parseServers(new Cursor(file, readJson(file)))) {
      const first = seen.get(s.id);
      if (first) throw new InputError(file, [{ path: `${s.path}/id`, message: `server ${s.id} is listed twice (also ${first.file} ${first.path}); pages of one listing must not overlap` }]);
      seen.set(s.id, s);
    }
  }
  return [...seen.values()];
}

/** One file per provider, named <uuid>.json, in a sub-directory. */
function readPerProvider<T>(dir: string, sub: string, parse: (c: Cursor) => T): Map<string, { file: string; value: T }> {
  const out = new Map<string, { file: string; value: T }>();
  const folder = join(dir, sub);
  if (!existsSync(folder)) return out;
  for (const name of readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
    const file = join(folder, name);
    out.set(name.slice(0, -'.json'.length), { file, value: parse(new Cursor(file, readJson(file))) });
  }
  return out;
}

export function readCloudDir(dir: string): CloudData {
  if (!existsSync(dir)) throw new InputError(dir, [{ path: '', message: 'no such directory' }]);
  const inventories = new Map([...readPerProvider(dir, FILES.inventories, parseInventories)].map(([k, v]) => [k, { file: v.file, records: v.value }]));
  const allocations = new Map([...readPerProvider(dir, FILES.allocations, parseAllocations)].map(([k, v]) => [k, { file: v.file, consumers: v.value }]));
  return {
    dir,
    hypervisors: readOptional(dir, FILES.hypervisors, parseHypervisors),
    servers: readServers(dir),
    providers: readOptional(dir, FILES.providers, parseResourceProviders),
    inventories,
    allocations,
    groups: readOptional(dir, FILES.groups, parseServerGroups),
    services: readOptional(dir, FILES.services, parseServices),
    target: readOptional(dir, FILES.target, parseTarget),
  };
}
