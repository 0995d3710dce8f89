/**
 * The one compiler for a form field's `pattern`, used by the vault's checks, the visitor page's
 * script and the app's catalog check. It runs on re2js, a pure-JavaScript port of RE2: matching
 * takes time linear in the input whatever the pattern, so `(a+)+$` cannot freeze anything, and it
 * loads in Node, the browser and the Apps-Engine's Deno sandbox alike.
 *
 * The syntax is JavaScript's (`\d`, `\u00e9`, `[^…]`, `(?<name>…)`) minus what needs
 * backtracking: backreferences and lookahead/lookbehind do not compile, and a repeat count may
 * not exceed 1000. A pattern always has to match the whole value.
 *
 * Linear is not free: matching costs the value's length times the compiled program's size, and
 * `\p{L}{1000}` compiles to a thousand steps. So a pattern's program is capped, and so is the sum
 * over a form (form-rules.ts), which bounds the work of one submit to a few tens of milliseconds.
 */
import { RE2JS } from 're2js';
import { LIMITS } from './limits';

/** Most instructions one pattern may compile to: ordinary patterns need well under 100. */
export const MAX_PATTERN_PROGRAM = 1000;

export interface CompiledPattern {
  /** True when the whole value matches. */
  matches(value: string): boolean;
  /** Instructions of the compiled program: the cost of matching one character. */
  size: number;
}

export type PatternCompilation = { ok: true; pattern: CompiledPattern } | { ok: false; reason: string };

const cache = new Map<string, PatternCompilation>();
const MAX_CACHED_PATTERNS = 256;

/** Compiles a pattern (or takes it from a small cache), or says in a few words why it cannot be used. Never throws. */
export function compilePattern(source: string): PatternCompilation {
  let compiled = cache.get(source);
  if (compiled === undefined) {
    compiled = compile(source);
    if (cache.size >= MAX_CACHED_PATTERNS) cache.clear();
    cache.set(source, compiled);
  }
  return compiled;
}

function compile(source: string): PatternCompilation {
  if (typeof source !== 'string' || source.length === 0) return { ok: false, reason: 'the pattern is empty' };
  if (source.length > LIMITS.pattern) return { ok: false, reason: `longer than ${LIMITS.pattern} characters` };
  try {
    const compiled = RE2JS.compile(RE2JS.translateRegExp(source));
    const size = compiled.programSize();
    if (size > MAX_PATTERN_PROGRAM) return { ok: false, reason: 'too complex: use smaller repeat counts' };
    return { ok: true, pattern: { matches: (value) => compiled.testExact(value), size } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: message.replace(/^error parsing regexp: /, '') };
  }
}

/**
 * Whole-value match. A pattern that does not compile is a mistake in the form, and no value can
 * satisfy it, so the field fails rather than silently passing.
 */
export function matchesPattern(source: string, value: string): boolean {
  const compiled = compilePattern(source);
  return compiled.ok && compiled.pattern.matches(value);
}
