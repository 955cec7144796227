/**
 * Runs in the browser, inlined into the report: hovering a migration shows its details,
 * and ECharts draws the utilisation heat map (plan reports) or the strategy charts
 * (evaluate reports) from the JSON embedded in the page. Sets body[data-ready] when done.
 */
import type * as ECharts from 'echarts';
import type { PlanReportData, ReportMigration } from '../data.js';
import type { EvaluateReportData } from '../evaluate-report.js';
import type { FrontierReportData } from '../frontier-report.js';

declare const echarts: typeof ECharts;

const data = JSON.parse(document.getElementById('report-data')!.textContent!) as PlanReportData | EvaluateReportData | FrontierReportData | { kind: 'none' };
const VISIBLE_ROWS = 40;
/** Calm up to about 60 %, warm above 80 %. */
const HEAT = ['#f7fcf5', '#d9f0d3', '#a6dba0', '#fee08b', '#fdae61', '#f46d43', '#c2231a'];
const fmt = (x: number, digits = 1) => x.toLocaleString('en', { maximumFractionDigits: digits });
/** A code unit spelt `\uXXXX`. */
const spelt = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
/** C0, DEL, C1 and the line/paragraph separators, from their codes (in a regex literal they are usually a mistake). */
const CONTROL = new RegExp(`[${spelt(0x00)}-${spelt(0x1f)}${spelt(0x7f)}-${spelt(0x9f)}${spelt(0x2028)}${spelt(0x2029)}]`, 'g');
/** Control characters as the server shows them (escape.ts). */
const visible = (s: string) => s.replace(CONTROL, (c) => spelt(c.charCodeAt(0)));


function hoverDetails(migrations: readonly ReportMigration[]): void {
  const svg = document.getElementById('timeline-svg');
  const tip = document.getElementById('tip')!;
  if (!svg) return;
  let current: Element | null = null;
  svg.addEventListener('mouseover', (e) => {
    const g = (e.target as Element).closest('.m');
    if (g === current) return;
    current?.classList.remove('hl');
    current = g;
    if (!g) { tip.hidden = true; return; }
    g.classList.add('hl');
    const m = migrations[Number(g.getAttribute('data-i'))]!;
    const lines: [string, string][] = [
      ['VM', visible(m.vm)], ['from', visible(m.from)], ['to', visible(m.to)], ['action', visible(m.action)], ['wave', String(m.wave)],
      ['size', m.size || '-'], ['start', `${fmt(m.start, 3)} s`], ['end', `${fmt(m.start + m.seconds, 3)} s`], ['downtime', `${fmt(m.downtime, 3)} s`],
    ];
    tip.replaceChildren(...lines.map(([k, v]) => {
      const row = document.createElement('div');
      const b = document.createElement('b');
      b.textContent = `${k} `;
      row.append(b, v);
      row.dataset['field'] = k;
      return row;
    }));
    tip.hidden = false;
  });
  svg.addEventListener('mousemove', (e) => {
    if (tip.hidden) return;
    tip.style.left = `${Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8)}px`;
    tip.style.top = `${Math.min(e.clientY + 14, window.innerHeight - tip.offsetHeight - 8)}px`;
  });
  svg.addEventListener('mouseleave', () => { current?.classList.remove('hl'); current = null; tip.hidden = true; });
}

function heatMap(d: PlanReportData): void {
  const el = document.getElementById('heatmap');
  const u = d.utilisation;
  if (!el || !u.resources.length) return;
  const K = u.resources.length;
  const phases = [['before', u.before], ['peak', u.peak], ['after', u.after]] as const;
  const columns = u.resources.flatMap((r) => phases.map(([p]) => `${r} ${p}`));
  const cells: [number, number, number][] = [];
  const hot: [number, number][] = [];
  d.hosts.forEach((_, h) => u.resources.forEach((_, k) => phases.forEach(([p, values], j) => {
    const v = values[h * K + k];
    if (v === null || v === undefined) return;
    cells.push([k * 3 + j, h, Math.round(v * 1000) / 10]);
    if (p === 'before' && v >= u.hotStart) hot.push([k * 3 + j, h]);
  })));
  const many = d.hosts.length > VISIBLE_ROWS;
  el.style.height = `${130 + Math.min(d.hosts.length, VISIBLE_ROWS) * 18}px`;
  const chart = echarts.init(el, undefined, { renderer: 'canvas' });
  const hostNames = d.hosts.map(visible);
  chart.setOption({
    animation: false,
    grid: { left: 150, right: many ? 70 : 30, top: 40, bottom: 70 },
    xAxis: { type: 'category', data: columns, position: 'top', axisLabel: { interval: 0, rotate: columns.length > 9 ? 30 : 0 }, splitArea: { show: true } },
    yAxis: { type: 'category', data: hostNames, inverse: true, axisLabel: { interval: 0 } },
    visualMap: { min: 0, max: 100, calculable: true, orient: 'horizontal', left: 'center', bottom: 5, formatter: (v: unknown) => `${Math.round(Number(v))} %`, inRange: { color: HEAT }, seriesIndex: 0 },
    dataZoom: many ? [
      { type: 'slider', yAxisIndex: 0, startValue: 0, endValue: VISIBLE_ROWS - 1, right: 10, width: 20, zoomLock: false },
      { type: 'inside', yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true },
    ] : [],
    tooltip: {
      formatter: (p: unknown) => {
        const q = p as { seriesIndex: number; value: number[] };
        const [x, h] = q.value as [number, number];
        const k = Math.floor(x / 3);
        const phase = phases[x % 3]![0];
        const value = phases[x % 3]![1][h * K + k]!;
        const text = `${hostNames[h]}<br>${u.resources[k]} ${phase}: ${fmt(value * 100)} %`;
        const wave = phase === 'peak' ? u.peakWave[h * K + k]! : -1;
        return escapeTooltip(text) + (wave > 0 ? `<br>first reached in wave ${wave}` : '') + (q.seriesIndex === 1 ? '<br>overloaded at the start' : '');
      },
    },
    series: [
      { type: 'heatmap', data: cells, label: { show: !many && columns.length <= 12, fontSize: 9, formatter: (p: unknown) => String(Math.round((p as { value: number[] }).value[2]!)) }, progressive: 0 },
      { type: 'scatter', data: hot, symbol: 'triangle', symbolSize: 9, symbolOffset: [-16, 0], itemStyle: { color: '#fff', borderColor: '#000', borderWidth: 1.2 }, z: 5 },
    ],
  } as ECharts.EChartsOption);
  window.addEventListener('resize', () => chart.resize());
}

