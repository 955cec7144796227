/**
 * Writes a shunt instance as the directory of Nova and Placement responses `shunt import
 * openstack` reads (bodies shaped like the API reference's, trimmed to the fields that
 * matter), so generated clouds can go through the OpenStack round trip. Hosts become compute
 * services with one hypervisor and one resource provider each; VMs become ACTIVE servers
 * (flavor = demand) with their Placement allocations; groups become hard anti-affinity
 * server groups; the target becomes target.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstanceDoc } from '../src/model/instance.js';

const uuid = (kind: number, i: number) => `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

export interface OpenStackDirOptions {
  /** Servers per servers*.json page. Default 1000. */
  pageSize?: number;
}

/** Writes dir; returns VM name -> server UUID. */
export function writeOpenStackDir(doc: InstanceDoc, dir: string, o: OpenStackDirOptions = {}): Map<string, string> {
  const write = (name: string, body: unknown) => writeFileSync(join(dir, name), JSON.stringify(body) + '\n');
  for (const sub of ['', 'inventories', 'allocations']) mkdirSync(join(dir, sub), { recursive: true });
  const rp = new Map(doc.hosts.map((h, i) => [h.name, uuid(0xa1, i + 1)]));
  const server = new Map(doc.vms.map((v, i) => [v.name, uuid(0xc3, i + 1)]));
  write('services.json', { services: doc.hosts.map((h, i) => ({ id: uuid(0xb2, i + 1), binary: 'nova-compute', host: h.name, state: 'up', status: 'enabled', disabled_reason: null, zone: h.zone ?? 'nova', forced_down: false, updated_at: '2026-11-29T22:00:00.000000' })) });
  write('hypervisors.json', { hypervisors: doc.hosts.map((h, i) => ({ id: rp.get(h.name), hypervisor_hostname: `${h.name}.example.org`, state: 'up', status: 'enabled', hypervisor_type: 'QEMU', service: { host: h.name, id: uuid(0xb2, i + 1), disabled_reason: null } })) });
  write('resource_providers.json', { resource_providers: doc.hosts.map((h) => ({ uuid: rp.get(h.name), name: `${h.name}.example.org`, generation: 1, parent_provider_uuid: null, root_provider_uuid: rp.get(h.name), links: [] })) });
  const CLASS: Record<string, string> = { ram: 'MEMORY_MB', cpu: 'VCPU', disk: 'DISK_GB' };
  for (const h of doc.hosts) {
    const inventories: Record<string, unknown> = {};
    for (const [r, total] of Object.entries(h.capacity ?? {})) {
      inventories[CLASS[r] ?? r] = { total, reserved: h.reserved?.[r] ?? 0, allocation_ratio: h.allocationRatio?.[r] ?? 1, min_unit: 1, max_unit: total, step_size: 1 };
    }
    write(join('inventories', `${rp.get(h.name)}.json`), { inventories, resource_provider_generation: 1 });
    const allocations: Record<string, unknown> = {};
    for (const v of doc.vms) {
      if (doc.placement[v.name] !== h.name) continue;
      allocations[server.get(v.name)!] = { resources: Object.fromEntries(Object.entries(v.demand ?? {}).map(([r, n]) => [CLASS[r] ?? r, n])) };
    }
    write(join('allocations', `${rp.get(h.name)}.json`), { allocations, resource_provider_generation: 1 });
  }
  const servers = doc.vms.map((v) => ({
    id: server.get(v.name), name: v.name, status: 'ACTIVE', tenant_id: 'e5000000000040008000000000000001',
    'OS-EXT-STS:task_state': null, 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-AZ:availability_zone': 'nova',
    'OS-EXT-SRV-ATTR:host': doc.placement[v.name], 'OS-EXT-SRV-ATTR:hypervisor_hostname': `${doc.placement[v.name]}.example.org`,
    image: { id: uuid(0xd4, 1), links: [] },
    flavor: { original_name: `f-${v.demand?.['ram'] ?? 0}-${v.demand?.['cpu'] ?? 0}`, ram: v.demand?.['ram'] ?? 0, vcpus: v.demand?.['cpu'] ?? 0, disk: v.demand?.['disk'] ?? 0, ephemeral: 0, swap: 0, extra_specs: {} },
  }));
  const size = o.pageSize ?? 1000;
  for (let p = 0; p * size < servers.length || p === 0; p++) write(p === 0 ? 'servers.json' : `servers-${p + 1}.json`, { servers: servers.slice(p * size, (p + 1) * size) });
  const groups = new Map<string, string[]>();
  for (const v of doc.vms) if (v.group) groups.set(v.group, [...(groups.get(v.group) ?? []), server.get(v.name)!]);
  write('server_groups.json', { server_groups: [...groups].map(([name, members], i) => ({ id: uuid(0x07, i + 1), name, policy: 'anti-affinity', rules: {}, members, project_id: 'e5000000000040008000000000000001', user_id: 'f6000000000040008000000000000001' })) });
  if (doc.target) write('target.json', Object.fromEntries(Object.entries(doc.target).map(([vm, host]) => [server.get(vm), host])));
  return server;
}
