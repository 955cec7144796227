/** The HTML report, without a browser: what it contains, how it escapes, when it refuses. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/model/plan.js';
import { cli as shunt, cloud, load, plan, shuntProcess } from './helpers.js';
import { escapeHtml, jsonForScript, visible } from '../src/report/escape.js';
import { classifyActions } from '../src/report/actions.js';
import { planReport } from '../src/report/plan-report.js';
import { replayUtilisation } from '../src/report/utilisation.js';
import { MAX_ROWS, renderTimeline, timelineRows } from '../src/report/timeline.js';
import type { ReportMigration } from '../src/report/data.js';


const swap = cloud({
  hosts: { h1: { ram: 8 }, h2: { ram: 8 }, spare: { ram: 8 } },
  vms: { big: { ram: 6 }, small: { ram: 4 } },
  at: { big: 'h1', small: 'h2' },
  to: { big: 'h2', small: 'h1' },
});

/** Names that would break markup, attributes or scripts if written as they are. */
const HOSTILE_VM = '</script><script>alert("vm")</script> & \'q\' \u0001\u0085';
const HOSTILE_HOST = '<b onmouseover="x()">h&1</b>';
const hostile = cloud({
  hosts: { [HOSTILE_HOST]: { ram: 8 }, h2: { ram: 8 } },
  vms: { [HOSTILE_VM]: { ram: 4 } },
  at: { [HOSTILE_VM]: HOSTILE_HOST },
  to: { [HOSTILE_VM]: 'h2' },
});

const dataOf = (html: string) => JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!);
/** The page without its inlined scripts (ECharts is a megabyte of text). */
const markup = (html: string) => html.replace(/(<script[^>]*>)[\s\S]*?<\/script>/g, '$1</script>');
const migrationElements = (html: string) => html.match(/<path class="m [^"]*"/g) ?? [];

async function report(doc: typeof swap, p?: Plan) {
  const loaded = await load(doc);
  const result = planReport(loaded, p ?? await plan(doc), 'test.json');
  if (!result.ok) throw new Error('refused');
  return result.html;
}

