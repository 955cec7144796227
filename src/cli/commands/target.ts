/** shunt target: runs a placement strategy and writes the instance with its new target. */
import type { Command } from 'commander';
import { common, EXIT, emit, fail, failInput, positiveSeconds, say, sourceName, tryWrite, warn, type CommonOptions } from '../shared.js';
import { readDocument, readJson } from '../../io/read.js';
import { InputError } from '../../io/errors.js';
import type { PolicyDoc } from '../../model/instance.js';
import { retarget, strategyRef } from '../../placement/retarget.js';
import { targetMetrics, type TargetMetrics } from '../../placement/metrics.js';
import { NoTargetError, notesOf } from '../../placement/strategy.js';
import { formatNumber } from '../format.js';
import { builtinNames } from '../shared.js';
import { descriptionOf } from './index.js';

export interface StrategyCliOptions extends CommonOptions { strategy?: string; with?: string; timeLimit?: number }

/** Load options with the strategy from --strategy / --with (or the policy's). */
export function strategyLoadOptions(o: StrategyCliOptions, file: string) {
  if (o.with !== undefined && o.strategy === undefined) throw new InputError('--with', [{ path: '', message: 'needs --strategy NAME' }]);
  const policy = o.policy ? (readJson(o.policy) as PolicyDoc) : undefined;
  const options = { policy, policySource: o.policy, pluginDirs: o.plugins ?? [], source: sourceName(file) };
  return { options, strategy: o.strategy !== undefined ? strategyRef(o.strategy, o.with) : undefined };
}

export function metricsSummary(m: TargetMetrics): string[] {
  const lines = [`${m.hostsUsed} hosts used, ${m.hostsFreed.length} freed${m.hostsOpened ? `, ${m.hostsOpened} opened` : ''}; ${m.moves} VMs to move (${formatNumber(m.movedRam)} ram)`];
  for (const [r, s] of Object.entries(m.utilisation)) lines.push(`${r} utilisation of used hosts: max ${pct(s.max)}, mean ${pct(s.mean)}, stddev ${pct(s.stddev)}`);
  if (m.memory) lines.push(`${m.memory.resource} footprint ${formatNumber(m.memory.footprint)} of ${formatNumber(m.memory.demand)} demanded: ${formatNumber(m.memory.saved)} saved by sharing${m.memory.rule ? '' : ' (measured with the default tree; the sharing rule is not active)'}`);
  if (m.hostsFreed.length) lines.push(`freed: ${m.hostsFreed.slice(0, 50).join(', ')}${m.hostsFreed.length > 50 ? `, ... (${m.hostsFreed.length})` : ''}`);
  return lines;
}

export const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function register(program: Command): void {
  common(program.command('target')
    .description(descriptionOf('target'))
    .argument('<instance>', 'instance JSON file, or - for stdin'))
    .option('--strategy <name>', `strategy plugin: ${builtinNames('strategy')} (default: the policy's "strategy")`)
    .option('--with <json>', 'the strategy\'s options as a JSON object')
    .option('--time-limit <seconds>', 'for strategies that search (the exact consolidation)', positiveSeconds)
    .option('--out <file>', 'write the instance to FILE (atomically, through symlinks) and a summary on stdout; without it (or with -) the instance goes to stdout')
    .action(async (file: string, o: StrategyCliOptions) => {
      const { options, strategy } = strategyLoadOptions(o, file);
      let r;
      try {
        r = await retarget(await readDocument(file), options, strategy, { timeLimit: o.timeLimit });
      } catch (e) {
        if (!(e instanceof NoTargetError)) throw e;
        fail(EXIT.unknown, 'target', [{ path: '', message: `no target: ${e.message}` }]);
        return;
      }
      const metrics = targetMetrics(r.source.problem, r.target);
      const notes = notesOf(r.source.strategy);
      const instance = JSON.stringify(r.doc, null, 2);
      if (!o.out || o.out === '-') {
        emit(instance);
        for (const line of [...notes, ...metricsSummary(metrics)]) warn(line);
        return;
      }
      const unwritten = tryWrite(o.out, instance);
      const name = r.source.strategy!.name;
      const summary = { strategy: name, out: unwritten ? null : o.out, notes, ...metrics };
      if (unwritten && o.json) return failInput(unwritten, { target: summary });
      if (o.json) emit(JSON.stringify(summary, null, 2));
      else say([unwritten ? `target by ${name} (not written)` : `target by ${name} written to ${o.out}`, ...notes, ...metricsSummary(metrics)].join('\n'));
      if (unwritten) failInput(unwritten);
    });
}
