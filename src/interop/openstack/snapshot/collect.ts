/**
 * Fetches everything `import openstack` reads and writes it as the directory it reads:
 * response bodies as the APIs return them, one file per page of servers.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../../../io/errors.js';
import { FILES } from '../read-dir.js';
import { RemoteError } from './http.js';
import type { OpenStackClient } from './client.js';

export interface SnapshotOptions {
  /** Placement requests in flight at once (two per provider). Default 4. */
  parallel?: number;
  /** Servers per page (the `limit` query parameter). */
  pageSize: number;
  /** Stops a listing that would never end (a server looping its `next` link). */
  maxPages: number;
}

export const DEFAULT_SNAPSHOT: SnapshotOptions = { pageSize: 1000, maxPages: 100_000 };

interface Link { rel?: string; href?: string }
type Body = Record<string, unknown>;

const nextLink = (body: Body, key: string): string | undefined => ((body[key] as Link[] | undefined) ?? []).find((l) => l.rel === 'next')?.href;

/** Each page of a listing that pages with `<key>_links` (servers, hypervisors). */
async function* pages(client: OpenStackClient, first: string, key: string, o: SnapshotOptions): AsyncGenerator<Body> {
  let url: string | undefined = first;
  const seen = new Set<string>();
  for (let n = 0; url !== undefined; n++) {
    if (n >= o.maxPages || seen.has(url)) throw new RemoteError('GET', url, 200, `the ${key} listing does not end (page ${n + 1} repeats or exceeds ${o.maxPages})`);
    seen.add(url);
    const body = await client.get('compute', url) as Body;
    if (!Array.isArray(body?.[key])) throw new RemoteError('GET', url, 200, `no "${key}" list in the answer`);
    yield body;
    url = nextLink(body, `${key}_links`);
  }
}

/** Server groups page with limit and offset, without links. */
async function serverGroups(client: OpenStackClient, o: SnapshotOptions): Promise<Body> {
  const all: unknown[] = [];
  for (let offset = 0, n = 0; ; offset += o.pageSize, n++) {
    const body = await client.get('compute', `/os-server-groups?all_projects=True&limit=${o.pageSize}&offset=${offset}`) as Body;
    const groups = body?.['server_groups'];
    if (!Array.isArray(groups)) throw new RemoteError('GET', '/os-server-groups', 200, 'no "server_groups" list in the answer');
    all.push(...groups);
    if (groups.length < o.pageSize || n >= o.maxPages) break;
  }
  return { server_groups: all };
}

/** Runs the jobs, at most `width` at a time; the first failure wins (the others still finish). */
async function inParallel(jobs: (() => Promise<void>)[], width: number): Promise<void> {
  let next = 0;
  const worker = async () => { while (next < jobs.length) await jobs[next++]!(); };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(width, jobs.length)) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

const write = (dir: string, name: string, body: unknown) => writeFileSync(join(dir, name), JSON.stringify(body, null, 1) + '\n');

async function placement(client: OpenStackClient, dir: string, o: SnapshotOptions, say: (m: string) => void): Promise<void> {
  if (!client.endpoint('placement')) { say('no placement endpoint in the catalogue: import falls back to the hypervisors\' figures'); return; }
  await client.negotiate('placement');
  const providers = await client.get('placement', '/resource_providers') as Body;
  const list = providers?.['resource_providers'];
  if (!Array.isArray(list)) throw new RemoteError('GET', '/resource_providers', 200, 'no "resource_providers" list in the answer');
  write(dir, FILES.providers, providers);
  mkdirSync(join(dir, FILES.inventories));
  mkdirSync(join(dir, FILES.allocations));
  const uuids = (list as { uuid?: unknown }[]).map((p) => {
    if (typeof p.uuid !== 'string' || !/^[0-9a-fA-F-]+$/.test(p.uuid)) throw new RemoteError('GET', '/resource_providers', 200, `a provider without a UUID: ${JSON.stringify(p.uuid)}`);
    return p.uuid;
  });
  const jobs = uuids.flatMap((uuid) => [FILES.inventories, FILES.allocations].map((kind) => async () => {
    write(join(dir, kind), `${uuid}.json`, await client.get('placement', `/resource_providers/${uuid}/${kind}`));
  }));
  await inParallel(jobs, o.parallel ?? 4);
  say(`${list.length} resource providers`);
}

async function compute(client: OpenStackClient, dir: string, o: SnapshotOptions, say: (m: string) => void): Promise<void> {
  const version = await client.negotiate('compute');
  say(`compute API ${version}`);
  const hypervisors: unknown[] = [];
  for await (const page of pages(client, '/os-hypervisors/detail', 'hypervisors', o)) hypervisors.push(...(page['hypervisors'] as unknown[]));
  write(dir, FILES.hypervisors, { hypervisors });
  write(dir, FILES.services, await client.get('compute', '/os-services?binary=nova-compute'));
  let n = 0;
  let servers = 0;
  for await (const page of pages(client, `/servers/detail?all_tenants=1&limit=${o.pageSize}`, 'servers', o)) {
    write(dir, n === 0 ? 'servers.json' : `servers-${n + 1}.json`, page);
    servers += (page['servers'] as unknown[]).length;
    n++;
  }
  write(dir, FILES.groups, await serverGroups(client, o));
  say(`${hypervisors.length} hypervisors, ${servers} servers in ${n} page(s)`);
}

/** Writes into a fresh sibling directory, renamed into place at the end: never a half snapshot. */
export async function snapshot(client: OpenStackClient, out: string, o: SnapshotOptions, say: (m: string) => void = () => {}): Promise<void> {
  if (existsSync(out) && readdirSync(out).length) throw new InputError('--out', [{ path: '', message: `${out} exists and is not empty; give a new directory` }]);
  mkdirSync(dirname(out) || '.', { recursive: true });
  const tmp = mkdtempSync(join(dirname(out) || '.', `.${basename(out)}.partial-`));
  try {
    await client.connect();
    await compute(client, tmp, o, say);
    await placement(client, tmp, o, say);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  if (existsSync(out)) rmdirSync(out);
  renameSync(tmp, out);
}
