#!/usr/bin/env node
/**
 * Bundles tsc's output (dist/src) into dist/bundle/, what the installed package runs: the
 * `shunt` executable (main.js), the library (index.js, `shunt`), the plugin SDK (sdk.js,
 * `shunt/sdk`) and the three worker-thread modules (the solver worker, the service's pool
 * task and the schedule's candidates). Node's ESM loader spends most of a small run resolving, reading and compiling some
 * 120 modules; here `shunt plan` loads about 20 files.
 *
 * One build with code splitting, so that a module shared by the entry points (the error
 * classes, the kernel) exists once, in one chunk: a user plugin that imports `shunt/sdk`
 * gets the classes the executable checks with instanceof. Everything is flat in one
 * directory, so that `new URL('./worker.js', import.meta.url)` in any chunk finds its entry.
 * The command modules stay apart (each is a dynamic import), so `--help` loads none of them.
 * It bundles the JavaScript tsc wrote (decorator metadata, which tsyringe needs, is tsc's).
 * Of the dependencies it holds only what every command loads (commander, tsyringe and its
 * polyfill, all CommonJS that Node would otherwise read file by file); the rest stay in
 * node_modules, loaded when a command needs them.
 */
import { copyFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist', 'src');
const out = join(root, 'dist', 'bundle');
const BUNDLED = new Set(['commander', 'tsyringe', 'reflect-metadata', 'tslib']);
const DI = join(dist, 'kernel', 'di.js');

/**
 * src/kernel/di.ts requires tsyringe through createRequire, which a bundler cannot follow
 * (unbundled, that spares Node's ESM loader a scan of tsyringe's files): in the bundle, the
 * same two modules imported, in the same order, with the same exports.
 */
const bundledDi = {
  name: 'bundled-di',
  setup(b) {
    b.onLoad({ filter: /[\\/]kernel[\\/]di\.js$/ }, (args) => (args.path !== DI ? undefined : {
      contents: "import 'reflect-metadata';\nimport tsyringe from 'tsyringe';\nexport const { container, inject, injectable } = tsyringe;\n",
      resolveDir: dirname(DI),
      loader: 'js',
    }));
  },
};

/** Every other package stays external (imported from node_modules at run time). */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return BUNDLED.has(name) ? undefined : { path: args.path, external: true };
    });
  },
};

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: {
    main: join(dist, 'cli', 'main.js'),
    index: join(dist, 'index.js'),
    sdk: join(dist, 'sdk.js'),
    worker: join(dist, 'exact', 'solvers', 'worker.js'),
    'pool-task': join(dist, 'service', 'pool-task.js'),
    'candidates-worker': join(dist, 'schedule', 'candidates-worker.js'),
  },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [bundledDi, externalPackages],
  // The bundled CommonJS requires Node's built-in modules: give each output file a require.
  banner: { js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
  chunkNames: 'chunk-[hash]',
  // Classes and functions keep their names (esbuild renames clashing ones): messages and
  // `Error.name`s print them.
  keepNames: true,
  logLevel: 'warning',
});
// The runbook's template is read next to the module that uses it (src/interop/openstack/runbook.ts).
copyFileSync(join(root, 'src', 'interop', 'openstack', 'runbook.template.sh'), join(out, 'runbook.template.sh'));
