/**
 * `import openstack`: a directory of Nova and Placement responses becomes an instance that
 * shunt accepts; what does not translate is said; bad or inconsistent responses are refused
 * naming the file and the JSON path.
 */
import 'reflect-metadata';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInstance, planMigrations } from '../src/api.js';
import { InputError } from '../src/io/errors.js';
import type { HostDoc, VmDoc } from '../src/model/instance.js';
import { importOpenStack } from '../src/interop/openstack/import.js';

const FIXTURE = join(__dirname, 'fixtures', 'openstack', 'small');
const CMP = (n: number) => `a1000000-0000-4000-8000-00000000000${n}`;
const SRV = (n: number) => `c3000000-0000-4000-8000-00000000000${n}`;
const GROUP = (n: number) => `07000000-0000-4000-8000-00000000000${n}`;

function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shunt-os-'));
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

/** The fixture's API bodies, as far as these tests edit them (raw JSON, as Nova and Placement send it). */
type Fields = Record<string, unknown>;
type Servers = { servers: Fields[]; servers_links?: unknown };
type Allocations = { allocations: Record<string, { resources: Record<string, number> }> };
type Inventories = { inventories: Record<string, Record<string, number>> };
type Services = { services: Fields[] };
type Hypervisors = { hypervisors: Fields[] };
type Providers = { resource_providers: Fields[] };
type Groups = { server_groups: { policy: string; members: string[] }[] };
type Target = Record<string, string>;

function edit<Body>(dir: string, file: string, change: (body: Body) => void): void {
  const path = join(dir, file);
  const body = JSON.parse(readFileSync(path, 'utf8'));
  change(body);
  writeFileSync(path, JSON.stringify(body));
}

/** The InputError an import throws, as "file: path: message" lines relative to the directory. */
function refusal(dir: string): string {
  try {
    importOpenStack(dir);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.issues.map((i) => `${e.source.slice(dir.length + 1)}: ${i.path}: ${i.message}`).join('\n');
  }
  throw new Error('import succeeded');
}

const host = (hosts: HostDoc[], name: string) => hosts.find((h) => h.name === name)!;
const vm = (vms: VmDoc[], name: string) => vms.find((v) => v.name === name)!;

