import { Command } from 'commander';
import { common, emit, loadOptions, say, type CommonOptions } from '../shared.js';
import { readInstance } from '../../io/read.js';
import { loadInstance } from '../../api.js';
import { misplacedVms } from '../../model/model.js';
import { descriptionOf } from './index.js';

export function register(program: Command): void {
  common(program.command('validate')
    .description(descriptionOf('validate'))
    .argument('<instance>', 'instance JSON file, or - for stdin'))
    .action(async (file: string, o: CommonOptions) => {
      const loaded = await loadInstance(await readInstance(file), loadOptions(o, file));
      const m = loaded.model;
      const rules = loaded.problem.rules.map((r) => r.name).join(', ');
      const summary = { valid: true, hosts: m.hosts.length, vms: m.vms.length, resources: m.resources, requiredMoves: misplacedVms(m).length, rules: loaded.problem.rules.map((r) => r.name), cost: loaded.problem.cost.name, warnings: loaded.warnings };
      if (o.json) emit(JSON.stringify(summary, null, 2));
      else say([`valid: ${m.hosts.length} hosts, ${m.vms.length} VMs, ${summary.requiredMoves} must move; resources ${m.resources.join(', ')}; rules ${rules}; cost ${summary.cost}`, ...loaded.warnings.map((w) => `warning: ${w}`)].join('\n'));
    });

}
