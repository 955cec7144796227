/**
 * A user rule's service-level hooks are checked where they enter shunt, like the rest of
 * its contract: a breach ends with exit 2 naming the plugin, the hook, its input and the
 * value, and nothing is written. A well-behaved user rule is honoured like a built-in.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloud, shunt, tempDir } from './helpers.js';

/** A user rule `sla-hooks` whose create() body is given. */
function ruleDir(body: string): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'plugins'));
  writeFileSync(join(dir, 'plugins', 'sla-hooks.json'), JSON.stringify({ name: 'sla-hooks', kind: 'rule', module: './sla-hooks.js' }));
  writeFileSync(join(dir, 'plugins', 'sla-hooks.js'), `export default { create(options, { model }) { ${body} } };`);
  return dir;
}

const base = "name: 'sla-hooks', check() { return []; }, admits() { return true; }";

/** Two swaps' worth of VMs of one group; big and small swap through a spare. */
const doc = cloud({
  hosts: { h1: { ram: 8 }, h2: { ram: 8 }, spare: { ram: 8 } },
  vms: { big: { demand: { ram: 6 }, group: 'g' }, small: { demand: { ram: 4 }, group: 'g' } },
  at: { big: 'h1', small: 'h2' },
  to: { big: 'h2', small: 'h1' },
  policy: { rules: ['sla-hooks'] },
});

async function planWith(dir: string, ...flags: string[]) {
  const file = join(dir, 'instance.json');
  writeFileSync(file, JSON.stringify(doc));
  const out = join(dir, 'plan.json');
  const r = await shunt('plan', file, '--plugins', join(dir, 'plugins'), '--out', out, ...flags);
  return { ...r, written: existsSync(out) };
}

describe('a user rule with service-level hooks', () => {
  it.each([
    ['maxMoves() returning a string', `return { ${base}, maxMoves() { return 'one'; } };`, 'maxMoves(vm', 'returned "one"'],
    ['admitsLive() returning a number', `return { ${base}, admitsLive() { return 1; } };`, 'admitsLive(vm', 'returned 1'],
    ['migrationGroups with a limit of 0', `return { ${base}, migrationGroups: [{ name: 'g', vms: [0, 1], limit: 0 }] };`, 'create()', 'limit: an integer >= 1'],
  ])('%s ends with exit 2 naming the plugin and the hook; nothing written', async (_what, body, hook, text) => {
    const r = await planWith(ruleDir(body));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('rule plugin "sla-hooks" broke its contract');
    expect(r.stderr).toContain(hook);
    expect(r.stderr).toContain(text);
    expect(r.written).toBe(false);
  });

  it('is honoured like a built-in: a budget of 1 for small makes big the one parked (small is cheaper to park)', async () => {
    const r = await planWith(ruleDir(`return { ${base}, maxMoves(v) { return model.vms[v].name === 'small' ? 1 : Infinity; } };`), '--json');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { waves: Array<{ migrations: Array<{ vm: string }> }> };
    expect(plan.waves.flatMap((w) => w.migrations.map((m) => m.vm))).toEqual(['big', 'small', 'big']);
  });
});
