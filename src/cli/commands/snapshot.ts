import { Command } from 'commander';
import { InputError } from '../../io/errors.js';
import { EXIT } from '../shared.js';
import { descriptionOf } from './index.js';

// Defaults shown in --help; the client modules (and the YAML parser) load only when the command runs.
const DEFAULTS = { timeout: 60, retries: 4, pageSize: 1000 };

function positiveInteger(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InputError(name, [{ path: '', message: `must be a whole number of at least 0 (got ${JSON.stringify(value)})` }]);
    return n;
  };
}

export function register(program: Command): void {
  program.command('snapshot')
    .description(descriptionOf('snapshot'))
    .option('--os-cloud <name>', 'cloud of clouds.yaml (default: $OS_CLOUD, else the OS_* variables)')
    .requiredOption('--out <dir>', 'directory to create (must not exist or be empty)')
    .option('--timeout <seconds>', 'per request', positiveInteger('--timeout'), DEFAULTS.timeout)
    .option('--retries <n>', 'retries of a request answered 429, 502, 503 or 504, or not answered', positiveInteger('--retries'), DEFAULTS.retries)
    .option('--page-size <n>', 'servers per page', positiveInteger('--page-size'), DEFAULTS.pageSize)
    .action(async (o: { osCloud?: string; out: string; timeout: number; retries: number; pageSize: number }) => {
      const { resolveCloud } = await import('../../interop/openstack/snapshot/config.js');
      const { DEFAULT_HTTP, RemoteError } = await import('../../interop/openstack/snapshot/http.js');
      const { OpenStackClient } = await import('../../interop/openstack/snapshot/client.js');
      const { DEFAULT_SNAPSHOT, snapshot } = await import('../../interop/openstack/snapshot/collect.js');
      const cloud = resolveCloud(o.osCloud);
      const say = (m: string) => process.stderr.write(`shunt: snapshot: ${m}\n`);
      const client = new OpenStackClient(cloud, { ...DEFAULT_HTTP, timeoutMs: Math.max(1, o.timeout) * 1000, retries: o.retries, onRetry: say });
      try {
        await snapshot(client, o.out, { ...DEFAULT_SNAPSHOT, pageSize: Math.max(1, o.pageSize) }, say);
        say(`written to ${o.out}`);
      } catch (e) {
        if (!(e instanceof RemoteError)) throw e;
        process.stderr.write(`shunt: snapshot failed: ${e.message}\n`);
        process.exitCode = EXIT.internal;
      }
    });
}
