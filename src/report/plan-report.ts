/**
 * The report of one plan. The plan is replayed by the verifier (and its dependency graph
 * checked, or computed when the plan has none) before anything is drawn: a plan that fails is
 * refused with its violations, never shown.
 */
import type { Loaded } from '../api.js';
import type { Plan } from '../model/plan.js';
import type { Violation } from '../plugin-api.js';
import { verifyPlan, verifyDependencies } from '../verify/replay.js';
import { attachSchedule } from '../schedule/attach.js';
import { durationOptionsOf } from '../schedule/duration-options.js';
import { attachDowntime, attachWaveSchedule } from '../schedule/downtime.js';
import { hasShelving, wavesOutOfOrder } from '../verify/actions.js';
import { buildPlanData, verdictOf, type PlanReportData, type Verdict } from './data.js';
import { escapeHtml } from './escape.js';
import { htmlDocument } from './page.js';
import { actionClass, renderTimeline, timelineRows, MAX_ROWS } from './timeline.js';

export type ReportResult = { ok: true; html: string } | { ok: false; violations: Violation[] };

const isFound = (plan: Plan) => plan.status === 'optimal' || plan.status === 'feasible';

/** Verifies `plan` against the loaded instance and renders it; `title` names the instance. */
export function planReport(loaded: Loaded, plan: Plan, title: string): ReportResult {
  if (!isFound(plan)) return { ok: true, html: htmlDocument(`shunt plan: ${title}`, header(title, verdictOf(loaded, plan, false), plan.notes ?? []), { kind: 'none' }) };
  const checked = verifiedSchedule(loaded, plan);
  if (!checked.ok) return checked;
  const data = buildPlanData(loaded, checked.plan, title, durationOptionsOf(loaded.policy, loaded.kernel), true);
  return { ok: true, html: htmlDocument(`shunt plan: ${title}`, planBody(data), data) };
}

/** The plan, replayed and with a checked dependency schedule (its own, or one computed now). */
function verifiedSchedule(loaded: Loaded, plan: Plan): { ok: true; plan: Plan } | { ok: false; violations: Violation[] } {
  const replay = verifyPlan(loaded.problem, plan.waves);
  if (!replay.valid) return { ok: false, violations: replay.violations };
  const copy = structuredClone(plan);
  const migrations = copy.waves.flatMap((w) => w.migrations);
  const scheduled = migrations.every((m) => m.after !== undefined && m.estimatedStart !== undefined && m.estimatedSeconds !== undefined);
  if (hasShelving(copy.waves)) return shelvingSchedule(loaded, copy, scheduled);
  if (scheduled) {
    const graph = verifyDependencies(loaded.problem, copy.waves, migrations.map((m) => m.after!));
    return graph.valid ? { ok: true, plan: copy } : { ok: false, violations: graph.violations };
  }
  for (const m of migrations) { delete m.after; delete m.estimatedStart; delete m.estimatedSeconds; }
  copy.notes = [...(copy.notes ?? []), 'the plan carried no schedule: dependencies and estimates were computed for this report'];
  const attached = attachSchedule(loaded.problem, copy, durationOptionsOf(loaded.policy, loaded.kernel));
  return attached.valid ? { ok: true, plan: copy } : { ok: false, violations: attached.violations };
}

/** Plans with shelving run wave by wave: their `after` must say so; without one, the wave schedule is computed. */
function shelvingSchedule(loaded: Loaded, copy: Plan, scheduled: boolean): { ok: true; plan: Plan } | { ok: false; violations: Violation[] } {
  if (scheduled) {
    const loose = wavesOutOfOrder(copy.waves);
    return loose ? { ok: false, violations: [loose] } : { ok: true, plan: copy };
  }
  attachWaveSchedule(loaded.model, copy, durationOptionsOf(loaded.policy, loaded.kernel));
  attachDowntime(loaded.model, copy, durationOptionsOf(loaded.policy, loaded.kernel));
  copy.notes = [...(copy.notes ?? []), 'the plan carried no schedule: its wave schedule was computed for this report'];
  return { ok: true, plan: copy };
}

const num = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '-' : x.toLocaleString('en', { maximumFractionDigits: digits }));
const fig = (label: string, value: string, cls = '') => `<div class="fig ${cls}"><b>${escapeHtml(label)}</b><span>${escapeHtml(value)}</span></div>`;

export function header(title: string, v: Verdict, notes: readonly string[]): string {
  const ms = v.makespan;
  const figures = [
    fig('status', v.status, `status-${v.status}`),
    fig(`cost (${v.unit}) / lower bound`, `${num(v.cost, 2)} / ${num(v.lowerBound, 2)}`),
    fig('waves / lower bound', `${v.waves} / ${num(v.wavesLowerBound, 0)}`),
    fig('migrations (detours)', `${v.moves} (${num(v.detours, 0)})`),
    ...(ms ? [fig('makespan: dependencies', `${num(ms.dependencies)} s`), fig('makespan: wave by wave', `${num(ms.waves)} s`)] : []),
    fig('engine', v.engine),
  ];
  return `<header>
<h1>Migration plan for ${escapeHtml(title)}</h1>
<div class="verdict">${figures.join('')}</div>
<ul class="proof">${v.proof.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>
${v.explanation.length ? `<h2>Why there is no plan</h2><ul class="notes">${v.explanation.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>` : ''}
${notes.length ? `<h2>Notes</h2><ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
</header>`;
}

function planBody(d: PlanReportData): string {
  const actions = [...new Set(['direct', 'parking', 'return', ...d.migrations.map((m) => m.action)])];
  const counts = new Map<string, number>();
  for (const m of d.migrations) counts.set(m.action, (counts.get(m.action) ?? 0) + 1);
  const rows = timelineRows(d.hosts);
  const u = d.utilisation;
  const K = u.resources.length;
  const hot = u.before.filter((x) => x !== null && x >= u.hotStart).length;
  return `${header(d.title, d.verdict, d.notes)}
<section id="timeline">
<h2>Timeline of the dependency schedule</h2>
<div class="legend">${actions.map((a) => `<span><i class="${actionClass(a)}"></i>${escapeHtml(a)} (${counts.get(a) ?? 0})</span>`).join('')}
<span class="muted">in each host's row, the upper lane shows migrations leaving it, the lower lane those arriving; waves shaded behind; hover a bar for details</span></div>
${rows.length < d.hosts.length ? `<p class="muted">${d.hosts.length} hosts: each row gathers ${rows[0]!.hosts.length} consecutive hosts (more than ${MAX_ROWS} rows would not be readable).</p>` : ''}
<div class="scroll">${renderTimeline(d)}</div>
</section>
<section id="utilisation">
<h2>Utilisation per host: before, peak during the plan, after</h2>
<p class="muted">From the verifier's replay; a migrating VM counts on its source and destination. ▲ marks ${hot} host × resource cell${hot === 1 ? '' : 's'} starting at or above ${Math.round(u.hotStart * 100)} %.${u.omitted.length ? ` Not drawn (limited by their own rules): ${escapeHtml(u.omitted.join(', '))}.` : ''}${K ? '' : ' No resource has a limit: nothing to draw.'}</p>
<div id="heatmap" style="width: 100%; height: 400px"></div>
</section>`;
}
