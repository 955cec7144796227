/** BtrPlace interop: the 54 kherbache benchmark instances import, plan and export faithfully. */
import 'reflect-metadata';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers.js';
import { loadInstance, planMigrations } from '../src/api.js';
import { InputError } from '../src/io/errors.js';
import type { InstanceDoc } from '../src/model/instance.js';
import type { Plan } from '../src/model/plan.js';
import { importBtrPlace } from '../src/interop/btrplace-import.js';
import { DEFAULT_BANDWIDTH_MBPS, estimateMigrationSeconds, exportBtrPlace } from '../src/interop/btrplace-export.js';
import { isMigrateVM, isNodeAction, type BtrPlaceInstance, type BtrPlaceShareableResource } from '../src/interop/btrplace-format.js';

/** The benchmark folder (../shared, read-only); SHUNT_BTRPLACE_BENCH points elsewhere. A missing folder fails, never skips. */
const BENCH = process.env['SHUNT_BTRPLACE_BENCH'] ?? join(__dirname, '..', '..', 'shared', 'bench', 'btrplace-kherbache');
const CATEGORIES = ['random_vms_scale', 'random_infra_scale', 'random_decommissioning_vms_scale', 'random_decommissioning_infra_scale'];
const files: string[] = existsSync(BENCH)
  ? (readdirSync(BENCH, { recursive: true }) as string[]).filter((f) => f.endsWith('.json')).sort()
  : [];
const read = (rel: string) => JSON.parse(readFileSync(join(BENCH, rel), 'utf8')) as BtrPlaceInstance;


/** Every kind of warning the benchmark files are expected to produce. */
const EXPECTED_WARNINGS = [
  /^objective "minimizeMTTRMigrationScheduling" not translated/,
  /^constraint "offline" \(\d+\) not translated: .* the target leaves every one of them empty$/,
  /^\d+ offline nodes receive VMs: BtrPlace boots them first/,
];

describe('the BtrPlace benchmark folder', () => {
  it('holds the 54 kherbache instances', () => {
    expect(existsSync(BENCH), `BtrPlace benchmark folder missing: ${BENCH} (see ../shared/README.md)`).toBe(true);
    expect(files, `expected 54 instance files under ${BENCH}`).toHaveLength(54);
    for (const c of CATEGORIES) expect(files.some((f) => f.startsWith(c)), `no instances of ${c}`).toBe(true);
  });
});

describe('importBtrPlace on every benchmark instance', () => {
  it.each(files)('%s', async (rel) => {
    const src = read(rel);
    const { instance, warnings } = importBtrPlace(src, { source: rel });
    const loaded = await loadInstance(instance, { source: rel });

    const online = Object.entries(src.model.mapping.onlineNodes);
    const offline = src.model.mapping.offlineNodes ?? [];
    const running = online.flatMap(([, n]) => n.runningVMs ?? []);
    expect(instance.hosts).toHaveLength(online.length + offline.length);
    expect(instance.vms).toHaveLength(running.length);
    expect(loaded.model.hosts).toHaveLength(online.length + offline.length);

    // Every VM has a target, the one its fence names.
    const fences = new Map((src.constraints ?? []).filter((c) => c.id === 'fence').map((c) => [c['vm'] as number, (c['nodes'] as number[])[0]!]));
    for (const vm of instance.vms) expect(instance.target![vm.name], vm.name).toBe(`node-${fences.get(Number(vm.name.slice(3)))}`);
    for (const [id, n] of online) for (const vm of n.runningVMs ?? []) expect(instance.placement[`vm-${vm}`]).toBe(`node-${id}`);

    // Resources: mem (GB) -> ram (MiB), cpu -> cpu.
    expect(loaded.model.resources).toEqual(['ram', 'cpu']);
    const view = (rc: string) => src.model.views!.find((v) => v.id === 'shareableResource' && v['rcId'] === rc) as unknown as BtrPlaceShareableResource;
    const mem = view('mem');
    const cpu = view('cpu');
    for (const h of instance.hosts) {
      const id = h.name.slice(5);
      expect(h.capacity).toEqual({ ram: (mem.nodes![id] ?? mem.defCapacity!) * 1024, cpu: cpu.nodes![id] ?? cpu.defCapacity! });
      expect(typeof h.attributes?.['bandwidth']).toBe('number');
      expect(h.attributes?.['offline'] === true).toBe(offline.includes(Number(id)));
    }
    for (const v of instance.vms) {
      const id = v.name.slice(3);
      expect(v.demand).toEqual({ ram: (mem.vms![id] ?? mem.defConsumption!) * 1024, cpu: cpu.vms![id] ?? cpu.defConsumption! });
      expect(v.attributes).toEqual(expect.objectContaining({ memUsed: expect.any(Number), hotDirtySize: expect.any(Number), hotDirtyDuration: expect.any(Number), coldDirtyRate: expect.any(Number) }));
    }
    expect(instance.limits).toEqual({ maxOutgoingPerHost: 1, maxIncomingPerHost: 1 });

    // Nothing untranslated goes unmentioned, and nothing unexpected is there.
    for (const w of warnings) expect(EXPECTED_WARNINGS.some((re) => re.test(w)), w).toBe(true);
    const hasOfflineConstraints = (src.constraints ?? []).some((c) => c.id === 'offline');
    expect(warnings.some((w) => w.startsWith('constraint "offline"'))).toBe(hasOfflineConstraints);
  });
});

