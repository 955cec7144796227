/** JSON Schema validation of documents and plugin options, with messages that name path and value. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { packageRoot } from '../util/package-root.js';
import { describeValue, InputError, type InputIssue } from './errors.js';

export type SchemaName = 'instance' | 'plan' | 'policy' | 'plugin-manifest';

export class SchemaValidator {
  private readonly ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly dir = join(packageRoot(), 'schemas')) {
    for (const name of ['policy', 'instance', 'plan', 'plugin-manifest'] as SchemaName[]) {
      this.ajv.addSchema(JSON.parse(readFileSync(join(this.dir, `${name}.schema.json`), 'utf8')), `${name}.schema.json`);
    }
  }

  /** Throws InputError listing every schema violation of `doc`. */
  assert(name: SchemaName, doc: unknown, source: string): void {
    const issues = this.issues(this.get(`${name}.schema.json`), doc);
    if (issues.length) throw new InputError(source, issues);
  }

  /** Validates a plugin's options against its own schema; paths are prefixed with `prefix`. */
  optionIssues(schema: Record<string, unknown>, options: unknown, prefix: string): InputIssue[] {
    const key = JSON.stringify(schema);
    let fn = this.compiled.get(key);
    if (!fn) { fn = this.ajv.compile(schema); this.compiled.set(key, fn); }
    return this.issues(fn, options).map((i) => ({ ...i, path: prefix + i.path }));
  }

  private get(id: string): ValidateFunction {
    let fn = this.compiled.get(id);
    if (!fn) { fn = this.ajv.getSchema(id)!; this.compiled.set(id, fn); }
    return fn;
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
