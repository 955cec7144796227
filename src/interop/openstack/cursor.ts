/**
 * Typed access into a parsed API response that knows where it is: every failure is an
 * InputError naming the file and the JSON pointer of the offending value.
 */
import { InputError, describeValue, pointer } from '../../io/errors.js';

export class Cursor {
  private pointer?: string;

  /** The path is built only when asked for (messages), not on every step. */
  constructor(readonly file: string, readonly value: unknown, private readonly parent?: Cursor, private readonly key?: string | number) {}

  get path(): string {
    return (this.pointer ??= this.parent ? this.parent.path + pointer(this.key!) : '');
  }

  fail(message: string): never {
    throw new InputError(this.file, [{ path: this.path, message }]);
  }

  private expected(what: string): never {
    return this.fail(`expected ${what}, found ${describeValue(this.value)}`);
  }

  get(key: string | number): Cursor {
    const v = this.value as Record<string, unknown>;
    return new Cursor(this.file, v?.[key], this, key);
  }

  has(key: string): boolean {
    return this.isObject() && (this.value as Record<string, unknown>)[key] !== undefined;
  }

  isObject(): boolean {
    return typeof this.value === 'object' && this.value !== null && !Array.isArray(this.value);
  }

  isNull(): boolean {
    return this.value === null || this.value === undefined;
  }

  object(): this {
    if (!this.isObject()) this.expected('an object');
    return this;
  }

  entries(): [string, Cursor][] {
    this.object();
    return Object.keys(this.value as object).map((k) => [k, this.get(k)]);
  }

  array(): Cursor[] {
    if (!Array.isArray(this.value)) this.expected('an array');
    return (this.value as unknown[]).map((_, i) => this.get(i));
  }

  string(): string {
    if (typeof this.value !== 'string' || this.value === '') this.expected('a non-empty string');
    return this.value as string;
  }

  optString(): string | undefined {
    return this.isNull() || this.value === '' ? undefined : this.string();
  }

  number(): number {
    if (typeof this.value !== 'number' || !Number.isFinite(this.value)) this.expected('a number');
    return this.value as number;
  }

  /** A number of at least min (0 by default). */
  amount(min = 0): number {
    const n = this.number();
    if (n < min) this.expected(`a number of at least ${min}`);
    return n;
  }

  optNumber(): number | undefined {
    return this.isNull() ? undefined : this.number();
  }

  boolean(): boolean {
    if (typeof this.value !== 'boolean') this.expected('true or false');
    return this.value as boolean;
  }
}
