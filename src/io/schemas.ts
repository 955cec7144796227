/**
 * JSON Schema validation of documents and plugin options, with messages that name path and
 * value. The document schemas and the built-in plugins' options schemas are compiled at
 * build time (scripts/build-validators.mjs, ajv's standalone code), so that starting the CLI
 * loads neither ajv nor a schema; ajv is loaded only for schemas that were not (user
 * plugins' options, or documents from another schema directory).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv as AjvClass, ErrorObject } from 'ajv';
import { packageRoot } from '../util/package-root.js';
import { describeValue, InputError, type InputIssue } from './errors.js';
import * as generated from './generated/validators.js';

export type SchemaName = 'instance' | 'plan' | 'policy' | 'plugin-manifest';

/** A compiled validator, from the build or from ajv: it sets `errors` when it says no. */
type ValidateFunction = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

const SCHEMAS: readonly SchemaName[] = ['policy', 'instance', 'plan', 'plugin-manifest'];
const compiledDocs = {
  policy: generated.doc_policy, instance: generated.doc_instance, plan: generated.doc_plan, 'plugin-manifest': generated.doc_plugin_manifest,
} as unknown as Record<SchemaName, ValidateFunction>;
const compiledOptions = generated.optionValidators as unknown as Record<string, ValidateFunction>;

export class SchemaValidator {
  private ajv: AjvClass | undefined;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly builtin: boolean;

  constructor(private readonly dir = join(packageRoot(), 'schemas')) {
    this.builtin = dir === join(packageRoot(), 'schemas');
  }

  /** Throws InputError listing every schema violation of `doc`. */
  assert(name: SchemaName, doc: unknown, source: string): void {
    const issues = this.issues(this.document(name), doc);
    if (issues.length) throw new InputError(source, issues);
  }

  /** Whether `doc` is valid, without the messages (see checkInstance in validate-instance.ts). */
  valid(name: SchemaName, doc: unknown): boolean {
    return this.document(name)(doc);
  }

  /** Whether the document schemas are shunt's own (compiled at build time), not another directory's. */
  get ownSchemas(): boolean {
    return this.builtin;
  }

  /** Validates a plugin's options against its own schema; paths are prefixed with `prefix`. */
  optionIssues(schema: Record<string, unknown>, options: unknown, prefix: string): InputIssue[] {
    const key = JSON.stringify(schema);
    let fn = this.compiled.get(key) ?? compiledOptions[key];
    if (!fn) { fn = this.runtime().compile(schema); this.compiled.set(key, fn); }
    return this.issues(fn, options).map((i) => ({ ...i, path: prefix + i.path }));
  }

  private document(name: SchemaName): ValidateFunction {
    if (this.builtin) return compiledDocs[name];
    let fn = this.compiled.get(name);
    if (!fn) { fn = this.runtime().getSchema(`${name}.schema.json`)!; this.compiled.set(name, fn); }
    return fn;
  }

  /** ajv with the document schemas, loaded on first need (the options match the build script's). */
  private runtime(): AjvClass {
    if (!this.ajv) {
      const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
      this.ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false });
      for (const name of SCHEMAS) {
        this.ajv.addSchema(JSON.parse(readFileSync(join(this.dir, `${name}.schema.json`), 'utf8')), `${name}.schema.json`);
      }
    }
    return this.ajv;
  }

  private issues(fn: ValidateFunction, doc: unknown): InputIssue[] {
    if (fn(doc)) return [];
    return formatErrors(fn.errors ?? [], doc);
  }
}

function valueAt(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const raw of path.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** One line per distinct problem; oneOf noise is folded into its branches' first message. */
export function formatErrors(errors: ErrorObject[], doc: unknown): InputIssue[] {
  const out: InputIssue[] = [];
  const seen = new Set<string>();
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  for (const e of errors) {
    let path = e.instancePath;
    let message: string;
    if (e.keyword === 'additionalProperties') {
      path += '/' + String(e.params['additionalProperty']).replace(/~/g, '~0').replace(/\//g, '~1');
      message = 'unknown key (only x- keys may be added)';
    } else if (e.keyword === 'required') {
      path += '/' + String(e.params['missingProperty']);
      message = 'is required';
    } else if (e.keyword === 'oneOf') {
      message = `is not valid here (got ${describeValue(valueAt(doc, path))})`;
    } else {
      if (oneOfPaths.has(path) && (e.keyword === 'type' || e.keyword === 'const')) continue; // the oneOf line says it
      message = `${e.message ?? e.keyword} (got ${describeValue(valueAt(doc, path))})`;
      if (e.keyword === 'enum') message = `must be one of ${(e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${describeValue(valueAt(doc, path))})`;
    }
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  // A oneOf line adds nothing when a branch already said what is wrong at that path.
  const said = new Set(out.filter((i) => !i.message.startsWith('is not valid here')).map((i) => i.path));
  return out.filter((i) => !(i.message.startsWith('is not valid here') && said.has(i.path)));
}
