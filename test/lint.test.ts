/**
 * The code style is a test, so that a lint failure counts in the suite's result like any
 * other: ESLint (eslint.config.js: typescript-eslint, at most 100 lines and complexity 25
 * per function, built-in plugins importing only the SDK) finds no error in the project.
 * ESLint's cache (node_modules/.cache/eslint, by content) makes a rerun cheap; `npm run lint`
 * shares it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const ESLINT_CACHE = join(ROOT, 'node_modules', '.cache', 'eslint', '.eslintcache');

/** ESLint's Node API, or why it cannot be loaded (a devDependency: absent from a production install). */
const eslint = await import('eslint').then((m) => m, (e: Error) => e.message);

describe.skipIf(typeof eslint === 'string')(`the code style${typeof eslint === 'string' ? ` (eslint is not installed: ${eslint})` : ''}`, () => {
  it('has no ESLint error anywhere in the project', { timeout: 180_000 }, async () => {
    const { ESLint } = eslint as typeof import('eslint');
    const linter = new ESLint({ cwd: ROOT, cache: true, cacheLocation: ESLINT_CACHE, cacheStrategy: 'content' });
    const results = await linter.lintFiles(['.']);
    const errors = results.flatMap((r) => r.messages
      .filter((m) => m.severity === 2)
      .map((m) => `${r.filePath.slice(ROOT.length + 1)}:${m.line}:${m.column} ${m.ruleId ?? 'parse'}: ${m.message}`));
    expect(errors).toEqual([]);
  });
});
