/**
 * Loads the bundle's runtime (dist/bundle/runtime.cjs: every module of shunt in one CommonJS
 * file, scripts/bundle.mjs) with a V8 code cache. Node 20 caches no compiled code for ES
 * modules (module.enableCompileCache is Node 22), but compiles a script with `cachedData`: the
 * bytecode of the functions a previous run compiled, so that a run compiles almost nothing.
 * Without the cache, compiling the runtime is most of a small command's time.
 *
 * One cache file per command (`--help` needs far less code than `plan`, and deserialising all
 * of it would cost more than it saves; it even has a runtime of its own, runtime-help.cjs),
 * runtime build, Node version and architecture, in the user's cache directory
 * (SHUNT_COMPILE_CACHE names another; SHUNT_DISABLE_COMPILE_CACHE=1 turns it off). The
 * executable writes a command's file after a successful run that had none (or whose file V8
 * rejected: other V8 flags), to a temporary file renamed into place (concurrent runs never read
 * half a file). Any failure to read or write it is ignored: the run goes on, uncached. Writing
 * one drops the files of all but the KEPT_BUILDS builds written last (rebuilds and upgrades
 * leave theirs behind; two installs in use both keep theirs). The files are code the process
 * runs: the directory must be writable by its user only, as a home directory's is.
 *
 * The library (`import 'shunt'`) and the SDK have a cache of their own, written when the
 * program that imported them exits. This module is bundled on its own (runtime-loader.cjs),
 * shared by the executable and those entries, so that a thread holds one runtime: one copy of
 * every class.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** What runtime.cjs exports: each part of shunt, evaluated on its first call. */
export interface ShuntRuntime {
  cli(): typeof import('../run.js');
  commands(): typeof import('../commands/index.js');
  library(): typeof import('../../index.js');
  sdk(): typeof import('../../sdk.js');
  poolTask(): typeof import('../../service/pool-task.js');
}

interface Loaded {
  /** runtime.cjs or runtime-help.cjs. */
  name: string;
  runtime: Partial<ShuntRuntime>;
  script: Script;
  /** The cache file of the command the runtime was loaded for, when there is a cache directory. */
  file?: string;
  /** Whether V8 used that file. */
  used: boolean;
}

let loaded: Loaded | undefined;

/**
 * The runtime's `import()`s call this instead (scripts/bundle.mjs renames them): Node 20 loses
 * a vm script's dynamic-import callback when the script comes from a code cache, and this
 * module's own import() is Node's. Specifiers are packages, node: modules and absolute URLs.
 */
const IMPORT = '__shuntImport';
const importModule = (specifier: string): Promise<unknown> => import(specifier);

/** The cache directory: SHUNT_COMPILE_CACHE, else the user's cache directory; none when turned off. */
function cacheDir(): string | undefined {
  const env = process.env;
  if (env['SHUNT_DISABLE_COMPILE_CACHE'] === '1') return undefined;
  if (env['SHUNT_COMPILE_CACHE']) return env['SHUNT_COMPILE_CACHE'];
  const base = process.platform === 'win32' ? env['LOCALAPPDATA'] : env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return base ? join(base, 'shunt', 'code-cache') : undefined;
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Compiles and runs runtime.cjs (once per thread), with the code cache of `command` (a name
 * of letters) when there is one; without a command (the service's pool threads), uncached.
 */
export function loadRuntime(command?: string): ShuntRuntime {
  return load('runtime.cjs', command) as ShuntRuntime;
}

/**
 * The runtime of a command line that names no command (`shunt --help`, `--version`):
 * runtime-help.cjs, the command line without the commands' modules, cached as `help`.
 */
export function loadHelpRuntime(): Pick<ShuntRuntime, 'cli' | 'commands'> {
  return load('runtime-help.cjs', 'help') as Pick<ShuntRuntime, 'cli' | 'commands'>;
}

function load(name: string, command: string | undefined): Partial<ShuntRuntime> {
  if (loaded?.name === name) return loaded.runtime;
  if (loaded) throw new Error(`shunt's ${loaded.name} is loaded: ${name} cannot be`);
  const path = join(dirname(fileURLToPath(import.meta.url)), name);
  // The bundle is ASCII (esbuild escapes the rest): read as latin1, it needs no decoding.
  const source = readFileSync(path, 'latin1');
  // The build writes the hash of the runtime's code on its first line: a cache of another build is never used.
  const hash = /^\/\/ shunt-runtime ([0-9a-f]{16})/.exec(source)?.[1];
  const dir = hash && command !== undefined && /^[a-z]{1,32}$/.test(command) ? cacheDir() : undefined;
  const file = dir ? join(dir, `${hash}-${process.version}-${process.arch}-${command}.bin`) : undefined;
  const cachedData = file ? readCache(file) : undefined;
  const script = new Script(`(function (exports, require, module, __filename, __dirname, ${IMPORT}) {${source}\n})`, { filename: path, cachedData });
  const module = { exports: {} as Partial<ShuntRuntime> };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(path), module, path, dirname(path), importModule);
  loaded = { name, runtime: module.exports, script, file, used: cachedData !== undefined && !script.cachedDataRejected };
  return loaded.runtime;
}

/**
 * loadRuntime for the library's and the SDK's entries (`part`: library, sdk): the cache is
 * written when the program exits, with all the code it compiled, if it had none.
 */
export function loadRuntimeFor(part: 'library' | 'sdk'): ShuntRuntime {
  const first = loaded === undefined;
  const runtime = loadRuntime(part);
  if (first && loaded?.file && !loaded.used) process.once('exit', saveCodeCache);
  return runtime;
}

/**
 * After a run: writes the code cache of the command the runtime was loaded for, with the code
 * this run compiled, unless V8 used it already; never throws.
 */
export function saveCodeCache(): void {
  if (!loaded?.file || loaded.used) return;
  const { file, script } = loaded;
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, file);
    loaded.used = true;
    pruneOtherBuilds(dirname(file));
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing was written
    }
  }
}

/** The builds (runtime hashes) whose caches a directory keeps: the ones written last. */
const KEPT_BUILDS = 3;

/** Removes the cache files of the builds written longest ago, beyond KEPT_BUILDS. */
function pruneOtherBuilds(dir: string): void {
  const latest = new Map<string, number>();
  const files = readdirSync(dir).filter((f) => /^[0-9a-f]{16}-.*\.bin$/.test(f));
  for (const f of files) {
    const hash = f.slice(0, 16);
    latest.set(hash, Math.max(latest.get(hash) ?? 0, statSync(join(dir, f)).mtimeMs));
  }
  const kept = new Set([...latest].sort((a, b) => b[1] - a[1]).slice(0, KEPT_BUILDS).map(([hash]) => hash));
  for (const f of files) if (!kept.has(f.slice(0, 16))) rmSync(join(dir, f), { force: true });
}
