/**
 * The API responses shunt reads, parsed into typed records (each keeps its file and JSON
 * pointer for later messages). Only the fields the mapping uses are read; a field with the
 * wrong type is an error naming its place.
 */
import { Cursor } from './cursor.js';

/** A record's origin, for messages about it. */
export interface Origin { file: string; path: string }

export interface Hypervisor extends Origin {
  id: string;
  hostname: string;
  serviceHost: string;
  disabledReason?: string;
  state?: string;
  status?: string;
  /** Figures the API dropped at 2.88; used only when Placement is absent. */
  memoryMb?: number;
  vcpus?: number;
  localGb?: number;
}

export interface Flavor {
  name?: string;
  ram: number;
  vcpus: number;
  disk: number;
  ephemeral: number;
  swap: number;
  extraSpecs: Record<string, string>;
}

export interface Server extends Origin {
  id: string;
  name?: string;
  status: string;
  taskState?: string;
  host?: string;
  node?: string;
  zone?: string;
  project?: string;
  /** Image UUID; undefined when booted from a volume (the API then says ""). */
  image?: string;
  flavor: Flavor;
}

export interface ResourceProvider extends Origin {
  uuid: string;
  name: string;
  root?: string;
}

export interface InventoryRecord {
  total: number;
  reserved: number;
  allocationRatio: number;
  minUnit: number;
  maxUnit: number;
  stepSize: number;
}

export interface ServerGroup extends Origin {
  id: string;
  name?: string;
  policy: string;
  members: string[];
  maxPerHost?: number;
}

export interface Service extends Origin {
  host: string;
  binary: string;
  status: string;
  state?: string;
  zone?: string;
  disabledReason?: string;
}

const origin = (c: Cursor): Origin => ({ file: c.file, path: c.path });

export function parseHypervisors(body: Cursor): Hypervisor[] {
  return body.get('hypervisors').array().map((h) => {
    const service = h.get('service').object();
    return {
      ...origin(h),
      // A UUID from 2.53 on, an integer before.
      id: typeof h.get('id').value === 'number' ? String(h.get('id').value) : h.get('id').string(),
      hostname: h.get('hypervisor_hostname').string(),
      serviceHost: service.get('host').string(),
      disabledReason: service.get('disabled_reason').optString(),
      state: h.get('state').optString(),
      status: h.get('status').optString(),
      memoryMb: h.get('memory_mb').optNumber(),
      vcpus: h.get('vcpus').optNumber(),
      localGb: h.get('local_gb').optNumber(),
    };
  });
}

function parseFlavor(f: Cursor): Flavor {
  f.object();
  if (!f.has('ram')) f.fail('expected the flavor embedded in the server (compute API 2.47 or later), found no "ram"');
  const swap = f.get('swap');
  const extraSpecs: Record<string, string> = {};
  if (f.has('extra_specs')) for (const [k, v] of f.get('extra_specs').entries()) extraSpecs[k] = String(v.value);
  return {
    name: f.get('original_name').optString(),
    ram: f.get('ram').amount(),
    vcpus: f.get('vcpus').amount(),
    disk: f.get('disk').amount(),
    ephemeral: f.has('ephemeral') ? f.get('ephemeral').amount() : 0,
    // Nova wrote "" for no swap before 2.75.
    swap: swap.value === '' || swap.isNull() ? 0 : swap.amount(),
    extraSpecs,
  };
}

function parseImage(image: Cursor): string | undefined {
  if (image.isNull() || image.value === '') return undefined;
  return image.isObject() ? image.get('id').string() : image.string();
}

export function parseServers(body: Cursor): Server[] {
  return body.get('servers').array().map((s) => adminView(s.object())).map((s) => ({
    ...origin(s),
    id: s.get('id').string(),
    name: s.get('name').optString(),
    status: s.get('status').string(),
    taskState: s.get('OS-EXT-STS:task_state').optString(),
    host: s.get('OS-EXT-SRV-ATTR:host').optString(),
    node: s.get('OS-EXT-SRV-ATTR:hypervisor_hostname').optString(),
    zone: s.get('OS-EXT-AZ:availability_zone').optString(),
    project: s.get('tenant_id').optString(),
    image: parseImage(s.get('image')),
    flavor: parseFlavor(s.get('flavor')),
  }));
}

