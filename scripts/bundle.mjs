#!/usr/bin/env node
/**
 * Bundles tsc's output (dist/src) into dist/bundle/, what the installed package runs:
 *
 * - runtime.cjs: every module of shunt in one CommonJS file, each evaluated on its first use
 *   (the parts are `require`d lazily: the CLI, each command, the library, the SDK, the service's
 *   pool task). A script, unlike an ES module, can be compiled with a V8 code cache on Node 20:
 *   runtime-loader.cjs (src/cli/launch/code-cache.ts) loads it with one, which spares a small
 *   command most of its time (compiling the code). Its first line is the hash of its code, the
 *   key of the cache.
 * - runtime-help.cjs: the part of it that `shunt --help` runs (see commandsOutside).
 * - shunt.cjs: the `shunt` executable (src/cli/launch/bin.ts).
 * - index.js and sdk.js (`shunt`, `shunt/sdk`) and pool-task.js (the service's worker-thread
 *   task): ES modules whose exports are the runtime's, through the same loader, so that the
 *   executable, the library, the SDK and a user's plugin share one copy of every class in a
 *   thread (the executable recognises a plugin's InputError).
 * - worker.js: the solver's worker thread, an ES module on its own (it shares no class with
 *   anything, and awaits at its top level, which a CommonJS file cannot).
 * - candidates-worker.js: the schedule's worker thread (src/schedule/parallel-candidates.ts),
 *   an ES module on its own too (plain data in and out, no class shared).
 *
 * It bundles the JavaScript tsc wrote (decorator metadata, which tsyringe needs, is tsc's).
 * Of the dependencies it holds only what every command loads (commander, tsyringe and its
 * polyfill, ajv's two runtime helpers); the rest stay in node_modules, loaded when a command
 * needs them.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/**
 * The generated schema validators (scripts/build-validators.mjs) require ajv's two runtime
 * helpers through createRequire: in the bundle, plain requires, so that the helpers (and
 * fast-deep-equal, which one of them requires) are bundled instead of resolved and read from
 * node_modules by every run that validates.
 */
const VALIDATORS = join(dist, 'io', 'generated', 'validators.js');
const HEADER = "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n";
const bundledValidators = {
  name: 'bundled-validators',
  setup(b) {
    b.onLoad({ filter: /[\\/]validators\.js$/ }, (args) => {
      if (args.path !== VALIDATORS) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(HEADER)) throw new Error(`${args.path}: the createRequire header scripts/build-validators.mjs writes is not there`);
      return { contents: text.replace(HEADER, ''), resolveDir: dirname(args.path), loader: 'js' };
    });
  },
};
/**
 * commander requires child_process when it is loaded, for executable subcommands, which shunt
 * has none of: loaded on first use instead (about 1 ms of every run). The build fails if
 * commander's line changes.
 */
const COMMANDER_SPAWN = "const childProcess = require('node:child_process');";
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(COMMANDER_SPAWN)) throw new Error(`${args.path}: no "${COMMANDER_SPAWN}" to make lazy`);
      return { contents: text.replace(COMMANDER_SPAWN, "const childProcess = { get spawn() { return require('node:child_process').spawn; } };"), loader: 'js' };
    });
  },
};
const BUNDLED_PATHS = ['ajv/dist/runtime/equal', 'ajv/dist/runtime/ucs2length', 'fast-deep-equal'];

/** Every other package stays external (imported from node_modules at run time). */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return BUNDLED.has(name) || BUNDLED_PATHS.includes(args.path) ? undefined : { path: args.path, external: true };
    });
  },
};

/** The shunt modules tsc wrote that the runtime's parts start from. */
const PARTS = {
  cli: 'cli/run.js',
  commands: 'cli/commands/index.js',
  library: 'index.js',
  sdk: 'sdk.js',
  poolTask: 'service/pool-task.js',
};

