/** The report of `shunt evaluate --budgets`: the frontier as charts (quality against cost, per strategy) and as a table. */
import type { BudgetUnit, FrontierRow } from '../placement/frontier.js';
import { escapeHtml } from './escape.js';
import { htmlDocument } from './page.js';

export interface FrontierReportRow {
  strategy: string;
  budget: number | null;
  status: string;
  spent: number | null;
  hostsUsed: number | null;
  /** Mean over resources of the most loaded host's utilisation (%). */
  peak: number | null;
  moves: number | null;
  makespan: number | null;
  downtime: number | null;
  pareto: boolean;
}

export interface FrontierReportData {
  kind: 'frontier';
  title: string;
  unit: BudgetUnit;
  resources: string[];
  rows: FrontierReportRow[];
}

export function frontierData(rows: readonly FrontierRow[], unit: BudgetUnit, title: string): FrontierReportData {
  const peak = (r: FrontierRow) => {
    const xs = Object.values(r.maxUtilisation ?? {});
    return xs.length ? Math.round((xs.reduce((s, x) => s + x, 0) / xs.length) * 1000) / 10 : null;
  };
  return {
    kind: 'frontier', title, unit,
    resources: [...new Set(rows.flatMap((r) => Object.keys(r.maxUtilisation ?? {})))],
    rows: rows.map((r) => ({
      strategy: r.strategy, budget: r.budget, status: r.status === 'ok' ? (r.path?.status ?? '-') : r.status, spent: r.spent ?? null,
      hostsUsed: r.hostsUsed ?? null, peak: peak(r), moves: r.path?.moves ?? null, makespan: r.path?.makespan ?? null,
      downtime: r.path?.downtime ?? null, pareto: r.pareto,
    })),
  };
}

const cell = (x: number | null | undefined, digits = 2) => `<td>${x === null || x === undefined ? '-' : x.toLocaleString('en', { maximumFractionDigits: digits })}</td>`;

export function frontierReport(rows: readonly FrontierRow[], unit: BudgetUnit, title: string): string {
  const d = frontierData(rows, unit, title);
  const head = ['strategy', `budget (${unit})`, `spent (${unit})`, 'path', 'hosts used', 'peak utilisation (%)', 'migrations', 'makespan (s)', 'downtime (s)', 'Pareto'];
  const body = d.rows.map((r) => `<tr><td>${escapeHtml(r.strategy)}</td><td>${r.budget === null ? 'none' : escapeHtml(String(r.budget))}</td>${cell(r.spent)}<td>${escapeHtml(r.status)}</td>${cell(r.hostsUsed, 0)}${cell(r.peak, 1)}${cell(r.moves, 0)}${cell(r.makespan)}${cell(r.downtime)}<td>${r.pareto ? '*' : ''}</td></tr>`);
  const notes = rows.flatMap((r) => r.notes.map((n) => `<li>${escapeHtml(r.strategy)} @ ${r.budget === null ? 'none' : escapeHtml(String(r.budget))}: ${escapeHtml(n)}</li>`));
  const html = `<header><h1>Target quality against path cost for ${escapeHtml(title)}</h1>
<p class="muted">Each strategy under each migration budget (${escapeHtml(unit)}): the verified plan to the best target whose path fits. Filled points are Pareto-optimal (no other row as good on cost, hosts used and every maximum utilisation, and better on one). Peak: mean over resources of the most loaded host's utilisation.</p></header>
<section id="frontier" class="charts">
<div class="chart" id="chart-frontier-hosts"></div><div class="chart" id="chart-frontier-peak"></div>
</section>
<h2>Figures</h2>
<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${body.join('\n')}</tbody></table>
${notes.length ? `<h2>Notes</h2><ul class="notes">${notes.join('')}</ul>` : ''}`;
  return htmlDocument(`shunt evaluate --budgets: ${title}`, html, d);
}