describe('importing a small cloud', () => {
  const { instance, warnings } = importOpenStack(FIXTURE);

  it('makes a host per compute service host with Placement capacity, reserved amounts and allocation ratios', () => {
    expect(instance.hosts.map((h) => h.name)).toEqual(['cmp-01', 'cmp-02', 'cmp-03']);
    expect(host(instance.hosts, 'cmp-01')).toMatchObject({
      capacity: { ram: 65536, cpu: 16, disk: 500 }, reserved: { ram: 2048, disk: 10 }, allocationRatio: { cpu: 4 }, zone: 'nova',
    });
    expect(host(instance.hosts, 'cmp-01').disabled).toBeUndefined();
  });

  it('marks a disabled compute service\'s host disabled, keeping the reason', () => {
    expect(host(instance.hosts, 'cmp-03')).toMatchObject({ disabled: true, attributes: { disabledReason: 'hardware maintenance' } });
    expect(warnings).toContain('1 disabled or down host(s) receive nothing: cmp-03');
  });

  it('merges the pages of the server listing and names VMs by server UUID, keeping name, project, image and flavor', () => {
    expect(instance.vms.map((v) => v.name)).toEqual([1, 2, 3, 4, 5, 6].map(SRV));
    expect(vm(instance.vms, SRV(3))).toMatchObject({
      demand: { cpu: 4, ram: 8192, disk: 80 }, image: 'd4000000-0000-4000-8000-000000000001',
      attributes: { displayName: 'db-1', project: 'e5000000000040008000000000000001', flavor: 'm1.large', status: 'ACTIVE' },
    });
    expect(instance.placement[SRV(6)]).toBe('cmp-02');
  });

  it('leaves out a server without a host and pins one that is not ACTIVE, saying so', () => {
    expect(instance.placement[SRV(7)]).toBeUndefined();
    expect(warnings).toContain(`server ${SRV(7)} left out: no host (status ERROR)`);
    expect(warnings).toContain(`server ${SRV(5)} pinned to cmp-02: status SHUTOFF`);
    expect(instance.policy?.rules).toContainEqual({ name: 'pin', options: { vms: [SRV(5)] } });
  });

  it('turns hard server groups into rules and reports soft ones as not translated', () => {
    expect(vm(instance.vms, SRV(1)).group).toBe(GROUP(1));
    expect(instance.policy?.rules).toContainEqual({ name: 'anti-affinity', options: { groups: [GROUP(1)] } });
    expect(instance.policy?.rules).toContainEqual({ name: 'affinity', options: { groups: [GROUP(2)] } });
    expect(warnings.find((w) => w.includes('soft server group'))).toMatch(/1 soft server group\(s\) not translated .*app \(soft-anti-affinity\)/);
  });

  it('lists the flavor extra specs it does not model', () => {
    expect(warnings).toContain("flavor extra specs not modelled (NUMA, CPU pinning, huge pages, PCI, traits, aggregates: Nova's scheduler checks them at each migration, and the runbook stops where it refuses): hw:mem_page_size (2)");
  });

  it('reads the target and gives an instance shunt accepts and plans', async () => {
    expect(instance.target).toEqual({ [SRV(6)]: 'cmp-01' });
    const { plan } = await planMigrations(instance, { source: 'imported' });
    expect(plan.status).toBe('optimal');
    expect(plan.waves.flatMap((w) => w.migrations.map((m) => `${m.vm}:${m.from}>${m.to}`))).toEqual([`${SRV(6)}:cmp-02>cmp-01`]);
  });

  it('keeps an affinity group where it is: live migration cannot move its members together', async () => {
    const moved = { ...instance, target: { [SRV(3)]: 'cmp-02', [SRV(4)]: 'cmp-02' } };
    const { plan } = await planMigrations(moved, { source: 'imported' });
    expect(plan.status).toBe('infeasible');
  });
});

describe('importing with files missing', () => {
  it('falls back to the hypervisors\' figures without Placement, and says so', () => {
    const dir = copy();
    for (const f of ['resource_providers.json', 'inventories', 'allocations']) rmSync(join(dir, f), { recursive: true });
    const { instance, warnings } = importOpenStack(dir);
    expect(host(instance.hosts, 'cmp-02')).toMatchObject({ capacity: { ram: 65536, cpu: 16, disk: 500 } });
    expect(host(instance.hosts, 'cmp-02').reserved).toBeUndefined();
    expect(warnings.find((w) => w.startsWith('no Placement inventory'))).toMatch(/3 host\(s\) \(cmp-01, cmp-02, cmp-03\): capacity from the hypervisor figures, without reserved amounts, and allocation ratio 1/);
    expect(vm(instance.vms, SRV(1)).demand).toEqual({ cpu: 2, ram: 4096, disk: 40 });
  });

  it('takes a disabled host from the hypervisor when services.json is missing, and plans without a target', () => {
    const dir = copy();
    rmSync(join(dir, 'services.json'));
    rmSync(join(dir, 'target.json'));
    const { instance } = importOpenStack(dir);
    expect(host(instance.hosts, 'cmp-03').disabled).toBe(true);
    expect(instance.target).toBeUndefined();
  });

  it('takes the demand from the flavor where a host\'s allocations are missing', () => {
    const dir = copy();
    rmSync(join(dir, 'allocations', `${CMP(2)}.json`));
    const { instance, warnings } = importOpenStack(dir);
    expect(vm(instance.vms, SRV(2)).demand).toEqual({ cpu: 2, ram: 4096, disk: 40 });
    expect(warnings).toContain('Placement allocations missing for 1 host(s): demand of their servers taken from the flavors');
  });

  it('reads a listing in one page as well as in several', () => {
    const dir = copy();
    edit(dir, 'servers.json', (b: Servers) => { b.servers.push(...JSON.parse(readFileSync(join(dir, 'servers-2.json'), 'utf8')).servers); delete b.servers_links; });
    rmSync(join(dir, 'servers-2.json'));
    expect(importOpenStack(dir).instance).toEqual(importOpenStack(FIXTURE).instance);
  });
});

