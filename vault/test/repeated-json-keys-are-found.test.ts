import fc from 'fast-check';
import { repeatsAKey } from '../src/http/repeated-json-key';
import { fuzz } from './fuzz/fuzz-settings';

/** A key as JSON text, every UTF-16 unit escaped as \uXXXX: the same key, spelt otherwise. */
function escapedKey(key: string): string {
  const units = Array.from({ length: key.length }, (_, at) => key.charCodeAt(at));
  return `"${units.map((unit) => `\\u${unit.toString(16).padStart(4, '0')}`).join('')}"`;
}

describe('a key repeated in one JSON object', () => {
  it('is found however the key is spelt and wherever the object sits', () => {
    expect(repeatsAKey('{"a":1,"a":2}')).toBe(true);
    expect(repeatsAKey('{"a":1, \n "\\u0061" : 2}')).toBe(true);
    expect(repeatsAKey('[1,{"x":[{"a":"a","b":{"a":1},"a":3}]}]')).toBe(true);
    expect(repeatsAKey('{"k\\"ey":1,"k\\"ey":2}')).toBe(true);
  });

  it('is not claimed for the same key in two objects, a key repeated as a value, or brackets inside strings', () => {
    expect(repeatsAKey('{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}')).toBe(false);
    expect(repeatsAKey('{"a":"a","b":["a","b"]}')).toBe(false);
    expect(repeatsAKey('{"a":"{\\"a\\":1,","b":"]},\\\\","c":"a"}')).toBe(false);
    expect(repeatsAKey('"a"')).toBe(false);
    expect(repeatsAKey('[]')).toBe(false);
    // Only valid JSON reaches it; a string cut short still ends the scan.
    expect(repeatsAKey('{"a":"unclosed\\"')).toBe(false);
  });

  it('is never claimed for what JSON.stringify writes, and always found when one key is written twice', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => expect(repeatsAKey(JSON.stringify(value))).toBe(false)),
      fuzz(),
    );
    const withKeys = fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 });
    fc.assert(
      fc.property(withKeys, fc.nat(), fc.boolean(), fc.jsonValue({ maxDepth: 2 }), (object, pick, escape, value) => {
        const keys = Object.keys(object);
        const key = keys[pick % keys.length];
        const again = `${escape ? escapedKey(key) : JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`;
        const text = JSON.stringify(object);
        const nested = `[{"outer":${text.slice(0, -1)},${again}}}]`;
        expect(repeatsAKey(nested)).toBe(true);
        expect(() => JSON.parse(nested)).not.toThrow();
      }),
      fuzz(),
    );
  });
});
