import { Command } from 'commander';
import { common, emit, loadOptions, type CommonOptions } from '../shared.js';
import { readDocument } from '../../io/read.js';

export function register(program: Command): void {
  common(program.command('validate')
    .description('check an instance (schema, names, plugins, placement and target under the rules); exit 0 or 2')
    .argument('<instance>', 'instance JSON file, or - for stdin'))
    .action(async (file: string, o: CommonOptions) => {
      const { misplacedVms } = await import('../../model/model.js');
      const { loadInstance } = await import('../../api.js');
      const loaded = await loadInstance(await readDocument(file), loadOptions(o, file));
      const m = loaded.model;
      const rules = loaded.problem.rules.map((r) => r.name).join(', ');
      const summary = { valid: true, hosts: m.hosts.length, vms: m.vms.length, resources: m.resources, requiredMoves: misplacedVms(m).length, rules: loaded.problem.rules.map((r) => r.name), cost: loaded.problem.cost.name };
      emit(o.json ? JSON.stringify(summary, null, 2) : `valid: ${m.hosts.length} hosts, ${m.vms.length} VMs, ${summary.requiredMoves} must move; resources ${m.resources.join(', ')}; rules ${rules}; cost ${summary.cost}`);
    });

}
