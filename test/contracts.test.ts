/**
 * Plugin contracts checked where plugins meet the kernel: what a plugin returns, what it
 * throws, and whether a rule is monotone as it claims. A breach ends with exit 2 naming the
 * plugin, the function, the input and the value, and nothing is written.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloud, shunt, tempDir } from './helpers.js';

/** A user plugin directory with one plugin: manifest fields and the module's source. */
function pluginDir(manifest: Record<string, unknown>, source: string): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'plugins'));
  writeFileSync(join(dir, 'plugins', `${manifest['name']}.json`), JSON.stringify({ module: `./${manifest['name']}.js`, ...manifest }));
  writeFileSync(join(dir, 'plugins', `${manifest['name']}.js`), source);
  return dir;
}

const swap = cloud({
  hosts: { h1: { ram: 8 }, h2: { ram: 8 }, spare: { ram: 8 } },
  vms: { big: { ram: 6 }, small: { ram: 4 } },
  at: { big: 'h1', small: 'h2' },
  to: { big: 'h2', small: 'h1' },
});

/** Plans `doc` with the plugin of `dir` enabled by `policy`, writing --out into dir. */
async function planWith(dir: string, doc: object, policy: object, ...flags: string[]) {
  const file = join(dir, 'instance.json');
  writeFileSync(file, JSON.stringify({ ...doc, policy }));
  const out = join(dir, 'plan.json');
  const r = await shunt('plan', file, '--plugins', join(dir, 'plugins'), '--out', out, ...flags);
  return { ...r, written: existsSync(out) };
}

const costPlugin = (body: string) => pluginDir({ name: 'odd-cost', kind: 'cost' },
  `export default { create() { return { name: 'odd-cost', unit: 'u', cost(vm, from, to) { ${body} } }; } };`);
const rulePlugin = (name: string, body: string, manifest: Record<string, unknown> = {}) => pluginDir({ name, kind: 'rule', ...manifest },
  `export default { create(options, { model }) { ${body} } };`);

describe('a cost plugin', () => {
  it.each([
    ['NaN', 'return NaN;', 'returned NaN'],
    ['a negative cost', 'return -1;', 'returned -1'],
    ['a string', "return '12';", 'returned "12"'],
    ['Infinity', 'return Infinity;', 'returned Infinity'],
  ])('returning %s ends with exit 2 naming plugin, function, input and value; nothing written', async (_what, body, value) => {
    const dir = costPlugin(body);
    const r = await planWith(dir, swap, { cost: 'odd-cost' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cost plugin "odd-cost" broke its contract: cost(vm ');
    expect(r.stderr).toMatch(/cost\(vm "(big|small)", from "\w+", to "\w+"\)/);
    expect(r.stderr).toContain(`${value}: a cost must be a finite number >= 0`);
    expect(r.stdout).toBe('');
    expect(r.written).toBe(false);
  });

  it('that throws is named, with the function and its input', async () => {
    const dir = costPlugin("throw new TypeError('boom');");
    const r = await planWith(dir, swap, { cost: 'odd-cost' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cost plugin "odd-cost" broke its contract: cost\(vm "\w+", from "\w+", to "\w+"\) threw TypeError: boom/);
  });

  it('breaking its contract gives a JSON error object with --json', async () => {
    const dir = costPlugin('return NaN;');
    const r = await planWith(dir, swap, { cost: 'odd-cost' }, '--json');
    expect(JSON.parse(r.stdout).error).toMatchObject({ exitCode: 2, issues: [{ source: 'plugin odd-cost', path: '' }] });
  });
});

describe('a rule plugin', () => {
  it('whose create() returns null is refused, not dropped', async () => {
    const dir = rulePlugin('nothing', 'return null;');
    const r = await planWith(dir, swap, { rules: ['nothing'] });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('rule plugin "nothing" broke its contract: create({}) returned null: a rule plugin\'s create() must return an object');
  });

  it('whose create() returns something without admits() is refused', async () => {
    const dir = rulePlugin('half', "return { name: 'half', check: () => [] };");
    const r = await planWith(dir, swap, { rules: ['half'] });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('returned an object without admits(): a rule needs check, admits');
  });

  it('whose check() returns a string is refused', async () => {
    const dir = rulePlugin('chatty', "return { name: 'chatty', check: () => 'all fine', admits: () => true };");
    const r = await planWith(dir, swap, { rules: ['chatty'] });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rule plugin "chatty" broke its contract: check\(a state with 0 VMs in flight, [^)]*\) returned "all fine": check\(\) must return an array of violations/);
  });

  it('whose violations lack a message is refused', async () => {
    const dir = rulePlugin('mute', "return { name: 'mute', check: (s, hosts) => (hosts ? [] : [{ rule: 'mute' }]), admits: () => true };");
    const r = await planWith(dir, swap, { rules: ['mute'] });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('returned a violation {"rule":"mute"} that has message nothing, not a text');
  });

  it('whose admits() returns a non-boolean is refused', async () => {
    const dir = rulePlugin('maybe', "return { name: 'maybe', check: () => [], admits: () => 'yes' };");
    const r = await planWith(dir, swap, { rules: ['maybe'] });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rule plugin "maybe" broke its contract: admits\(vm "\w+", host "\w+"\) returned "yes": admits\(\) must return true or false/);
    expect(r.written).toBe(false);
  });

  it('whose create() throws is named', async () => {
    const dir = rulePlugin('fragile', "throw new Error('create failed');");
    const r = await planWith(dir, swap, { rules: ['fragile'] });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('rule plugin "fragile" broke its contract: create({}) threw Error: create failed');
  });
});

// "Every host keeps at least one VM": removing a VM can break it, adding one can repair it.
const keepsOne = `return {
  name: 'keeps-one',
  check(state, hosts) {
    const out = [];
    for (const h of hosts ?? model.hosts.map((x) => x.index)) {
      if ([...state.vmsOn(h)].length === 0) out.push({ rule: 'keeps-one', host: model.hosts[h].name, message: 'host ' + model.hosts[h].name + ' is empty' });
    }
    return out;
  },
  admits: () => true,
};`;

// Two hosts exchange their VMs through a spare: in parallel, neither host is ever empty.
const exchange = cloud({
  hosts: { a: { ram: 8 }, b: { ram: 8 }, c: { ram: 8 } },
  vms: { x: { ram: 2 }, y: { ram: 2 }, z: { ram: 2 } },
  at: { x: 'a', y: 'b', z: 'c' },
  to: { x: 'b', y: 'c', z: 'a' },
  limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null, maxPerWave: null },
});

