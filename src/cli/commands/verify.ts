import { Command } from 'commander';
import { common, EXIT, emit, loadOptions, say, setExitCode, sourceName, type CommonOptions } from '../shared.js';
import { readDocument } from '../../io/read.js';
import { InputError } from '../../io/errors.js';
import { verifyAgainst } from '../../api.js';
import { formatViolation } from '../../verify/replay.js';
import { descriptionOf } from './index.js';

export function register(program: Command): void {
  common(program.command('verify')
    .description(descriptionOf('verify'))
    .argument('<instance>', 'instance JSON file')
    .argument('<plan>', 'plan JSON file, or - for stdin'))
    .action(async (file: string, planFile: string, o: CommonOptions) => {
      if (file === '-' && planFile === '-') throw new InputError('arguments', [{ path: '', message: 'only one of instance and plan can be read from stdin' }]);
      const result = await verifyAgainst(await readDocument(file), await readDocument(planFile), { ...loadOptions(o, file), planSource: sourceName(planFile) });
      if (o.json) emit(JSON.stringify(result, null, 2));
      else if (result.valid) say(`valid: ${result.moves} migrations, cost ${result.cost}`);
      else say([`invalid: ${result.violations.length} violations`, ...result.violations.map((v) => `  ${formatViolation(v)}`)].join('\n'));
      setExitCode(result.valid ? EXIT.ok : EXIT.invalidPlan);
    });

}
