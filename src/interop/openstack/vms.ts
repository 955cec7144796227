/**
 * VMs: one per server with a host, named by its UUID. Demand from its Placement allocation
 * on its host (checked against its flavor), else from the flavor. Servers that are not
 * ACTIVE, are busy with a task (migrating, resizing, ...) or sit on a host that is down are
 * pinned; servers without a host are left out. Whatever else Placement says is held
 * (migration records, unknown consumers) becomes a pinned placeholder VM, so capacity stays true.
 */
import type { VmDoc } from '../../model/instance.js';
import { InputError } from '../../io/errors.js';
import type { Cursor } from './cursor.js';
import type { CloudData } from './read-dir.js';
import type { Hosts } from './hosts.js';
import type { Server } from './responses.js';
import { flavorClasses, toResources } from './resources.js';

export interface Holding { host: string; resources: Map<string, number>; at: Cursor }

export interface VmSet {
  vms: VmDoc[];
  placement: Record<string, string>;
  /** VM name -> why it may not move. */
  pinned: Map<string, string>;
  /** Server UUID -> why it is not in the instance. */
  omitted: Map<string, string>;
  /** Servers in the instance, by UUID. */
  servers: Map<string, Server>;
}

type Warn = (message: string) => void;

/** Consumer UUID -> what it holds, per host (allocations summed over the host's providers). */
function holdings(data: CloudData, hosts: Hosts): Map<string, Holding[]> {
  const out = new Map<string, Holding[]>();
  for (const [uuid, alloc] of data.allocations) {
    const host = hosts.providerHost.get(uuid);
    if (!host) continue;
    for (const [consumer, { resources, at }] of alloc.consumers) {
      const list = out.get(consumer) ?? [];
      const same = list.find((h) => h.host === host);
      if (same) for (const [rc, n] of resources) same.resources.set(rc, (same.resources.get(rc) ?? 0) + n);
      else list.push({ host, resources: new Map(resources), at });
      out.set(consumer, list);
    }
  }
  return out;
}

function pinReason(s: Server, down: boolean): string | undefined {
  if (s.status !== 'ACTIVE') return `status ${s.status}`;
  if (s.taskState) return `task ${s.taskState} in progress`;
  if (down) return `its host ${s.host} is down`;
  return undefined;
}

/** Allocations that disagree with the flavor are an inconsistent snapshot (exit 2). */
function checkAgainstFlavor(s: Server, held: Holding): void {
  const expected = flavorClasses(s.flavor, s.image === undefined);
  const cpu = (m: Map<string, number>) => (m.get('VCPU') ?? 0) + (m.get('PCPU') ?? 0);
  const mismatch = (rc: string, want: number, got: number) => {
    throw new InputError(held.at.file, [{ path: `${held.at.path}/${rc}`, message: `server ${s.id} holds ${got} ${rc} but its flavor ${s.flavor.name ?? ''} asks for ${want}` }]);
  };
  if (cpu(held.resources) !== cpu(expected)) mismatch(held.resources.has('PCPU') ? 'PCPU' : 'VCPU', cpu(expected), cpu(held.resources));
  const ram = held.resources.get('MEMORY_MB') ?? 0;
  if (ram !== (expected.get('MEMORY_MB') ?? 0)) mismatch('MEMORY_MB', expected.get('MEMORY_MB') ?? 0, ram);
  const disk = held.resources.get('DISK_GB');
  if (disk !== undefined && disk !== (expected.get('DISK_GB') ?? 0)) mismatch('DISK_GB', expected.get('DISK_GB') ?? 0, disk);
}

function serverVm(s: Server): VmDoc {
  const attributes: Record<string, unknown> = { displayName: s.name ?? null, project: s.project ?? null, flavor: s.flavor.name ?? null, status: s.status };
  if (s.zone) attributes['availabilityZone'] = s.zone;
  return { name: s.id, ...(s.image ? { image: s.image } : {}), attributes };
}

interface Context { data: CloudData; hosts: Hosts; held: Map<string, Holding[]>; covered: Set<string>; out: VmSet }

