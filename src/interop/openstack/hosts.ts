/**
 * Hosts: one per compute service host (the name `openstack server migrate --host` takes),
 * with capacity, reserved amounts and allocation ratios from Placement, the hypervisor's
 * figures only when Placement has none for the host.
 */
import type { HostDoc } from '../../model/instance.js';
import type { CloudData } from './read-dir.js';
import type { InventoryRecord, ResourceProvider } from './responses.js';
import { resourceOf } from './resources.js';

export interface HostInfo {
  doc: HostDoc;
  /** Resource class -> inventory summed over the host's providers. */
  inventory: Map<string, InventoryRecord>;
  /** Its compute service is down: nothing can leave or arrive. */
  down: boolean;
}

export interface Hosts {
  byName: Map<string, HostInfo>;
  /** Resource provider UUID -> host name, for every provider that belongs to a host. */
  providerHost: Map<string, string>;
}

type Warn = (message: string) => void;

function hostNames(data: CloudData, warn: Warn): Set<string> {
  const names = new Set<string>();
  for (const s of data.services ?? []) if (s.binary === 'nova-compute') names.add(s.host);
  for (const h of data.hypervisors ?? []) names.add(h.serviceHost);
  if (!names.size && data.providers) {
    for (const p of data.providers) if (!p.root || p.root === p.uuid) names.add(p.name);
    warn('neither services.json nor hypervisors.json: hosts are named after their resource providers (check that these are the names `openstack server migrate --host` accepts)');
  }
  return names;
}

function mapProviders(data: CloudData, names: Set<string>, warn: Warn): Map<string, string> {
  const byId = new Map((data.hypervisors ?? []).map((h) => [h.id, h.serviceHost]));
  const byNode = new Map((data.hypervisors ?? []).map((h) => [h.hostname, h.serviceHost]));
  const providers = new Map((data.providers ?? []).map((p) => [p.uuid, p]));
  const out = new Map<string, string>();
  const unmapped: ResourceProvider[] = [];
  for (const p of providers.values()) {
    const root = providers.get(p.root ?? p.uuid) ?? p;
    const host = byId.get(root.uuid) ?? byNode.get(root.name) ?? (!data.hypervisors && names.has(root.name) ? root.name : undefined);
    if (host) out.set(p.uuid, host); else unmapped.push(p);
  }
  if (unmapped.length) warn(`${unmapped.length} resource provider(s) belong to no compute host (sharing or other providers); their inventories and allocations are not modelled: ${unmapped.map((p) => p.name).join(', ')}`);
  for (const [uuid, inv] of data.inventories) if (!providers.has(uuid)) warn(`${inv.file}: provider ${uuid} is not in resource_providers.json; its inventory is ignored`);
  return out;
}

function addInventory(into: Map<string, InventoryRecord>, from: Map<string, InventoryRecord>, host: string, warn: Warn): void {
  for (const [rc, r] of from) {
    const had = into.get(rc);
    if (!had) { into.set(rc, { ...r }); continue; }
    if (had.allocationRatio !== r.allocationRatio) warn(`host ${host}: providers disagree on the ${rc} allocation ratio (${had.allocationRatio}, ${r.allocationRatio}); the smaller is used`);
    into.set(rc, {
      total: had.total + r.total, reserved: had.reserved + r.reserved,
      allocationRatio: Math.min(had.allocationRatio, r.allocationRatio),
      minUnit: Math.min(had.minUnit, r.minUnit), maxUnit: Math.max(had.maxUnit, r.maxUnit), stepSize: had.stepSize,
    });
  }
}

function placementFigures(doc: HostDoc, inventory: Map<string, InventoryRecord>): void {
  doc.capacity = {};
  for (const [rc, r] of inventory) {
    const name = resourceOf(rc);
    doc.capacity[name] = r.total;
    if (r.reserved > 0) (doc.reserved ??= {})[name] = r.reserved;
    if (r.allocationRatio !== 1) (doc.allocationRatio ??= {})[name] = r.allocationRatio;
  }
}

/** Hypervisor figures (dropped from the API at 2.88); ratios and reserved amounts are not in them. */
function hypervisorFigures(doc: HostDoc, data: CloudData): boolean {
  const hv = (data.hypervisors ?? []).filter((h) => h.serviceHost === doc.name);
  const sum = (f: (h: (typeof hv)[number]) => number | undefined) => hv.reduce((s, h) => s + (f(h) ?? NaN), 0);
  const capacity: Record<string, number> = { ram: sum((h) => h.memoryMb), cpu: sum((h) => h.vcpus), disk: sum((h) => h.localGb) };
  for (const k of Object.keys(capacity)) if (!Number.isFinite(capacity[k])) delete capacity[k];
  if (!hv.length || !Object.keys(capacity).length) return false;
  doc.capacity = capacity;
  return true;
}

function serviceState(info: HostInfo, data: CloudData): void {
  const doc = info.doc;
  const service = (data.services ?? []).find((s) => s.binary === 'nova-compute' && s.host === doc.name);
  const hv = (data.hypervisors ?? []).filter((h) => h.serviceHost === doc.name);
  const status = service?.status ?? hv[0]?.status;
  const state = service?.state ?? hv[0]?.state;
  const reason = service?.disabledReason ?? hv[0]?.disabledReason;
  const attributes: Record<string, unknown> = { hypervisors: hv.map((h) => h.hostname) };
  if (status === 'disabled') { doc.disabled = true; attributes['disabledReason'] = reason ?? null; }
  if (state === 'down') { doc.disabled = true; info.down = true; attributes['state'] = 'down'; }
  if (service?.zone) doc.zone = service.zone;
  doc.attributes = attributes;
}

/** Zone of a host without a service record: the one its servers report, when they agree. */
function zoneFromServers(info: HostInfo, data: CloudData): void {
  if (info.doc.zone !== undefined) return;
  const zones = new Set((data.servers ?? []).filter((s) => s.host === info.doc.name && s.zone).map((s) => s.zone!));
  if (zones.size === 1) info.doc.zone = [...zones][0]!;
}

export function buildHosts(data: CloudData, warn: Warn): Hosts {
  const names = hostNames(data, warn);
  const providerHost = mapProviders(data, names, warn);
  const byName = new Map<string, HostInfo>();
  for (const name of [...names].sort()) byName.set(name, { doc: { name }, inventory: new Map(), down: false });
  for (const [uuid, host] of providerHost) {
    const inv = data.inventories.get(uuid);
    if (inv) addInventory(byName.get(host)!.inventory, inv.records, host, warn);
  }
  const fallback: string[] = [];
  const unknown: string[] = [];
  for (const info of byName.values()) {
    serviceState(info, data);
    zoneFromServers(info, data);
    if (info.inventory.size) placementFigures(info.doc, info.inventory);
    else if (hypervisorFigures(info.doc, data)) fallback.push(info.doc.name);
    else { unknown.push(info.doc.name); info.doc.disabled = true; }
  }
  if (fallback.length) warn(`no Placement inventory for ${fallback.length} host(s) (${fallback.join(', ')}): capacity from the hypervisor figures, without reserved amounts, and allocation ratio 1 (Nova's configured ratios are not in the API)`);
  if (unknown.length) warn(`no capacity known for ${unknown.length} host(s) (${unknown.join(', ')}): marked disabled, they receive nothing`);
  return { byName, providerHost };
}