describe('planning and exporting imported instances (smallest scale of each category)', () => {
  const smallest = CATEGORIES.map((c) => `${c}/x1/instance_1.json`);

  it.each(smallest)('%s', async (rel) => {
    expect(files, `missing ${rel} under ${BENCH}`).toContain(rel);
    const src = read(rel);
    const { instance } = importBtrPlace(src, { source: rel });
    const { plan } = await planMigrations(instance, { source: rel });
    expect(['optimal', 'feasible']).toContain(plan.status);
    expect(plan.stats.moves).toBeGreaterThanOrEqual(instance.vms.length);

    const { plan: out } = exportBtrPlace(instance, plan, { origin: src.model });
    expect(out.origin).toBe(src.model);
    const migrations = out.actions.filter(isMigrateVM);
    const ours = plan.waves.flatMap((w) => w.migrations);
    expect(migrations).toHaveLength(ours.length);
    migrations.forEach((a, i) => {
      expect(Number.isInteger(a.vm) && Number.isInteger(a.from) && Number.isInteger(a.to)).toBe(true);
      expect(a.from).not.toBe(a.to);
      expect(Number.isInteger(a.start) && Number.isInteger(a.end) && a.start >= 0 && a.start < a.end).toBe(true);
      expect(ours[i]).toMatchObject({ vm: `vm-${a.vm}`, from: `node-${a.from}`, to: `node-${a.to}` });
    });
    // A plan without a schedule (hand-written): waves run one after another, each as long as its longest migration.
    const bare = { waves: plan.waves.map((w) => ({ migrations: w.migrations.map(({ vm, from, to }) => ({ vm, from, to })) })) };
    const byWave = exportBtrPlace(instance, bare, { origin: src.model }).plan.actions.filter(isMigrateVM);
    let k0 = 0;
    let previousEnd = -1;
    for (const w of bare.waves) {
      const wave = byWave.slice(k0, k0 + w.migrations.length);
      k0 += w.migrations.length;
      expect(wave.every((a) => a.start === wave[0]!.start)).toBe(true);
      expect(wave[0]!.start).toBeGreaterThanOrEqual(previousEnd);
      previousEnd = Math.max(...wave.map((a) => a.end));
    }
    // The plan's dependency-based schedule: a migration starts once the ones it waits for have ended.
    ours.forEach((m, k) => {
      expect(m.after).toBeDefined();
      for (const dep of m.after!) expect(migrations[k]!.start).toBeGreaterThanOrEqual(migrations[dep]!.end);
    });
    // Offline nodes are booted before their first migration; emptied nodes shut down after their last.
    for (const boot of out.actions.filter(isNodeAction('bootNode'))) {
      expect(src.model.mapping.offlineNodes).toContain(boot.node);
      for (const m of migrations.filter((m) => m.to === boot.node)) expect(m.start).toBeGreaterThanOrEqual(boot.end);
    }
    const shutdowns = out.actions.filter(isNodeAction('shutdownNode'));
    expect(shutdowns).toHaveLength((src.constraints ?? []).filter((c) => c.id === 'offline').length);
    for (const s of shutdowns) for (const m of migrations.filter((m) => m.from === s.node || m.to === s.node)) expect(m.end).toBeLessThanOrEqual(s.start);
  });

  it('lifts the per-host limits with concurrency "unlimited" and estimates no longer a makespan', async () => {
    const src = read('random_vms_scale/x1/instance_1.json');
    const capped = await planMigrations(importBtrPlace(src).instance);
    const free = importBtrPlace(src, { concurrency: 'unlimited' }).instance;
    expect(free.limits).toEqual({ maxOutgoingPerHost: null, maxIncomingPerHost: null, maxPerWave: null });
    const { plan } = await planMigrations(free);
    expect(['optimal', 'feasible']).toContain(plan.status);
    expect(plan.stats.makespan!.dependencies).toBeLessThanOrEqual(capped.plan.stats.makespan!.dependencies);
    expect(plan.stats.makespan!.dependencies).toBeGreaterThanOrEqual(plan.stats.makespan!.lowerBound!);
  });
});

