import { Command } from 'commander';
import { emit, sourceName, warn } from '../shared.js';
import { readJson } from '../../io/read.js';
import { loadInstance } from '../../api.js';
import { importBtrPlace } from '../../interop/btrplace-import.js';
import { importOpenStack } from '../../interop/openstack/import.js';
import { descriptionOf } from './index.js';

export function register(program: Command): void {
  const cmd = program.command('import')
    .description(descriptionOf('import'));

  cmd.command('btrplace')
    .description('convert a BtrPlace instance (model, fence constraints) into a shunt instance; what cannot be translated is listed on stderr')
    .argument('<file>', 'BtrPlace instance JSON file, or - for stdin')
    .option('--out <file>', 'write the instance JSON to FILE (atomically) instead of stdout')
    .option('--unlimited', 'no per-host or per-wave migration limits, as in BtrPlace (default: shunt\'s 1 outgoing and 1 incoming per host)')
    .action(async (file: string, o: { out?: string; unlimited?: boolean }) => {
      const source = sourceName(file);
      const { instance, warnings } = importBtrPlace(readJson(file), { concurrency: o.unlimited ? 'unlimited' : 'shunt', source });
      for (const w of warnings) warn(`warning: ${source}: ${w}`);
      // Never hand out an instance that shunt itself would refuse.
      await loadInstance(instance, { source: `${source} (imported)` });
      emit(JSON.stringify(instance, null, 2), o.out);
    });

  cmd.command('openstack')
    .description('convert a directory of Nova and Placement API responses (as `shunt snapshot` writes it) into a shunt instance; what cannot be translated is listed on stderr')
    .argument('<dir>', 'directory with hypervisors.json, servers*.json, resource_providers.json, inventories/, allocations/, server_groups.json, services.json, target.json (any may be missing)')
    .option('--out <file>', 'write the instance JSON to FILE (atomically) instead of stdout')
    .action(async (dir: string, o: { out?: string }) => {
      const { instance, warnings } = importOpenStack(dir);
      for (const w of warnings) warn(`warning: ${dir}: ${w}`);
      await loadInstance(instance, { source: `${dir} (imported)` });
      emit(JSON.stringify(instance, null, 2), o.out);
    });
}
