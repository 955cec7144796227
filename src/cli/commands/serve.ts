/** shunt serve: the planning service over HTTP (src/service/). */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { InputError } from '../../io/errors.js';
import { positiveSeconds } from '../shared.js';
import { descriptionOf } from './index.js';

export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InputError(flag, [{ path: '', message: `must be a positive integer (got ${JSON.stringify(value)})` }]);
    return n;
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
export const defaultWorkers = () => Math.max(1, availableParallelism() - 1);

/** Stops on SIGINT or SIGTERM by calling close once. */
export function onSignals(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`shunt: ${signal}: shutting down\n`);
    close().then(() => process.exit(0), (e) => { process.stderr.write(`shunt: ${(e as Error).message}\n`); process.exit(1); });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

interface ServeOptions { host: string; port: number; workers: number; maxQueue: number; redis?: string; timeLimit: number; bodyLimit: number; drain: number; plugins?: string[]; log?: boolean }

export function register(program: Command): void {
  program.command('serve')
    .description(descriptionOf('serve'))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', (v) => { const n = Number(v); if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InputError('--port', [{ path: '', message: `must be a port number (got ${JSON.stringify(v)})` }]); return n; }, 8080)
    .option('--workers <n>', 'worker threads that solve (default: cores - 1)', positiveInt('--workers'), defaultWorkers())
    .option('--max-queue <n>', 'jobs that may wait for a worker; beyond, 429 with Retry-After', positiveInt('--max-queue'), 100)
    .option('--redis <url>', 'queue jobs in Redis (BullMQ) for shunt worker processes, e.g. redis://127.0.0.1:6379')
    .option('--time-limit <seconds>', 'default and largest time limit of a job', positiveSeconds, 60)
    .option('--body-limit <bytes>', 'largest request body', positiveInt('--body-limit'), 64 * 1024 * 1024)
    .option('--drain <seconds>', 'on SIGTERM, how long running jobs may finish before they are cancelled', positiveSeconds, 30)
    .option('--plugins <dir>', 'load user plugins (manifests and modules) from DIR; repeatable', collect)
    .option('--log', 'log each request as JSON on stdout')
    .action(async (o: ServeOptions) => {
      const { createService } = await import('../../service/service.js');
      const service = await createService({ workers: o.workers, maxQueue: o.maxQueue, redis: o.redis, timeLimit: o.timeLimit, bodyLimit: o.bodyLimit, pluginDirs: o.plugins ?? [], logger: o.log ?? false });
      const address = await service.app.listen({ host: o.host, port: o.port });
      process.stderr.write(`shunt: serving on ${address} (${o.redis ? `queue in Redis at ${o.redis}` : `${o.workers} worker threads`}, queue of ${o.maxQueue})\n`);
      onSignals(() => service.close(o.drain));
      await new Promise(() => undefined);
    });
}