/** Without admin rights Nova leaves the host attributes out (null means "no host"). */
function adminView(s: Cursor): Cursor {
  if (!('OS-EXT-SRV-ATTR:host' in (s.value as object))) s.fail('no "OS-EXT-SRV-ATTR:host": the listing was made without admin rights');
  return s;
}

export function parseResourceProviders(body: Cursor): ResourceProvider[] {
  return body.get('resource_providers').array().map((p) => ({
    ...origin(p),
    uuid: p.get('uuid').string(),
    name: p.get('name').string(),
    root: p.get('root_provider_uuid').optString(),
  }));
}

export function parseInventories(body: Cursor): Map<string, InventoryRecord> {
  const out = new Map<string, InventoryRecord>();
  for (const [rc, inv] of body.get('inventories').entries()) {
    inv.object();
    const record: InventoryRecord = {
      total: inv.get('total').amount(),
      reserved: inv.has('reserved') ? inv.get('reserved').amount() : 0,
      allocationRatio: inv.has('allocation_ratio') ? inv.get('allocation_ratio').number() : 1,
      minUnit: inv.has('min_unit') ? inv.get('min_unit').amount(1) : 1,
      maxUnit: inv.has('max_unit') ? inv.get('max_unit').amount(1) : Infinity,
      stepSize: inv.has('step_size') ? inv.get('step_size').amount(1) : 1,
    };
    if (record.allocationRatio <= 0) inv.get('allocation_ratio').fail(`expected a positive ratio, found ${record.allocationRatio}`);
    if (record.reserved > record.total) inv.get('reserved').fail(`reserved ${record.reserved} exceeds total ${record.total}`);
    out.set(rc, record);
  }
  return out;
}

/** Consumer UUID -> resource class -> amount, with the cursor of each consumer's resources. */
export function parseAllocations(body: Cursor): Map<string, { resources: Map<string, number>; at: Cursor }> {
  const out = new Map<string, { resources: Map<string, number>; at: Cursor }>();
  for (const [consumer, a] of body.get('allocations').entries()) {
    const at = a.get('resources');
    const resources = new Map<string, number>();
    for (const [rc, amount] of at.entries()) resources.set(rc, amount.amount());
    out.set(consumer, { resources, at });
  }
  return out;
}

export function parseServerGroups(body: Cursor): ServerGroup[] {
  return body.get('server_groups').array().map((g) => {
    // 2.64 replaced the list "policies" by "policy" and "rules".
    const policy = g.has('policy') ? g.get('policy').string() : g.get('policies').array().map((p) => p.string())[0];
    if (policy === undefined) g.get('policies').fail('expected one policy, found none');
    const rules = g.has('rules') ? g.get('rules').object() : undefined;
    return {
      ...origin(g),
      id: g.get('id').string(),
      name: g.get('name').optString(),
      policy,
      members: g.get('members').array().map((m) => m.string()),
      maxPerHost: rules?.get('max_server_per_host').optNumber(),
    };
  });
}

export function parseServices(body: Cursor): Service[] {
  return body.get('services').array().map((s) => ({
    ...origin(s),
    host: s.get('host').string(),
    binary: s.get('binary').optString() ?? 'nova-compute',
    status: s.get('status').string(),
    state: s.get('state').optString(),
    zone: s.get('zone').optString(),
    disabledReason: s.get('disabled_reason').optString(),
  }));
}

/** target.json: server UUID -> host. */
export function parseTarget(body: Cursor): Map<string, Cursor> {
  return new Map(body.entries().map(([id, host]) => { host.string(); return [id, host]; }));
}
