import { Command } from 'commander';
import { emit, sourceName } from '../shared.js';
import { readJson } from '../../io/read.js';

export function register(program: Command): void {
  const cmd = program.command('import')
    .description('convert an instance from another planner\'s format into a shunt instance');

  cmd.command('btrplace')
    .description('convert a BtrPlace instance (model, fence constraints) into a shunt instance; what cannot be translated is listed on stderr')
    .argument('<file>', 'BtrPlace instance JSON file, or - for stdin')
    .option('--out <file>', 'write the instance JSON to FILE (atomically) instead of stdout')
    .option('--unlimited', 'no per-host or per-wave migration limits, as in BtrPlace (default: shunt\'s 1 outgoing and 1 incoming per host)')
    .action(async (file: string, o: { out?: string; unlimited?: boolean }) => {
      const { loadInstance } = await import('../../api.js');
      const { importBtrPlace } = await import('../../interop/btrplace-import.js');
      const source = sourceName(file);
      const { instance, warnings } = importBtrPlace(readJson(file), { concurrency: o.unlimited ? 'unlimited' : 'shunt', source });
      for (const w of warnings) process.stderr.write(`shunt: warning: ${source}: ${w}\n`);
      // Never hand out an instance that shunt itself would refuse.
      await loadInstance(instance, { source: `${source} (imported)` });
      emit(JSON.stringify(instance, null, 2), o.out);
    });
}