/** Places one server; returns its holdings on other hosts (placeholders when it is mid-move). */
function addServer(ctx: Context, s: Server): Holding[] {
  const host = ctx.hosts.byName.get(s.host!);
  if (!host) throw new InputError(s.file, [{ path: `${s.path}/OS-EXT-SRV-ATTR:host`, message: `server ${s.id} runs on ${JSON.stringify(s.host)}, which is no compute host of services.json or hypervisors.json` }]);
  const vm = serverVm(s);
  const reason = pinReason(s, host.down);
  const mine = ctx.held.get(s.id) ?? [];
  const here = mine.find((h) => h.host === s.host);
  const elsewhere = mine.filter((h) => h.host !== s.host);
  if (reason === undefined && elsewhere.length) {
    const e = elsewhere[0]!;
    throw new InputError(e.at.file, [{ path: e.at.path, message: `server ${s.id} is ACTIVE on ${s.host} with no task, yet holds resources on host ${e.host}` }]);
  }
  if (!ctx.covered.has(s.host!)) vm.demand = toResources(flavorClasses(s.flavor, s.image === undefined));
  else if (here) {
    if (reason === undefined) checkAgainstFlavor(s, here);
    vm.demand = toResources(here.resources);
  } else if (reason === undefined) {
    throw new InputError(s.file, [{ path: s.path, message: `server ${s.id} is ACTIVE on ${s.host}, but the allocations of ${s.host}'s resource providers hold nothing for it` }]);
  } else vm.demand = {};
  ctx.out.vms.push(vm);
  ctx.out.placement[s.id] = s.host!;
  ctx.out.servers.set(s.id, s);
  if (reason !== undefined) ctx.out.pinned.set(s.id, reason);
  return elsewhere;
}

function addPlaceholders(ctx: Context, consumer: string, list: Holding[]): void {
  for (const h of list) {
    const name = list.length > 1 || ctx.out.servers.has(consumer) ? `${consumer}@${h.host}` : consumer;
    ctx.out.vms.push({ name, demand: toResources(h.resources), attributes: { placementConsumer: consumer } });
    ctx.out.placement[name] = h.host;
    ctx.out.pinned.set(name, 'a Placement consumer that is no movable server');
  }
}

/** Extra specs that Placement amounts (resources:*) and quotas (quota:*) do not cover. */
const MODELLED_SPEC = /^(resources\d*|quota):/;

function extraSpecWarning(servers: Iterable<Server>, warn: Warn): void {
  const count = new Map<string, number>();
  for (const s of servers) for (const key of Object.keys(s.flavor.extraSpecs)) if (!MODELLED_SPEC.test(key)) count.set(key, (count.get(key) ?? 0) + 1);
  if (!count.size) return;
  const list = [...count].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} (${n})`).join(', ');
  warn(`flavor extra specs not modelled (NUMA, CPU pinning, huge pages, PCI, traits, aggregates: Nova's scheduler checks them at each migration, and the runbook stops where it refuses): ${list}`);
}

export function buildVms(data: CloudData, hosts: Hosts, warn: Warn): VmSet {
  const held = holdings(data, hosts);
  const covered = new Set([...data.allocations.keys()].map((uuid) => hosts.providerHost.get(uuid)).filter((h): h is string => h !== undefined));
  const out: VmSet = { vms: [], placement: {}, pinned: new Map(), omitted: new Map(), servers: new Map() };
  const ctx: Context = { data, hosts, held, covered, out };
  const extra: [string, Holding[]][] = [];
  for (const s of data.servers ?? []) {
    if (!s.host) { out.omitted.set(s.id, `no host (status ${s.status})`); continue; }
    const elsewhere = addServer(ctx, s);
    if (elsewhere.length) extra.push([s.id, elsewhere]);
  }
  for (const [consumer, list] of held) if (!out.servers.has(consumer)) extra.push([consumer, list]);
  for (const [consumer, list] of extra) addPlaceholders(ctx, consumer, list);
  const placeholders = extra.reduce((n, [, l]) => n + l.length, 0);
  if (placeholders) warn(`${placeholders} Placement allocation(s) of no movable server (migration records, servers mid-move, unknown consumers) kept as pinned placeholder VMs so that their resources stay counted: ${extra.map(([c]) => c).slice(0, 10).join(', ')}${extra.length > 10 ? ', ...' : ''}`);
  if (data.servers && data.allocations.size && covered.size < hosts.byName.size) warn(`Placement allocations missing for ${hosts.byName.size - covered.size} host(s): demand of their servers taken from the flavors`);
  if (!data.servers) warn('no servers*.json: the instance has no VMs from Nova');
  extraSpecWarning(out.servers.values(), warn);
  return out;
}
