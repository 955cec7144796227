/**
 * Cold moves: a VM that cannot move live (it cannot converge, or a rule does not admit it
 * live) is moved cold when its sla and the run allow it, and only then.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstanceDoc } from '../src/model/instance.js';
import { planMigrations } from '../src/api.js';
import { coldSeconds } from '../src/schedule/downtime.js';
import { compileModel } from '../src/model/model.js';
import { cloud, tempDir } from './helpers.js';

/** One VM that dirties 500 MiB/s of its memory, on 1 Gb/s links (119 MiB/s): it cannot converge live. */
function hotVm(sla: object): InstanceDoc {
  return cloud({
    hosts: { h1: { capacity: { ram: 16384 }, attributes: { bandwidth: 1000 } }, h2: { capacity: { ram: 16384 }, attributes: { bandwidth: 1000 } } },
    vms: { db: { demand: { ram: 8192 }, sla, attributes: { dirtyRate: 500 } }, web: { ram: 1024 } },
    at: { db: 'h1', web: 'h1' },
    to: { db: 'h2', web: 'h2' },
  });
}

describe('a VM that cannot converge live', () => {
  it('is moved cold when its sla and --allow cold permit it, with the cold copy as its downtime', async () => {
    const doc = hotVm({ cold: true });
    const { plan } = await planMigrations(doc, { allow: ['cold'], source: 'test' });
    expect(plan.formatVersion).toBe(2);
    const flat = plan.waves.flatMap((w) => w.migrations);
    expect(flat.find((m) => m.vm === 'db')).toMatchObject({ action: 'cold', from: 'h1', to: 'h2' });
    expect(flat.find((m) => m.vm === 'web')).toMatchObject({ action: 'live' });
    const model = compileModel(doc);
    const expected = coldSeconds(model, 0, 0, 1);
    expect(expected).toBeCloseTo(2 + 8192 / (1000 / 8.388608), 6);
    expect(flat.find((m) => m.vm === 'db')!.estimatedDowntime).toBeCloseTo(expected, 2);
    expect(plan.stats.disruption).toMatchObject({ vms: 1, cold: 1, shelve: 0 });
  });

  it('is timed in the schedule as one copy of a stopped guest, not as a live migration that cannot converge', async () => {
    const doc = hotVm({ cold: true });
    const { plan } = await planMigrations(doc, { allow: ['cold'], source: 'test' });
    const db = plan.waves.flatMap((w) => w.migrations).find((m) => m.vm === 'db')!;
    // Alone on its links (web may share them, so at most a little longer, never the live model's round limit).
    const copy = coldSeconds(compileModel(doc), 0, 0, 1);
    expect(db.estimatedSeconds!).toBeGreaterThanOrEqual(copy - 0.01);
    expect(db.estimatedSeconds!).toBeLessThan(copy + 8192 / (1000 / 8.388608));
    expect(plan.stats.makespan?.nonConvergent ?? 0).toBe(0);
  });

  it('stays live (a v1 plan) without the permission', async () => {
    const { plan } = await planMigrations(hotVm({ cold: true }), { source: 'test' });
    expect(plan.formatVersion).toBeUndefined();
    expect(plan.waves.flatMap((w) => w.migrations).every((m) => m.action === undefined)).toBe(true);
    expect(plan.stats.disruption).toBeUndefined();
  });

  it('stays live when its sla does not allow cold moves, whatever the run allows', async () => {
    const { plan } = await planMigrations(hotVm({ shelve: true }), { allow: ['cold', 'shelve'], source: 'test' });
    expect(plan.waves.flatMap((w) => w.migrations).some((m) => m.action === 'cold')).toBe(false);
  });
});

/** A user rule that admits VMs named slow-* live nowhere (as the downtime rule does for a VM beyond its SLA). */
function noLiveRule(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'no-live.json'), JSON.stringify({ name: 'no-live', kind: 'rule', module: './no-live.js', optionsSchema: { type: 'object' } }));
  writeFileSync(join(dir, 'no-live.js'), `export default { create(_o, { model }) { return {
    name: 'no-live', check() { return []; }, admits() { return true; },
    admitsLive(vm) { return !model.vms[vm].name.startsWith('slow-'); },
  }; } };\n`);
  return dir;
}

describe('a VM that a rule does not admit live', () => {
  const doc = (sla: object): InstanceDoc => cloud({
    hosts: { h1: { ram: 16384 }, h2: { ram: 16384 } },
    vms: { 'slow-1': { demand: { ram: 4096 }, sla }, fast: { ram: 2048 } },
    at: { 'slow-1': 'h1', fast: 'h1' },
    to: { 'slow-1': 'h2', fast: 'h2' },
    policy: { rules: ['no-live'] },
  });

  it('is moved cold when allowed', async () => {
    const { plan } = await planMigrations(doc({ cold: true }), { allow: ['cold'], pluginDirs: [noLiveRule()], source: 'test' });
    expect(['optimal', 'feasible']).toContain(plan.status);
    const flat = plan.waves.flatMap((w) => w.migrations);
    expect(flat.find((m) => m.vm === 'slow-1')!.action).toBe('cold');
    expect(flat.find((m) => m.vm === 'fast')!.action).toBe('live');
  });
});
