/** shunt evaluate: candidate targets side by side, each with the verified path to it. */
import type { Command } from 'commander';
import { common, EXIT, emit, positiveSeconds, say, setExitCode, sourceName, type CommonOptions } from '../shared.js';
import { readDocument, readJson } from '../../io/read.js';
import { InputError } from '../../io/errors.js';
import type { PluginRef, PolicyDoc } from '../../model/instance.js';
import { evaluateStrategies, type EvaluateRow } from '../../placement/evaluate.js';
import { formatNumber } from '../format.js';
import { pct } from './target.js';
import { writeAtomic } from '../../io/write.js';
import { evaluateReport } from '../../report/evaluate-report.js';
import { titleOf } from './report.js';
import { evaluateFrontier, type FrontierRow } from '../../placement/frontier.js';
import { frontierTable, parseBudgets } from '../frontier-table.js';
import { frontierReport } from '../../report/frontier-report.js';
import { descriptionOf } from './index.js';

/** --with for evaluate: {"strategy name": {options}, ...}. */
function parseWith(text: string | undefined, names: string[]): Record<string, Record<string, unknown>> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError('--with', [{ path: '', message: `not valid JSON: ${(e as Error).message}` }]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError('--with', [{ path: '', message: 'must be a JSON object: {"strategy name": {options}, ...}' }]);
  }
  const issues = Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [
    ...(names.includes(k) ? [] : [{ path: `/${k}`, message: `is not among --strategies (${names.join(', ')})` }]),
    ...(v !== null && typeof v === 'object' && !Array.isArray(v) ? [] : [{ path: `/${k}`, message: 'must be an object of options' }]),
  ]);
  if (issues.length) throw new InputError('--with', issues);
  return value as Record<string, Record<string, unknown>>;
}

export function register(program: Command): void {
  common(program.command('evaluate')
    .description(descriptionOf('evaluate'))
    .argument('<instance>', 'instance JSON file, or - for stdin'))
    .requiredOption('--strategies <list>', 'comma-separated strategy names, e.g. consolidate,rebalance,sharing-aware')
    .option('--with <json>', 'options per strategy: {"evacuate": {"hosts": ["cmp01"]}, ...}')
    .option('--time-limit <seconds>', 'for each strategy and for each path', positiveSeconds)
    .option('--report <file>', 'also write an HTML page with the strategies side by side as charts')
    .option('--budgets <list>', 'the frontier: each strategy under each migration budget, e.g. 0,10,50 (a verified plan per row; Pareto-optimal rows marked)')
    .option('--budget-unit <unit>', 'unit of --budgets: moves (migrations, parking included), MiB (RAM moved) or seconds (estimated makespan); default moves')
    .action(async (file: string, o: CommonOptions & { strategies: string; with?: string; timeLimit?: number; report?: string; budgets?: string; budgetUnit?: string }) => {
      const names = o.strategies.split(',').map((s) => s.trim()).filter(Boolean);
      if (!names.length) throw new InputError('--strategies', [{ path: '', message: 'name at least one strategy' }]);
      const withOptions = parseWith(o.with, names);
      const refs: PluginRef[] = names.map((name) => (withOptions[name] ? { name, options: withOptions[name] } : name));
      const policy = o.policy ? (readJson(o.policy) as PolicyDoc) : undefined;
      const options = { policy, policySource: o.policy ?? '--strategies', pluginDirs: o.plugins ?? [], source: sourceName(file), timeLimit: o.timeLimit };
      if (o.budgets !== undefined || o.budgetUnit !== undefined) {
        if (o.budgets === undefined) throw new InputError('--budget-unit', [{ path: '', message: `${JSON.stringify(o.budgetUnit)} needs --budgets` }]);
        const budgets = parseBudgets(o.budgets, o.budgetUnit);
        const frontier = await evaluateFrontier(await readDocument(file), refs, budgets, options);
        if (o.json) emit(JSON.stringify(frontier, null, 2));
        else say(frontierTable(frontier, budgets.unit));
        if (o.report) writeAtomic(o.report, frontierReport(frontier, budgets.unit, titleOf(file)));
        setExitCode(frontier.every(frontierComplete) ? EXIT.ok : EXIT.unknown);
        return;
      }
      const rows = await evaluateStrategies(await readDocument(file), refs, options);
      if (o.json) emit(JSON.stringify(rows, null, 2));
      else say(table(rows));
      if (o.report) writeAtomic(o.report, evaluateReport(rows, titleOf(file)));
      const complete = rows.every((r) => r.status === 'ok' && (r.strategy === 'placement' || (r.path && (r.path.status === 'optimal' || r.path.status === 'feasible'))));
      setExitCode(complete ? EXIT.ok : EXIT.unknown);
    });
}

const frontierComplete = (r: FrontierRow) => r.status === 'ok' && (r.path?.status === 'optimal' || r.path?.status === 'feasible');

function table(rows: EvaluateRow[]): string {
  const resources = [...new Set(rows.flatMap((r) => Object.keys(r.utilisation ?? {})))];
  const head = ['strategy', 'status', 'hosts', 'freed', 'moves', ...resources.map((r) => `${r} max/mean/sd`), 'saved', 'path', 'cost', 'waves', 'migrations'];
  const body = rows.map((r) => [
    r.strategy, r.status, formatNumber(r.hostsUsed), formatNumber(r.hostsFreed?.length), formatNumber(r.moves),
    ...resources.map((res) => { const s = r.utilisation?.[res]; return s ? `${pct(s.max)} / ${pct(s.mean)} / ${pct(s.stddev)}` : '-'; }),
    r.memory ? `${formatNumber(r.memory.saved)}${r.memory.rule ? '' : '*'}` : '-',
    r.strategy === 'placement' ? '-' : (r.path?.status ?? '-'), formatNumber(r.path?.cost), formatNumber(r.path?.waves), formatNumber(r.path?.moves),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const notes = rows.flatMap((r) => r.notes.map((n) => `${r.strategy}: ${n}`));
  const unit = rows.find((r) => r.path)?.path?.unit;
  const footer = [
    ...(rows.some((r) => r.memory && !r.memory.rule) ? ['* memory saved measured with the default sharing tree; the sharing rule is not active'] : []),
    ...(unit ? [`path cost in ${unit}; utilisation over the hosts used`] : []),
  ];
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ...(footer.length || notes.length ? ['', ...footer, ...notes] : [])].join('\n');
}
