/**
 * The timeline of the dependency schedule as inline SVG: one row per host (or per block of
 * consecutive hosts when there are more than `maxRows`), one element per migration holding
 * a bar in its source's row (upper lane: leaving) and one in its destination's (lower lane:
 * arriving), so that a host sending and receiving at once shows both; waves shaded behind. Written as
 * markup rather than drawn by a chart library because each migration must be a DOM element
 * carrying its VM and hosts (data-vm, data-from, data-to).
 */
import { escapeHtml } from './escape.js';
import type { ReportMigration } from './data.js';

export interface TimelineRow { label: string; hosts: number[] }

export interface TimelineInput {
  hosts: readonly string[];
  migrations: readonly ReportMigration[];
  waveSpans: readonly { start: number; end: number }[];
  makespan: number;
}

/** Above this many hosts, rows aggregate consecutive hosts. */
export const MAX_ROWS = 160;
const LABEL_W = 180;
const PLOT_W = 980;
const AXIS_H = 30;
const ROW_H = 18;
/** Each row has two lanes: leaving (upper) and arriving (lower). */
const LANE_H = 7;

/** The rows: one per host, or blocks of ceil(hosts / maxRows) consecutive hosts. */
export function timelineRows(hosts: readonly string[], maxRows = MAX_ROWS): TimelineRow[] {
  const per = Math.max(1, Math.ceil(hosts.length / maxRows));
  const rows: TimelineRow[] = [];
  for (let first = 0; first < hosts.length; first += per) {
    const members = Array.from({ length: Math.min(per, hosts.length - first) }, (_, j) => first + j);
    const label = members.length === 1 ? hosts[first]! : `${hosts[first]} … ${hosts[members[members.length - 1]!]} (${members.length})`;
    rows.push({ label, hosts: members });
  }
  return rows;
}

/** A step of 1, 2 or 5 × 10^k giving about `count` ticks over `span`. */
export function niceStep(span: number, count = 8): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
}

const f1 = (x: number) => (Math.round(x * 10) / 10).toString();
const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
/** CSS class of an action: known ones get their colours, others a neutral one. */
export const actionClass = (action: string) => `a-${action.toLowerCase().replace(/[^a-z0-9-]/g, '_')}`;

export function renderTimeline(input: TimelineInput, maxRows = MAX_ROWS): string {
  const rows = timelineRows(input.hosts, maxRows);
  const rowOf = new Int32Array(input.hosts.length);
  rows.forEach((r, k) => { for (const h of r.hosts) rowOf[h] = k; });
  const hostIndex = new Map(input.hosts.map((h, i) => [h, i]));
  const span = input.makespan > 0 ? input.makespan : 1;
  const scale = PLOT_W / span;
  const x = (t: number) => LABEL_W + t * scale;
  const plotH = rows.length * ROW_H;
  const height = AXIS_H + plotH + 6;
  const out: string[] = [];
  out.push(`<svg id="timeline-svg" xmlns="http://www.w3.org/2000/svg" width="${LABEL_W + PLOT_W + 20}" height="${height}" data-rows="${rows.length}" data-hosts-per-row="${rows[0]?.hosts.length ?? 1}">`);
  rows.forEach((r, k) => {
    const y = AXIS_H + k * ROW_H;
    if (k % 2 === 1) out.push(`<rect class="stripe" x="${LABEL_W}" y="${y}" width="${PLOT_W}" height="${ROW_H}"/>`);
    out.push(`<text class="host" x="${LABEL_W - 6}" y="${y + ROW_H - 4}">${escapeHtml(truncate(r.label, 28))}<title>${escapeHtml(r.label)}</title></text>`);
  });
  out.push(...waveBands(input.waveSpans, x, plotH));
  out.push(...axis(span, x, plotH));
  out.push('<g id="migrations">');
  for (const m of input.migrations) {
    const rowsOf = [rowOf[hostIndex.get(m.from)!]!, rowOf[hostIndex.get(m.to)!]!];
    const w = Math.max(m.seconds * scale, 1.5);
    const x0 = f1(x(m.start));
    const bars = rowsOf.map((k, j) => `M${x0} ${AXIS_H + k * ROW_H + 2 + j * (LANE_H + 1)}h${f1(w)}v${LANE_H}h-${f1(w)}z`).join('');
    out.push(`<path class="m ${actionClass(m.action)}" d="${bars}" data-i="${m.i}" data-vm="${escapeHtml(m.vm)}" data-from="${escapeHtml(m.from)}" data-to="${escapeHtml(m.to)}" data-action="${escapeHtml(m.action)}"/>`);
  }
  out.push('</g></svg>');
  return out.join('\n');
}

function waveBands(spans: readonly { start: number; end: number }[], x: (t: number) => number, plotH: number): string[] {
  const out: string[] = [];
  let labelEnd = -Infinity;
  spans.forEach((s, k) => {
    const x0 = x(s.start);
    const w = Math.max(x(s.end) - x0, 1);
    out.push(`<rect class="wave ${k % 2 ? 'even' : 'odd'}" data-wave="${k + 1}" x="${f1(x0)}" y="${AXIS_H}" width="${f1(w)}" height="${plotH}"/>`);
    if (x0 >= labelEnd) {
      out.push(`<text class="wave-label" x="${f1(x0 + 2)}" y="${AXIS_H - 4}">w${k + 1}</text>`);
      labelEnd = x0 + 8 * (String(k + 1).length + 2);
    }
  });
  return out;
}

function axis(span: number, x: (t: number) => number, plotH: number): string[] {
  const step = niceStep(span);
  const out: string[] = [];
  for (let t = 0; t <= span + 1e-9; t += step) {
    const xt = f1(x(t));
    out.push(`<line class="grid" x1="${xt}" x2="${xt}" y1="${AXIS_H - 14}" y2="${AXIS_H + plotH}"/>`, `<text class="tick" x="${xt}" y="${AXIS_H - 18}"${t > 0 ? ' text-anchor="middle"' : ''}>${f1(t)} s</text>`);
  }
  return out;
}
