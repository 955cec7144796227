import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Test files share their worker's modules instead of loading shunt anew for each file
    // (about 2 s of module loading per file on a busy 2-core machine). No test mocks modules
    // or globals; the module-level state there is (caches, the CLI's current output, warm
    // solver threads) is meant to be reused.
    isolate: false,
    // vitest's default is one worker fewer than the cores: one on a 2-core machine. Two files at
    // a time, since much of the suite waits (service jobs, runbooks, child processes).
    maxWorkers: 2,
  },
});
