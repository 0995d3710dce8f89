import fc from 'fast-check';
import { nestsDeeperThan } from '../src/http/json-nesting';
import { fuzz } from './fuzz/fuzz-settings';

/** A JSON value nested `depth` brackets deep, arrays and objects in turn. */
function nested(depth: number): string {
  let text = '1';
  for (let level = 0; level < depth; level += 1) text = level % 2 ? `{"k":${text}}` : `[${text}]`;
  return text;
}

describe('the nesting of a JSON body, counted before it is parsed', () => {
  it('finds brackets opened past the limit, arrays and objects alike, and takes the limit itself', () => {
    expect(nestsDeeperThan(nested(32), 32)).toBe(false);
    expect(nestsDeeperThan(nested(33), 32)).toBe(true);
    expect(nestsDeeperThan('[[[]]]'.repeat(1000), 3)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":[[]]}]}', 4)).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included, and ends on text that is not JSON', () => {
    expect(nestsDeeperThan(`["${'['.repeat(100)}"]`, 1)).toBe(false);
    expect(nestsDeeperThan(`["\\"${'{'.repeat(100)}\\\\"]`, 1)).toBe(false);
    expect(nestsDeeperThan(`["\\\\"${'['.repeat(3)}`, 3)).toBe(true);
    expect(nestsDeeperThan(`["unclosed${'['.repeat(100)}`, 1)).toBe(false);
    expect(nestsDeeperThan(']]]][[', 1)).toBe(false);
  });

  it('agrees with the depth of what JSON.stringify writes', () => {
    const depthOf = (value: unknown): number =>
      value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value as object).map(depthOf)) : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 8 }), (value, max) =>
        expect(nestsDeeperThan(JSON.stringify(value), max)).toBe(depthOf(value) > max),
      ),
      fuzz(),
    );
  });
});
