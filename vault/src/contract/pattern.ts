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
 * over a form (form-rules.ts): one submit then costs about 0.1 s of matching at worst (measured).
 */
import { LIMITS } from './limits';

/** The part of re2js used here. Typed by hand: its own .d.ts needs TypeScript 5.7, the app's packager runs 4.9. */
interface Re2js {
  RE2JS: {
    compile(pattern: string): { testExact(input: string): boolean; programSize(): number };
    translateRegExp(pattern: string): string;
  };
  /** What re2js throws for a pattern it refuses; anything else is a fault, not the admin's mistake. */
  RE2JSException: new (message: string) => Error;
}
let engine: Re2js | undefined;

/**
 * Loaded on first use, with a plain require that keeps re2js's types out of the app's compiler;
 * and the app's packager evaluates the app's modules with no npm packages at hand.
 */
function re2(): Re2js {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!engine) engine = require('re2js') as Re2js;
  return engine;
}

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
  const { RE2JS, RE2JSException } = re2();
  try {
    const compiled = RE2JS.compile(RE2JS.translateRegExp(source));
    const size = compiled.programSize();
    if (size > MAX_PATTERN_PROGRAM) return { ok: false, reason: 'too complex: use smaller repeat counts' };
    return { ok: true, pattern: { matches: (value) => compiled.testExact(value), size } };
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    return { ok: false, reason: error.message.replace(/^error parsing regexp: /, '') };
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