describe('the duration estimate', () => {
  it('is the RAM over the slower link, 10,000 Mb/s by default', () => {
    const vm = { name: 'vm-1', demand: { ram: 4096 } };
    const slow = { name: 'node-1', attributes: { bandwidth: 1000 } };
    const plain = { name: 'node-2' };
    expect(estimateMigrationSeconds(vm, slow, plain)).toBeCloseTo((4096 * 8 * 1.048576) / 1000, 9);
    expect(estimateMigrationSeconds(vm, plain, plain)).toBeCloseTo((4096 * 8 * 1.048576) / DEFAULT_BANDWIDTH_MBPS, 9);
  });

  it('can be replaced, and every migration lasts at least one second', () => {
    const instance: InstanceDoc = {
      hosts: [{ name: 'a' }, { name: 'node-7' }],
      vms: [{ name: 'web', demand: { ram: 0 } }, { name: 'vm-3', demand: { ram: 1024 } }],
      placement: { web: 'a', 'vm-3': 'a' },
    };
    const plan = { waves: [{ migrations: [{ vm: 'web', from: 'a', to: 'node-7' }] }, { migrations: [{ vm: 'vm-3', from: 'a', to: 'node-7' }] }] };
    const { plan: out, warnings } = exportBtrPlace(instance, plan, { duration: () => 10 });
    expect(out.actions).toEqual([
      { id: 'migrateVM', vm: 4, from: 8, to: 7, start: 0, end: 10 },
      { id: 'migrateVM', vm: 3, from: 8, to: 7, start: 10, end: 20 },
    ]);
    expect(warnings.join('\n')).toMatch(/host names are not node-<id>: given fresh ids \(a = 8\)/);
    expect(warnings.join('\n')).toMatch(/VM names are not vm-<id>: given fresh ids \(web = 4\)/);
    expect(out.origin.mapping.onlineNodes['8']!.runningVMs).toEqual([4, 3]);
    expect(exportBtrPlace(instance, plan).plan.actions[0]).toMatchObject({ start: 0, end: 1 });
  });
});

