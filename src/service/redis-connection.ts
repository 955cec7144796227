/** Redis connections of the service and its workers: checked once at start, errors as one line. */
import { Redis } from 'ioredis';
import { InputError } from '../io/errors.js';

/** Fails at once, naming the URL, when Redis cannot be reached (instead of retrying forever). */
export async function probeRedis(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000 });
  let cause: Error | undefined;
  client.on('error', (e: Error) => { cause ??= e; });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new InputError('--redis', [{ path: '', message: `cannot reach Redis at ${url}: ${(cause ?? (e as Error)).message}` }]);
  } finally {
    client.disconnect();
  }
}

/** Later connection trouble (ioredis and BullMQ retry on their own): one line on stderr, no stack. */
export function logErrors(emitter: { on(event: 'error', listener: (e: Error) => void): unknown }): void {
  emitter.on('error', (e: Error) => process.stderr.write(`shunt: redis: ${e.message}\n`));
}
