import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseJsonBytes } from '../src/io/json-split.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('parsing a large JSON document in pieces', () => {
  it('gives JSON.parse\'s value for any document and any piece size, however it is indented', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.constantFrom(0, 1, 2, '\t'), fc.integer({ min: 1, max: 80 }), (value, indent, batch) => {
      const text = JSON.stringify(value, null, indent);
      expect(parseJsonBytes(bytes(text), batch)).toStrictEqual(JSON.parse(text));
    }), { numRuns: 400 });
  });

  it('keeps repeated keys as JSON.parse does: the last value, at the first key\'s place', () => {
    const text = '{"a": 1, "b": [1, 2, 3, 4], "a": {"x": "yyyyyyyyyy"}, "c": null}';
    for (let batch = 1; batch <= text.length; batch++) {
      const parsed = parseJsonBytes(bytes(text), batch);
      expect(parsed).toStrictEqual(JSON.parse(text));
      expect(Object.keys(parsed as object)).toEqual(['a', 'b', 'c']);
    }
  });

  it('keeps "__proto__" an own key, never the prototype', () => {
    const text = '{"__proto__": {"polluted": true}, "vms": [{"__proto__": 1}, {"name": "a"}]}';
    for (let batch = 1; batch <= text.length; batch++) {
      const parsed = parseJsonBytes(bytes(text), batch) as Record<string, unknown>;
      expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
      expect(Object.getOwnPropertyNames(parsed)).toEqual(['__proto__', 'vms']);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(parsed).toStrictEqual(JSON.parse(text));
    }
  });

  it('reads strings with escaped quotes, brackets and commas, and multi-byte characters', () => {
    const text = JSON.stringify({ 'k,"}': ['a,b', 'c\\"]', '{[', 'ü€😀', { 'x"': '\\' }], z: '\u2028' });
    for (let batch = 1; batch <= text.length; batch++) expect(parseJsonBytes(bytes(text), batch)).toStrictEqual(JSON.parse(text));
  });

  it('refuses every malformed document JSON.parse refuses, whatever the piece size', () => {
    const broken = ['[1, 2,]', '[, 1]', '[1,, 2]', '{"a": 1,}', '{"a" 1, "b": 2}', '{"a": }', '[1, 2', '[1, 2]]', '{"a": [1}, "b": 2}',
      '["abc, 1]', '[1 2, 3]', '{"a": 1} {"b": 2}', '', '   ', '{"a": 1, 2: 3}', '[1, 2] x'];
    for (const text of broken) {
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      for (let batch = 1; batch <= text.length + 1; batch++) expect(() => parseJsonBytes(bytes(text), batch), `${text} in pieces of ${batch}`).toThrow(SyntaxError);
    }
  });
});