describe('what the importer cannot translate', () => {
  const handWritten = {
    model: {
      mapping: {
        onlineNodes: { '0': { runningVMs: [0, 1], sleepingVMs: [2] }, '1': { runningVMs: [], sleepingVMs: [] } },
        offlineNodes: [2],
        readyVMs: [],
      },
      attributes: { nodes: { '2': { boot: 60 } }, vms: { '0': { memUsed: 1000 } } },
      views: [
        { id: 'shareableResource', rcId: 'mem', defCapacity: 8, defConsumption: 1, nodes: {}, vms: { '1': 2 } },
        { id: 'shareableResource', rcId: 'disk', defCapacity: 100, defConsumption: 10, nodes: {}, vms: {} },
        { id: 'powerModel' },
      ],
    },
    constraints: [
      { id: 'fence', vm: 0, nodes: [1], continuous: false },
      { id: 'fence', vm: 1, nodes: [1, 2], continuous: false },
      { id: 'spread', vms: [0, 1], continuous: true },
    ],
    objective: { id: 'minimizeMTTR' },
  };

  it('names each untranslated constraint, view and VM in a warning', async () => {
    const { instance, warnings } = importBtrPlace(handWritten);
    const text = warnings.join('\n');
    expect(text).toMatch(/constraint "spread" \(1\) not translated/);
    expect(text).toMatch(/1 fence constraints on several nodes not translated: .*\(vm-1\)/);
    expect(text).toMatch(/1 sleeping VMs not translated.*\(vm-2\)/);
    expect(text).toMatch(/view shareableResource "disk" not translated/);
    expect(text).toMatch(/view "powerModel" not translated/);
    expect(text).toMatch(/objective "minimizeMTTR" not translated/);
    expect(instance.target).toEqual({ 'vm-0': 'node-1' });
    expect(instance.vms).toEqual([
      { name: 'vm-0', demand: { ram: 1024 }, attributes: { memUsed: 1000 } },
      { name: 'vm-1', demand: { ram: 2048 } },
    ]);
    expect(instance.hosts[2]).toEqual({ name: 'node-2', capacity: { ram: 8192 }, attributes: { boot: 60, offline: true } });
    await expect(loadInstance(instance)).resolves.toBeDefined();
  });

  it('refuses a document that is not a BtrPlace instance, with a clear message', () => {
    expect(() => importBtrPlace({ hosts: [], vms: [], placement: {} }, { source: 'x.json' })).toThrow(/not a BtrPlace instance.*shunt instance already/);
    expect(() => importBtrPlace({ model: { mapping: {} } })).toThrow(InputError);
    expect(() => importBtrPlace({ model: { mapping: { onlineNodes: { a: {} } } } })).toThrow(/node id must be a non-negative integer/);
    expect(() => importBtrPlace({ model: { mapping: { onlineNodes: { '0': { runningVMs: [1] }, '1': { runningVMs: [1] } } } } })).toThrow(/VM 1 already runs on node 0/);
  });
});

describe('shunt import btrplace / shunt export btrplace', () => {
  const rel = 'random_decommissioning_infra_scale/x1/instance_1.json';

  it('imports to a file atomically, warns on stderr, plans, and exports a BtrPlace plan', async () => {
    expect(files, `missing ${rel} under ${BENCH}`).toContain(rel);
    const dir = mkdtempSync(join(tmpdir(), 'shunt-btrplace-'));
    const inst = join(dir, 'instance.json');
    const r = await cli(['import', 'btrplace', join(BENCH, rel), '--out', inst]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/warning: .*constraint "offline" \(48\) not translated/);
    expect(readdirSync(dir)).toEqual(['instance.json']);

    const planFile = join(dir, 'plan.json');
    expect((await cli(['plan', inst, '--out', planFile])).code).toBe(0);
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;

    for (const from of [inst, join(BENCH, rel)]) {
      const e = await cli(['export', 'btrplace', from, planFile]);
      expect(e.code, e.stderr).toBe(0);
      const out = JSON.parse(e.stdout);
      expect(out.actions.filter((a: { id: string }) => a.id === 'migrateVM')).toHaveLength(plan.stats.moves);
      if (from !== inst) expect(out.origin).toEqual(read(rel).model);
    }
  });

  it('--unlimited lifts the per-host limits', async () => {
    const r = await cli(['import', 'btrplace', join(BENCH, 'random_vms_scale/x1/instance_1.json'), '--unlimited']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).limits).toEqual({ maxOutgoingPerHost: null, maxIncomingPerHost: null, maxPerWave: null });
  });

  it('exits 2 with a clear message for a file that is not a BtrPlace instance', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shunt-btrplace-'));
    const f = join(dir, 'not-btrplace.json');
    writeFileSync(f, JSON.stringify({ hosts: [], vms: [], placement: {} }));
    const r = await cli(['import', 'btrplace', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not-btrplace\.json: \/model: not a BtrPlace instance/);
    expect(r.stdout).toBe('');
  });

  it('refuses to export a plan that fails verification (exit 1)', async () => {
    const bad = { waves: [{ migrations: [{ vm: 'vm-0', from: 'node-1', to: 'node-2' }] }] };
    const r = await cli(['export', 'btrplace', join(BENCH, rel), '-'], JSON.stringify(bad));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fails verification/);
    expect(r.stdout).toBe('');
  });
});
