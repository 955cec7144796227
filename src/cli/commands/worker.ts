/** shunt worker: runs the jobs that `shunt serve --redis URL` queues, on this machine. */
import type { Command } from 'commander';
import { positiveSeconds } from '../shared.js';
import { defaultWorkers, onSignals, positiveInt } from './serve.js';
import { descriptionOf } from './index.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface WorkerCliOptions { redis: string; concurrency: number; name?: string; lockSeconds: number; plugins?: string[] }

export function register(program: Command): void {
  program.command('worker')
    .description(descriptionOf('worker'))
    .requiredOption('--redis <url>', 'the Redis the service queues jobs in, e.g. redis://127.0.0.1:6379')
    .option('--concurrency <n>', 'jobs solved at once (worker threads; default: cores - 1)', positiveInt('--concurrency'), defaultWorkers())
    .option('--name <name>', 'name recorded on the jobs it runs (default host:pid)')
    .option('--lock-seconds <s>', 'lock on a running job; a dead worker\'s job goes to another worker after about this long', positiveSeconds, 30)
    .option('--plugins <dir>', 'load user plugins (manifests and modules) from DIR; repeatable', collect)
    .action(async (o: WorkerCliOptions) => {
      const { startWorker } = await import('../../service/worker-process.js');
      const worker = await startWorker({ url: o.redis, concurrency: o.concurrency, name: o.name, lockSeconds: o.lockSeconds, pluginDirs: o.plugins ?? [], log: (line) => process.stderr.write(`shunt: worker ${line}\n`) });
      process.stderr.write(`shunt: worker ${worker.name} taking jobs from ${o.redis}\n`);
      onSignals(() => worker.close());
      await new Promise(() => undefined);
    });
}
