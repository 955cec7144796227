/** The report of `shunt evaluate`: the strategies side by side, as charts and as a table. */
import type { EvaluateRow } from '../placement/evaluate.js';
import { escapeHtml } from './escape.js';
import { htmlDocument } from './page.js';

export interface EvaluateReportRow {
  strategy: string;
  status: string;
  pathStatus: string | null;
  hostsUsed: number | null;
  utilisation: Record<string, { max: number; mean: number; stddev: number }>;
  cost: number | null;
  waves: number | null;
  moves: number | null;
  /** Estimated duration of the path: dependency schedule, wave by wave (seconds). */
  makespan: number | null;
  makespanWaves: number | null;
  notes: string[];
}

export interface EvaluateReportData {
  kind: 'evaluate';
  title: string;
  resources: string[];
  unit: string;
  rows: EvaluateReportRow[];
}

export function evaluateData(rows: readonly EvaluateRow[], title: string): EvaluateReportData {
  return {
    kind: 'evaluate', title,
    resources: [...new Set(rows.flatMap((r) => Object.keys(r.utilisation ?? {})))],
    unit: rows.find((r) => r.path)?.path?.unit ?? '',
    rows: rows.map((r) => ({
      strategy: r.strategy, status: r.status, pathStatus: r.path?.status ?? null, hostsUsed: r.hostsUsed ?? null,
      utilisation: r.utilisation ?? {}, cost: r.path?.cost ?? null, waves: r.path?.waves ?? null, moves: r.path?.moves ?? null,
      makespan: r.path?.makespan?.dependencies ?? null, makespanWaves: r.path?.makespan?.waves ?? null, notes: r.notes,
    })),
  };
}

const cell = (x: number | null | undefined, digits = 1) => `<td>${x === null || x === undefined ? '-' : x.toLocaleString('en', { maximumFractionDigits: digits })}</td>`;
const pct = (x: number | undefined) => (x === undefined ? '-' : `${(x * 100).toFixed(1)} %`);

export function evaluateReport(rows: readonly EvaluateRow[], title: string): string {
  const d = evaluateData(rows, title);
  const head = ['strategy', 'status', 'hosts used', ...d.resources.map((r) => `${r} max / mean / sd`), 'path', `cost (${d.unit})`, 'waves', 'migrations', 'duration (s)'];
  const body = d.rows.map((r) => `<tr><td>${escapeHtml(r.strategy)}</td><td>${escapeHtml(r.status)}</td>${cell(r.hostsUsed, 0)}${d.resources.map((res) => {
    const s = r.utilisation[res];
    return `<td>${s ? `${pct(s.max)} / ${pct(s.mean)} / ${pct(s.stddev)}` : '-'}</td>`;
  }).join('')}<td>${escapeHtml(r.pathStatus ?? '-')}</td>${cell(r.cost, 2)}${cell(r.waves, 0)}${cell(r.moves, 0)}${cell(r.makespan)}</tr>`);
  const notes = d.rows.flatMap((r) => r.notes.map((n) => `<li>${escapeHtml(r.strategy)}: ${escapeHtml(n)}</li>`));
  const html = `<header><h1>Placement strategies for ${escapeHtml(title)}</h1>
<p class="muted">Each strategy's target, with the verified plan that reaches it from the placement (the first row). Utilisation over the hosts used; duration is the path's estimated makespan.</p></header>
<section id="strategies" class="charts">
<div class="chart" id="chart-hosts"></div><div class="chart" id="chart-spread"></div>
<div class="chart" id="chart-cost"></div><div class="chart" id="chart-duration"></div>
</section>
<h2>Figures</h2>
<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${body.join('\n')}</tbody></table>
${notes.length ? `<h2>Notes</h2><ul class="notes">${notes.join('')}</ul>` : ''}`;
  return htmlDocument(`shunt evaluate: ${title}`, html, d);
}