describe('escaping', () => {
  it('escapes markup characters and shows control characters as \\uXXXX', () => {
    expect(escapeHtml('<a href="x">&\'</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
    expect(visible('a\u0000b\u001fc\u007fd\u0085e\u2028')).toBe('a\\u0000b\\u001fc\\u007fd\\u0085e\\u2028');
    expect(escapeHtml('tab\there')).toBe('tab\\u0009here');
  });

  it('embeds data as JSON that round-trips exactly and cannot close its script element', () => {
    const value = { name: HOSTILE_VM, other: '<!-- -->\u2028\u2029' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/<|>|\u2028|\u2029/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('writes hostile VM and host names only escaped: the page has exactly its own three scripts', async () => {
    const html = await report(hostile);
    expect(markup(html).match(/<script/g)).toHaveLength(3);
    expect(markup(html)).not.toContain('onmouseover="x()"');
    expect(html).toContain(`data-vm="${escapeHtml(HOSTILE_VM)}"`);
    expect(html).toContain(`data-from="${escapeHtml(HOSTILE_HOST)}"`);
    expect(markup(html)).not.toContain('\u0001');
    expect(markup(html)).not.toContain('\u0085');
    const data = dataOf(html);
    expect(data.migrations[0]).toMatchObject({ vm: HOSTILE_VM, from: HOSTILE_HOST, to: 'h2' });
  });
});

describe('plan report', () => {
  it('has one migration element per migration, in plan order, with its VM and hosts', async () => {
    const p = await plan(swap);
    const html = await report(swap, p);
    const flat = p.waves.flatMap((w) => w.migrations);
    expect(migrationElements(html)).toHaveLength(flat.length);
    const attrs = [...html.matchAll(/<path class="m [^"]*" d="[^"]*" data-i="(\d+)" data-vm="([^"]*)" data-from="([^"]*)" data-to="([^"]*)"/g)].map((m) => [Number(m[1]), m[2], m[3], m[4]]);
    expect(attrs).toEqual(flat.map((m, i) => [i, m.vm, m.from, m.to]));
  });

  it('states the verdict, the proof and the estimated makespans in the header', async () => {
    const p = await plan(swap);
    const html = await report(swap, p);
    expect(html).toContain('<span>optimal</span>');
    expect(html).toContain(`${p.cost} / ${p.lowerBound}`);
    expect(html).toContain(`<span>${p.waves.length} / ${p.stats.wavesLowerBound}</span>`);
    expect(html).toContain('replayed by the verifier for this report');
    expect(html).toMatch(/makespan: dependencies<\/b><span>[\d.]+ s/);
    expect(markup(html)).not.toMatch(/<script src=|<link |https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('tells parking from direct moves and returns, and keeps an action a migration names', async () => {
    const loaded = await load(swap);
    const waves = [
      { migrations: [{ vm: 'small', from: 'h2', to: 'spare' }] },
      { migrations: [{ vm: 'big', from: 'h1', to: 'h2' }] },
      { migrations: [{ vm: 'small', from: 'spare', to: 'h1', action: 'cold' }] },
    ];
    expect(classifyActions(loaded.model, waves)).toEqual(['parking', 'direct', 'cold']);
    waves[2]!.migrations[0] = { vm: 'small', from: 'spare', to: 'h1' };
    expect(classifyActions(loaded.model, waves)).toEqual(['parking', 'direct', 'return']);
  });

  it('refuses a plan that fails the replay verifier, with its violations', async () => {
    const loaded = await load(swap);
    const bad: Plan = {
      status: 'feasible', engine: 'hand', cost: 10, lowerBound: 10, stats: { moves: 2, waves: 1, seconds: 0 },
      waves: [{ migrations: [{ vm: 'big', from: 'h1', to: 'h2' }, { vm: 'small', from: 'h2', to: 'h1' }] }],
    };
    const result = planReport(loaded, bad, 'test.json');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.violations.map((v) => v.rule)).toContain('capacity');
  });

  it('computes and checks the schedule of a plan that carries none', async () => {
    const p = await plan(swap);
    for (const w of p.waves) for (const m of w.migrations) { delete m.after; delete m.estimatedStart; delete m.estimatedSeconds; }
    const data = dataOf(await report(swap, p));
    expect(data.notes.join(' ')).toMatch(/carried no schedule/);
    expect(data.migrations.every((m: ReportMigration) => m.seconds > 0)).toBe(true);
  });

  it('shows the verdict and the explanation, and no timeline, when there is no plan', async () => {
    const impossible = { ...swap, hosts: swap.hosts.slice(0, 2) };
    const loaded = await load(impossible);
    const none: Plan = { status: 'infeasible', engine: 'heuristic', cost: null, lowerBound: 12, waves: [], stats: { moves: 0, waves: 0, seconds: 0 }, explanation: ['big and small block each other'] };
    const result = planReport(loaded, none, 'x.json');
    expect(result.ok && result.html).toContain('big and small block each other');
    expect(result.ok && migrationElements(result.html)).toHaveLength(0);
  });
});

describe('utilisation from the replay', () => {
  it('counts a migrating VM on both hosts at the peak, and marks hosts that start hot', async () => {
    const doc = cloud({ hosts: { a: { ram: 10 }, b: { ram: 10 } }, vms: { v: { ram: 6 }, w: { ram: 3 } }, at: { v: 'a', w: 'a' }, to: { v: 'b' } });
    const loaded = await load(doc);
    const u = replayUtilisation(loaded.problem, [{ migrations: [{ vm: 'v', from: 'a', to: 'b' }] }]);
    expect(u.resources).toEqual(['ram']);
    expect(u.before).toEqual([0.9, 0]);
    expect(u.peak).toEqual([0.9, 0.6]);
    expect(u.after.map((x) => Math.round(x! * 10) / 10)).toEqual([0.3, 0.6]);
    expect(u.peakWave).toEqual([0, 1]);
  });

  it('says in the report how many hosts start at or above 90 % of a resource', async () => {
    const doc = cloud({ hosts: { a: { ram: 10 }, b: { ram: 10 }, c: { ram: 10 } }, vms: { v: { ram: 6 }, w: { ram: 3 }, x: { ram: 9 } }, at: { v: 'a', w: 'a', x: 'c' }, to: { v: 'b' } });
    const html = await report(doc);
    expect(html).toContain('▲ marks 2 host × resource cells starting at or above 90 %');
  });

  it('leaves out resources no host limits', async () => {
    // gpu is declared (an undeclared resource no host limits is refused at load).
    const doc = { ...cloud({ hosts: { a: { ram: 10 }, b: { ram: 10 } }, vms: { v: { ram: 6, gpu: 1 } }, at: { v: 'a' }, to: { v: 'b' } }), resources: [{ name: 'ram' }, { name: 'gpu' }] };
    const loaded = await load(doc);
    expect(replayUtilisation(loaded.problem, []).resources).toEqual(['ram']);
  });
});

describe('large plans', () => {
  const hosts = Array.from({ length: 2000 }, (_, i) => `host-${String(i).padStart(4, '0')}`);
  const migrations: ReportMigration[] = Array.from({ length: 13000 }, (_, i) => ({
    i, wave: 1 + (i % 20), vm: `vm-${i}`, from: hosts[i % 2000]!, to: hosts[(i * 7 + 1) % 2000]!, action: 'direct',
    start: (i % 20) * 30, seconds: 25, downtime: 0.2, size: 'ram 4096',
  }));

  it(`aggregates consecutive hosts into at most ${MAX_ROWS} rows, each host in exactly one`, () => {
    const rows = timelineRows(hosts);
    expect(rows.length).toBeLessThanOrEqual(MAX_ROWS);
    expect(rows.flatMap((r) => r.hosts)).toEqual(hosts.map((_, i) => i));
    expect(rows[0]!.label).toBe(`host-0000 … host-${String(rows[0]!.hosts.length - 1).padStart(4, '0')} (${rows[0]!.hosts.length})`);
    expect(timelineRows(hosts.slice(0, 20))).toHaveLength(20);
  });

  it('still draws every migration as one element with two bars, leaving and arriving', () => {
    const svg = renderTimeline({ hosts, migrations, waveSpans: Array.from({ length: 20 }, (_, k) => ({ start: k * 30, end: k * 30 + 25 })), makespan: 595 });
    expect(migrationElements(svg)).toHaveLength(13000);
    const bars = [...svg.matchAll(/<path class="m [^"]*" d="([^"]*)"/g)].map((m) => m[1]!.match(/M/g)!.length);
    expect(bars.every((n) => n === 2)).toBe(true);
    expect(svg.match(/<text class="host"/g)!.length).toBeLessThanOrEqual(MAX_ROWS);
  });
});

describe('the report command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shunt-report-'));
  const instance = join(dir, 'swap.json');
  writeFileSync(instance, JSON.stringify(swap));

  it('writes plan.html by default from a plan shunt plan wrote', async () => {
    expect((await shunt(['plan', instance, '--out', join(dir, 'plan.json')])).code).toBe(0);
    // A process: the default file is in its working directory.
    const r = shuntProcess(['report', instance, join(dir, 'plan.json')], { cwd: dir });
    expect(r.code).toBe(0);
    expect(migrationElements(readFileSync(join(dir, 'plan.html'), 'utf8'))).toHaveLength(3);
    const j = await shunt(['report', instance, join(dir, 'plan.json'), '--out', join(dir, 'j.html'), '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ written: join(dir, 'j.html'), valid: true, migrations: 3 });
  });

  it('refuses a plan that fails verification: exit 1, violations on stderr, no file', async () => {
    const bad = { status: 'feasible', engine: 'hand', cost: 10, lowerBound: 10, stats: { moves: 2, waves: 1, seconds: 0 },
      waves: [{ migrations: [{ vm: 'big', from: 'h1', to: 'h2' }, { vm: 'small', from: 'h2', to: 'h1' }] }] };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    const r = await shunt(['report', instance, join(dir, 'bad.json'), '--out', join(dir, 'bad.html')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fails verification[\s\S]*\[capacity\]/);
    expect(existsSync(join(dir, 'bad.html'))).toBe(false);
  });

  it('rejects a plan file that is not a plan with exit 2, naming the field', async () => {
    writeFileSync(join(dir, 'notaplan.json'), JSON.stringify({ status: 'feasible', waves: 3 }));
    const r = await shunt(['report', instance, join(dir, 'notaplan.json'), '--out', join(dir, 'x.html')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/notaplan\.json/);
  });

  it('plan --report and evaluate --report write their pages', async () => {
    expect((await shunt(['plan', instance, '--report', join(dir, 'p.html')])).code).toBe(0);
    expect(migrationElements(readFileSync(join(dir, 'p.html'), 'utf8'))).toHaveLength(3);
    const cloud20 = join(__dirname, '..', 'examples', 'cloud-20.json');
    const r = await shunt(['evaluate', cloud20, '--strategies', 'consolidate,rebalance', '--report', join(dir, 'e.html')]);
    expect(r.code).toBe(0);
    const data = dataOf(readFileSync(join(dir, 'e.html'), 'utf8'));
    expect(data.rows.map((row: { strategy: string }) => row.strategy)).toEqual(['placement', 'consolidate', 'rebalance']);
    expect(data.rows[1].makespan).toBeGreaterThan(0);
  });
});
