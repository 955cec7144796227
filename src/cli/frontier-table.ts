/** `shunt evaluate --budgets`: the frontier as a table, and the budgets read from the command line. */
import { InputError } from '../io/errors.js';
import { BUDGET_UNITS, type BudgetUnit, type Budgets, type FrontierRow } from '../placement/frontier.js';
import { formatNumber } from './format.js';

/** --budgets 10,50,100 with --budget-unit moves|MiB|seconds: every issue names the flag and the value. */
export function parseBudgets(list: string, unitText: string | undefined): Budgets {
  const unit = (unitText ?? 'moves') as BudgetUnit;
  if (!BUDGET_UNITS.includes(unit)) {
    throw new InputError('--budget-unit', [{ path: '', message: `${JSON.stringify(unitText)} is not a budget unit: use ${BUDGET_UNITS.join(', ')}` }]);
  }
  const items = list.split(',').map((s) => s.trim());
  const issues = items.flatMap((item, i) => {
    const x = item === '' ? NaN : Number(item);
    if (!Number.isFinite(x) || x < 0) return [{ path: `/${i}`, message: `${JSON.stringify(item)} in ${JSON.stringify(list)} is not a non-negative number of ${unit}` }];
    if (unit === 'moves' && !Number.isInteger(x)) return [{ path: `/${i}`, message: `${JSON.stringify(item)} in ${JSON.stringify(list)} is not a whole number of moves` }];
    return [];
  });
  if (issues.length) throw new InputError('--budgets', issues);
  return { amounts: items.map(Number), unit };
}

const pct = (x: number | undefined) => (x === undefined ? '-' : `${(x * 100).toFixed(1)} %`);

/** The table's cells of one row, in the order of `frontierHead`. */
export function frontierCells(r: FrontierRow, resources: string[]): string[] {
  const p = r.path;
  return [
    r.strategy, r.budget === null ? 'none' : formatNumber(r.budget), formatNumber(r.spent), r.steps ? `${r.steps.taken}/${r.steps.of}` : '-',
    formatNumber(r.hostsUsed), formatNumber(r.hostsFreed), ...resources.map((x) => pct(r.maxUtilisation?.[x])),
    r.status === 'ok' ? (p?.status ?? '-') : r.status, formatNumber(p?.moves), formatNumber(p?.waves), formatNumber(p?.mib),
    formatNumber(p?.makespan), formatNumber(p?.downtime), r.pareto ? '*' : '',
  ];
}

export function frontierHead(unit: BudgetUnit, resources: string[]): string[] {
  return ['strategy', `budget ${unit}`, `spent ${unit}`, 'steps', 'hosts', 'freed', ...resources.map((x) => `${x} max`), 'path', 'moves', 'waves', 'MiB', 'makespan s', 'downtime s', 'pareto'];
}

export function frontierTable(rows: FrontierRow[], unit: BudgetUnit): string {
  const resources = [...new Set(rows.flatMap((r) => Object.keys(r.maxUtilisation ?? {})))];
  const head = frontierHead(unit, resources);
  const body = rows.map((r) => frontierCells(r, resources));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const goals = [...new Map(rows.filter((r) => r.goal).map((r) => [r.strategy, r.goal!])).entries()]
    .map(([s, g]) => `${s}: quality is ${g === 'hosts' ? 'hosts used (then peak utilisation)' : 'peak utilisation (mean over resources of the most loaded host, then spread)'}`);
  const notes = rows.flatMap((r) => r.notes.map((n) => `${r.strategy} @ ${r.budget === null ? 'none' : formatNumber(r.budget)}: ${n}`));
  const footer = [
    '* Pareto-optimal: no other row is as good on spent, hosts used and every maximum utilisation, and better on one',
    'every row is a verified plan; budget none: the strategy\'s own target (as far as its steps improve it); downtime: live migration, pre-copy estimate',
    ...goals,
  ];
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), '', ...footer, ...notes].join('\n');
}
