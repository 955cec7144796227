/** One thing wrong with an input, located by JSON pointer. */
export interface InputIssue {
  /** JSON pointer into the document ("" for the whole document). */
  path: string;
  message: string;
  /** The document the path points into, when it is not the error's own source. */
  source?: string;
}

const BRAND = Symbol.for('shunt.InputError');

/** Bad input: the CLI prints every issue and exits 2, without a stack trace. */
export class InputError extends Error {
  readonly [BRAND] = true;

  constructor(readonly source: string, readonly issues: InputIssue[]) {
    super(issues.map((i) => `${i.source ?? source}: ${i.path || '/'}: ${i.message}`).join('\n'));
    this.name = 'InputError';
  }

  /**
   * A plugin may raise the InputError of another copy of shunt (`shunt/sdk` resolved to a
   * different installation): it is bad input all the same.
   */
  static [Symbol.hasInstance](x: unknown): boolean {
    if (this !== InputError) return Function.prototype[Symbol.hasInstance].call(this, x);
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
  }
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Escapes a key for use in a JSON pointer. */
export function pointer(...parts: (string | number)[]): string {
  return parts.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