describe('nested and sharing resource providers', () => {
  it('adds a child provider\'s inventory to its root\'s host and reports a provider of no host', () => {
    const dir = copy();
    const gpu = 'a9000000-0000-4000-8000-000000000001';
    const shared = 'a9000000-0000-4000-8000-000000000002';
    edit(dir, 'resource_providers.json', (b: Providers) => {
      b.resource_providers.push({ uuid: gpu, name: 'cmp-02.example.org_pci_0000_3b_00_0', generation: 1, parent_provider_uuid: CMP(2), root_provider_uuid: CMP(2), links: [] });
      b.resource_providers.push({ uuid: shared, name: 'ceph-pool', generation: 1, parent_provider_uuid: null, root_provider_uuid: shared, links: [] });
    });
    writeFileSync(join(dir, 'inventories', `${gpu}.json`), JSON.stringify({ inventories: { VGPU: { total: 4, reserved: 0, allocation_ratio: 1.0, min_unit: 1, max_unit: 4, step_size: 1 } }, resource_provider_generation: 1 }));
    writeFileSync(join(dir, 'inventories', `${shared}.json`), JSON.stringify({ inventories: { DISK_GB: { total: 100000, reserved: 0, allocation_ratio: 1.0, min_unit: 1, max_unit: 100000, step_size: 1 } }, resource_provider_generation: 1 }));
    const { instance, warnings } = importOpenStack(dir);
    expect(host(instance.hosts, 'cmp-02').capacity).toEqual({ cpu: 16, ram: 65536, disk: 500, VGPU: 4 });
    expect(warnings).toContain('1 resource provider(s) belong to no compute host (sharing or other providers); their inventories and allocations are not modelled: ceph-pool');
  });
});