describe('monotonicity', () => {
  it('a rule that is not monotone and does not say so is refused at load time', async () => {
    const dir = rulePlugin('keeps-one', keepsOne);
    const r = await planWith(dir, exchange, { rules: ['keeps-one'] });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rule "keeps-one" is not monotone, but its manifest \(.*keeps-one\.json\) does not say so: with VM "\w" moved from "\w" to "\w" it reports "host \w is empty"/);
    expect(r.stderr).toContain('declare "monotone": false in the manifest');
    expect(r.written).toBe(false);
  });

  it('declared with monotone: false, its migrations run one at a time, each waiting for the one before', async () => {
    const dir = rulePlugin('keeps-one', keepsOne, { monotone: false });
    const spread = cloud({
      hosts: { a: { ram: 8 }, b: { ram: 8 }, c: { ram: 8 } },
      vms: { x1: { ram: 2 }, x2: { ram: 2 }, x3: { ram: 2 }, y: { ram: 2 }, z: { ram: 2 } },
      at: { x1: 'a', x2: 'a', x3: 'a', y: 'b', z: 'c' },
      to: { x1: 'b', x2: 'c', x3: 'a', y: 'b', z: 'c' },
      limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null, maxPerWave: null },
    });
    const r = await planWith(dir, spread, { rules: ['keeps-one'] }, '--json');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.waves.map((w: { migrations: unknown[] }) => w.migrations.length)).toEqual([1, 1]);
    plan.waves.forEach((w: { migrations: Array<{ after: number[] }> }, i: number) => expect(w.migrations[0]!.after).toEqual(i ? [i - 1] : []));
    expect(plan.notes.join(' ')).toMatch(/keeps-one is not monotone .*one at a time/);
  });

  it('declared with monotone: false, when the order the engine found breaks it, nothing is claimed (exit 4)', async () => {
    const dir = rulePlugin('keeps-one', keepsOne, { monotone: false });
    const r = await planWith(dir, exchange, { rules: ['keeps-one'] }, '--json');
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).explanation[0]).toMatch(/breaks rule keeps-one \(not monotone\) when its migrations run one at a time/);
    expect(r.written).toBe(false);
  });

  it('the verifier replays a plan under such a rule one migration at a time and refuses parallel waves', async () => {
    const dir = rulePlugin('keeps-one', keepsOne, { monotone: false });
    const policy = { rules: ['keeps-one'] };
    const file = join(dir, 'instance.json');
    writeFileSync(file, JSON.stringify({ ...exchange, policy }));
    const parallel = { status: 'feasible', engine: 'hand', cost: 6, lowerBound: 6, stats: { moves: 3, waves: 1, seconds: 0 },
      waves: [{ migrations: [{ vm: 'x', from: 'a', to: 'b' }, { vm: 'y', from: 'b', to: 'c' }, { vm: 'z', from: 'c', to: 'a' }] }] };
    writeFileSync(join(dir, 'parallel.json'), JSON.stringify(parallel));
    const r = await shunt('verify', file, join(dir, 'parallel.json'), '--plugins', join(dir, 'plugins'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('3 migrations at once, but rule keeps-one is not monotone');
    const serial = { ...parallel, waves: parallel.waves[0]!.migrations.map((m) => ({ migrations: [m] })) };
    writeFileSync(join(dir, 'serial.json'), JSON.stringify(serial));
    const s = await shunt('verify', file, join(dir, 'serial.json'), '--plugins', join(dir, 'plugins'));
    expect(s.code).toBe(1);
    expect(s.stdout).toContain('[keeps-one] after wave 1: host a is empty');
  });
});