// In a CommonJS file, import.meta.url is the file's own URL (modules find their neighbours by it).
const commonJs = {
  format: 'cjs',
  define: { 'import.meta.url': '__shuntModuleUrl' },
  banner: { js: "'use strict';\nconst __shuntModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

// Classes and functions keep their names (esbuild renames clashing ones): messages and
// `Error.name`s print them.
const shared = { bundle: true, platform: 'node', target: 'node20', keepNames: true, logLevel: 'warning' };

/**
 * A CommonJS runtime: each part a function that requires (evaluates, the first time) its
 * module. Its import()s call the loader's (src/cli/launch/code-cache.ts says why); our modules
 * have no "import(" in a string, where this would change text. The loader reads it as latin1
 * (no decoding): esbuild escapes every other character of the code, and here of the comments too.
 */
async function runtimeCode(parts, plugins) {
  const contents = Object.entries(parts).map(([name, file]) => `exports.${name} = () => require(${JSON.stringify(`./${file}`)});`).join('\n');
  const result = await build({
    ...shared, ...commonJs,
    stdin: { contents, resolveDir: dist, sourcefile: 'runtime-entry.js', loader: 'js' },
    plugins: [...plugins, bundledDi, bundledValidators, lazyChildProcess, externalPackages],
    write: false,
    outfile: join(out, 'runtime.cjs'),
  });
  return result.outputFiles[0].text.replace(/(?<![\w$.])import\(/g, '__shuntImport(')
    .replace(/[\u{80}-\u{10ffff}]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
}

/**
 * runtime-help.cjs: what `shunt`, `shunt --help` and `--version` run (no command: the command
 * line lists the commands but loads none of their modules), a tenth of the runtime, so that
 * they read and deserialise that much less. It runs no plugin, so its own copies of the classes
 * it holds meet no other.
 */
const commandsOutside = {
  name: 'commands-outside',
  setup(b) {
    b.onResolve({ filter: /^\.\/[a-z-]+\.js$/ }, (args) => (args.kind === 'dynamic-import' && args.importer === join(dist, 'cli', 'commands', 'index.js')
      ? { path: args.path, namespace: 'no-command' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'no-command' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`runtime-help.cjs holds no command (${args.path})`)});`, loader: 'js',
    }));
  },
};

/** runtime.cjs and runtime-help.cjs, each with the hash of both on its first line (the code cache's key). */
async function buildRuntimes() {
  const full = await runtimeCode(PARTS, []);
  const help = await runtimeCode({ cli: PARTS.cli, commands: PARTS.commands }, [commandsOutside]);
  const hash = createHash('sha256').update(full).update(help).digest('hex').slice(0, 16);
  writeFileSync(join(out, 'runtime.cjs'), `// shunt-runtime ${hash}\n${full}`);
  writeFileSync(join(out, 'runtime-help.cjs'), `// shunt-runtime ${hash}\n${help}`);
}

/** The loader, and the executable, which requires the same loader file (one runtime per thread). */
async function buildLoaderAndBin() {
  await build({ ...shared, ...commonJs, entryPoints: [join(dist, 'cli', 'launch', 'code-cache.js')], outfile: join(out, 'runtime-loader.cjs') });
  const loaderOutside = {
    name: 'loader-outside',
    setup(b) { b.onResolve({ filter: /^\.\/code-cache\.js$/ }, () => ({ path: './runtime-loader.cjs', external: true })); },
  };
  await build({ ...shared, ...commonJs, entryPoints: [join(dist, 'cli', 'launch', 'bin.js')], outfile: join(out, 'shunt.cjs'), plugins: [loaderOutside] });
}

/** An ES module exporting what `module` exports, taken from the runtime's `part`. */
async function writeFacade(name, part, module, cached) {
  const names = Object.keys(await import(pathToFileURL(join(dist, module)).href));
  const named = names.filter((n) => n !== 'default');
  const lines = [
    `// ${module}'s exports, from the bundle's runtime (scripts/bundle.mjs).`,
    "import { createRequire } from 'node:module';",
    `const part = createRequire(import.meta.url)('./runtime-loader.cjs').${cached ? `loadRuntimeFor('${part}')` : 'loadRuntime()'}.${part}();`,
    ...(named.length ? [`export const { ${named.join(', ')} } = part;`] : []),
    ...(names.includes('default') ? ['export default part.default;'] : []),
  ];
  writeFileSync(join(out, `${name}.js`), lines.join('\n') + '\n');
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await buildRuntimes();
await buildLoaderAndBin();
await writeFacade('index', 'library', PARTS.library, true);
await writeFacade('sdk', 'sdk', PARTS.sdk, true);
await writeFacade('pool-task', 'poolTask', PARTS.poolTask, false);
// The threads: `new URL('./worker.js', import.meta.url)` in the runtime finds the solver's here,
// and `./candidates-worker.js` the schedule's.
for (const [file, name] of [[join(dist, 'exact', 'solvers', 'worker.js'), 'worker.js'], [join(dist, 'schedule', 'candidates-worker.js'), 'candidates-worker.js']]) {
  await build({
    ...shared,
    entryPoints: [file],
    outfile: join(out, name),
    format: 'esm',
    plugins: [bundledDi, externalPackages],
    banner: { js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
  });
}
// The runbook's template is read next to the module that uses it (src/interop/openstack/runbook.ts).
copyFileSync(join(root, 'src', 'interop', 'openstack', 'runbook.template.sh'), join(out, 'runbook.template.sh'));