/** ECharts tooltips are HTML; names are shown as text. Keeps the <br> separators. */
function escapeTooltip(text: string): string {
  return text.split('<br>').map((s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)).join('<br>');
}

function strategyCharts(d: EvaluateReportData): void {
  const names = d.rows.map((r) => visible(r.strategy));
  const bar = (id: string, title: string, unit: string, series: { name: string; values: (number | null)[] }[]) => {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.setOption({
      animation: false,
      title: { text: title, left: 'center', textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? `${fmt(v, 2)} ${unit}` : '-') },
      legend: series.length > 1 ? { bottom: 0 } : undefined,
      grid: { left: 60, right: 20, top: 40, bottom: series.length > 1 ? 60 : 40 },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 4 ? 20 : 0 } },
      yAxis: { type: 'value' },
      series: series.map((s) => ({ type: 'bar', name: s.name, data: s.values })),
    } as ECharts.EChartsOption);
    window.addEventListener('resize', () => chart.resize());
  };
  bar('chart-hosts', 'Hosts used', 'hosts', [{ name: 'hosts', values: d.rows.map((r) => r.hostsUsed) }]);
  bar('chart-spread', 'Utilisation spread: standard deviation over the hosts used (%)', '%', d.resources.map((res) => ({
    name: visible(res), values: d.rows.map((r) => (r.utilisation[res] === undefined ? null : Math.round(r.utilisation[res]!.stddev * 1000) / 10)),
  })));
  bar('chart-cost', `Path cost (${visible(d.unit)})`, visible(d.unit), [{ name: 'cost', values: d.rows.map((r) => r.cost) }]);
  bar('chart-duration', 'Estimated duration of the path (s)', 's', [
    { name: 'dependency schedule', values: d.rows.map((r) => r.makespan) },
    { name: 'wave by wave', values: d.rows.map((r) => r.makespanWaves) },
  ]);
}

/** evaluate --budgets: per strategy, quality (hosts used, peak) against what the path spends; Pareto points filled. */
function frontierCharts(d: FrontierReportData): void {
  const strategies = [...new Set(d.rows.map((r) => r.strategy))];
  const chart = (id: string, title: string, value: (r: FrontierReportData['rows'][number]) => number | null) => {
    const el = document.getElementById(id);
    if (!el) return;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    c.setOption({
      animation: false,
      title: { text: title, left: 'center', textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'item', formatter: (p: unknown) => escapeTooltip((p as { data: { tip: string } }).data.tip) },
      legend: { bottom: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 60 },
      xAxis: { type: 'value', name: `spent (${visible(d.unit)})`, nameLocation: 'middle', nameGap: 24 },
      yAxis: { type: 'value', scale: true },
      series: strategies.map((s) => ({
        type: 'line', name: visible(s), step: 'end', symbolSize: 9,
        data: d.rows.filter((r) => r.strategy === s && r.spent !== null && value(r) !== null).sort((a, b) => a.spent! - b.spent!).map((r) => ({
          value: [r.spent, value(r)], symbol: r.pareto ? 'circle' : 'emptyCircle',
          tip: `${visible(s)}, budget ${r.budget === null ? 'none' : fmt(r.budget, 2)}<br>spent ${fmt(r.spent!, 2)} ${visible(d.unit)}<br>${fmt(value(r)!, 1)}${r.pareto ? '<br>Pareto-optimal' : ''}`,
        })),
      })),
    } as ECharts.EChartsOption);
    window.addEventListener('resize', () => c.resize());
  };
  chart('chart-frontier-hosts', 'Hosts used against path cost', (r) => r.hostsUsed);
  chart('chart-frontier-peak', 'Peak utilisation (%) against path cost', (r) => r.peak);
}

performance.mark('report:start');
if (data.kind === 'plan') {
  hoverDetails(data.migrations);
  heatMap(data);
} else if (data.kind === 'evaluate') {
  strategyCharts(data);
} else if (data.kind === 'frontier') {
  frontierCharts(data);
}
performance.mark('report:charts');
requestAnimationFrame(() => { document.body.dataset['ready'] = 'true'; });