describe('servers in motion, hosts down and other consumers', () => {
  it('pins a migrating server and keeps what Placement holds for it elsewhere as pinned placeholders', () => {
    const dir = copy();
    const migration = 'e8000000-0000-4000-8000-000000000001';
    edit(dir, 'servers.json', (b: Servers) => { b.servers[0].status = 'MIGRATING'; b.servers[0]['OS-EXT-STS:task_state'] = 'migrating'; });
    // Nova moves the instance's allocation to the destination and lets the migration hold the source.
    edit(dir, `allocations/${CMP(1)}.json`, (b: Allocations) => { b.allocations[migration] = b.allocations[SRV(1)]; delete b.allocations[SRV(1)]; });
    edit(dir, `allocations/${CMP(2)}.json`, (b: Allocations) => { b.allocations[SRV(1)] = { resources: { DISK_GB: 40, MEMORY_MB: 4096, VCPU: 2 } }; });
    const { instance, warnings } = importOpenStack(dir);
    expect(instance.placement[SRV(1)]).toBe('cmp-01');
    expect(vm(instance.vms, SRV(1)).demand).toEqual({});
    expect(instance.placement[`${SRV(1)}@cmp-02`]).toBe('cmp-02');
    expect(vm(instance.vms, `${SRV(1)}@cmp-02`).demand).toEqual({ cpu: 2, ram: 4096, disk: 40 });
    expect(vm(instance.vms, migration).demand).toEqual({ cpu: 2, ram: 4096, disk: 40 });
    const pinned = (instance.policy!.rules!.find((r) => typeof r === 'object' && r.name === 'pin') as { options: { vms: string[] } }).options.vms;
    expect(pinned).toEqual(expect.arrayContaining([SRV(1), `${SRV(1)}@cmp-02`, migration]));
    expect(warnings).toContain(`server ${SRV(1)} pinned to cmp-01: status MIGRATING`);
    expect(warnings.find((w) => w.includes('placeholder'))).toMatch(/^2 Placement allocation\(s\) of no movable server/);
  });

  it('disables a host whose compute service is down and pins its servers', () => {
    const dir = copy();
    edit(dir, 'services.json', (b: Services) => { b.services[1].state = 'down'; });
    rmSync(join(dir, 'target.json'));
    const { instance, warnings } = importOpenStack(dir);
    expect(host(instance.hosts, 'cmp-02')).toMatchObject({ disabled: true, attributes: { state: 'down' } });
    expect(warnings).toContain(`server ${SRV(2)} pinned to cmp-02: its host cmp-02 is down`);
  });

  it('warns about servers that Placement\'s max_unit keeps off some hosts, and refuses such a target', () => {
    const dir = copy();
    edit(dir, `inventories/${CMP(1)}.json`, (b: Inventories) => { b.inventories.MEMORY_MB.max_unit = 2048; });
    expect(importOpenStack(dir).warnings.find((w) => w.includes('max_unit'))).toMatch(/^1 \(server, host\) pair\(s\) break Placement's max_unit/);
    edit(dir, 'target.json', (b: Target) => { b[SRV(6)] = 'cmp-01'; b[SRV(2)] = 'cmp-01'; });
    expect(refusal(dir)).toBe(`target.json: /${SRV(2)}: 4096 MEMORY_MB exceeds max_unit 2048 of cmp-01`);
  });
});

describe('bad and inconsistent responses', () => {
  const cases: [string, (dir: string) => void, string | RegExp | ((dir: string) => string)][] = [
    ['a file that is not JSON', (d) => writeFileSync(join(d, 'services.json'), '{"services": ['), /^services\.json: : not valid JSON: /],
    ['servers listed below microversion 2.47 (no embedded flavor)', (d) => edit(d, 'servers.json', (b: Servers) => { b.servers[1].flavor = { id: '3', links: [] }; }),
      'servers.json: /servers/1/flavor: expected the flavor embedded in the server (compute API 2.47 or later), found no "ram"'],
    ['a server on an unknown host', (d) => edit(d, 'servers-2.json', (b: Servers) => { b.servers[1]['OS-EXT-SRV-ATTR:host'] = 'cmp-99'; }),
      'servers-2.json: /servers/1/OS-EXT-SRV-ATTR:host: server c3000000-0000-4000-8000-000000000006 runs on "cmp-99", which is no compute host of services.json or hypervisors.json'],
    ['an allocation that does not match the flavor', (d) => edit(d, `allocations/${CMP(2)}.json`, (b: Allocations) => { b.allocations[SRV(2)].resources.MEMORY_MB = 4000; }),
      `allocations/${CMP(2)}.json: /allocations/${SRV(2)}/resources/MEMORY_MB: server ${SRV(2)} holds 4000 MEMORY_MB but its flavor m1.medium asks for 4096`],
    ['an ACTIVE server holding resources on another host', (d) => edit(d, `allocations/${CMP(3)}.json`, (b: Allocations) => { b.allocations[SRV(2)] = { resources: { VCPU: 2 } }; }),
      `allocations/${CMP(3)}.json: /allocations/${SRV(2)}/resources: server ${SRV(2)} is ACTIVE on cmp-02 with no task, yet holds resources on host cmp-03`],
    ['an ACTIVE server holding nothing on its host', (d) => edit(d, `allocations/${CMP(2)}.json`, (b: Allocations) => { delete b.allocations[SRV(6)]; }),
      `servers-2.json: /servers/1: server ${SRV(6)} is ACTIVE on cmp-02, but the allocations of cmp-02's resource providers hold nothing for it`],
    ['an inventory reserving more than it has', (d) => edit(d, `inventories/${CMP(1)}.json`, (b: Inventories) => { b.inventories.VCPU.reserved = 17; }),
      `inventories/${CMP(1)}.json: /inventories/VCPU/reserved: reserved 17 exceeds total 16`],
    ['a negative amount', (d) => edit(d, `inventories/${CMP(1)}.json`, (b: Inventories) => { b.inventories.DISK_GB.total = -1; }),
      `inventories/${CMP(1)}.json: /inventories/DISK_GB/total: expected a number of at least 0, found -1`],
    ['an unknown server group policy', (d) => edit(d, 'server_groups.json', (b: Groups) => { b.server_groups[0].policy = 'mostly-apart'; }),
      'server_groups.json: /server_groups/0/policy: unknown server group policy "mostly-apart"'],
    ['a server in two groups', (d) => edit(d, 'server_groups.json', (b: Groups) => { b.server_groups[2].members.push(SRV(1)); }),
      `server_groups.json: /server_groups/2/members/1: server ${SRV(1)} is in server groups ${GROUP(1)} and ${GROUP(3)}; Nova allows one`],
    ['pages that overlap', (d) => edit(d, 'servers-2.json', (b: Servers) => { b.servers.push(JSON.parse(readFileSync(join(d, 'servers.json'), 'utf8')).servers[0]); }),
      (d) => `servers-2.json: /servers/3/id: server ${SRV(1)} is listed twice (also ${join(d, 'servers.json')} /servers/0); pages of one listing must not overlap`],
    ['a target host that does not exist', (d) => edit(d, 'target.json', (b: Target) => { b[SRV(6)] = 'cmp-9'; }), `target.json: /${SRV(6)}: no compute host "cmp-9"`],
    ['a target moving a pinned server', (d) => edit(d, 'target.json', (b: Target) => { b[SRV(5)] = 'cmp-01'; }), `target.json: /${SRV(5)}: server ${SRV(5)} cannot move: status SHUTOFF`],
    ['a target for a server left out', (d) => edit(d, 'target.json', (b: Target) => { b[SRV(7)] = 'cmp-01'; }), `target.json: /${SRV(7)}: server ${SRV(7)} is not in the instance: no host (status ERROR)`],
    ['a server listing made without admin rights', (d) => edit(d, 'servers.json', (b: Servers) => { delete b.servers[2]['OS-EXT-SRV-ATTR:host']; }),
      'servers.json: /servers/2: no "OS-EXT-SRV-ATTR:host": the listing was made without admin rights'],
    ['a hypervisor without a service', (d) => edit(d, 'hypervisors.json', (b: Hypervisors) => { delete b.hypervisors[0].service; }), 'hypervisors.json: /hypervisors/0/service: expected an object, found nothing'],
  ];
  for (const [what, breakIt, message] of cases) {
    it(`refuses ${what}`, () => {
      const dir = copy();
      breakIt(dir);
      if (message instanceof RegExp) expect(refusal(dir)).toMatch(message);
      else expect(refusal(dir)).toBe(typeof message === 'string' ? message : message(dir));
    });
  }

  it('refuses a directory that does not exist', () => {
    expect(() => importOpenStack('/nonexistent/cloud')).toThrow(/no such directory/);
  });

  it('refuses an imported instance shunt itself would refuse (a placement that breaks a hard group)', async () => {
    const dir = copy();
    edit(dir, 'server_groups.json', (b: Groups) => { b.server_groups[2].members = []; b.server_groups[0].members.push(SRV(6)); });
    const { instance } = importOpenStack(dir);
    // Without target.json the target is the placement: it keeps the broken group, so it is refused.
    await expect(loadInstance(instance, { source: 'imported' })).rejects.toThrow(/the target breaks rule anti-affinity/);
  });
});
