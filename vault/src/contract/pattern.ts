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
    compile(pattern: string): {
      testExact(input: string): boolean;
      programSize(): number;
      matcher(input: string): { find(start: number): boolean; start(): number; end(): number };
    };
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
  const compiled = compileRe2(source, MAX_PATTERN_PROGRAM);
  if (!compiled.ok) return compiled;
  const { program, size } = compiled;
  return { ok: true, pattern: { matches: (value) => program.testExact(value), size } };
}

type Re2Program = ReturnType<Re2js['RE2JS']['compile']>;

function compileRe2(
  source: string,
  maxProgram: number,
): { ok: true; program: Re2Program; size: number } | { ok: false; reason: string } {
  if (typeof source !== 'string' || source.length === 0) return { ok: false, reason: 'the pattern is empty' };
  if (source.length > LIMITS.pattern) return { ok: false, reason: `longer than ${LIMITS.pattern} characters` };
  const foreign = notJavaScript(source);
  if (foreign) return { ok: false, reason: foreign };
  const { RE2JS, RE2JSException } = re2();
  try {
    const program = RE2JS.compile(RE2JS.translateRegExp(source));
    const size = program.programSize();
    if (size > maxProgram) return { ok: false, reason: 'too complex: use smaller repeat counts' };
    return { ok: true, program, size };
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    // RE2 quotes the pattern's text after its reason (`(?=`, `{2000}`): left out when it holds nine
    // digits or more, as what it quotes (up to the pattern's end) may be a card number or an SSN.
    const reason = error.message
      .replace(/^error parsing regexp: /, '')
      .replace(/: `([\s\S]*)`$/, (quote: string, text: string) => (/(?:\d\D*){9}/.test(text) ? '' : quote));
    // RE2 refuses nested repeats whose counts multiply past 1000, naming a count that alone is fine.
    if (/^invalid repeat count/.test(reason))
      return { ok: false, reason: `${reason} (a repeat count may be at most 1000, nested counts multiplied together)` };
    return { ok: false, reason };
  }
}

/** Escapes RE2 reads its own way where JavaScript reads a plain letter (`\\A` is "start" to RE2, "A" to JavaScript). */
const RE2_ONLY_ESCAPES = new Set(['a', 'z', 'A', 'Q', 'E']);

/** A POSIX class such as `[:alpha:]` inside a character class: RE2's, a list of characters to JavaScript. */
const POSIX_CLASS = /\[:\^?[A-Za-z]+:\]/y;

/**
 * Why a pattern, written for JavaScript, would be read otherwise by RE2 (whose translation keeps
 * RE2's own syntax and drops `\k`'s backslash), or undefined. One pass; RE2 refuses the rest.
 * What JavaScript does not read at all but RE2 does one way (`(?i)`, `(?P<name>…)`) is kept.
 */
function notJavaScript(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (next === 'k') return 'a backreference (`\\k`) cannot be used';
      if (RE2_ONLY_ESCAPES.has(next)) return `\`\\${next}\` is not JavaScript syntax`;
      if ((next === 'p' || next === 'P') && source[i + 2] !== '{') return `\`\\${next}\` must be followed by {…}`;
      if (next === 'x' && source[i + 2] === '{') return '`\\x` must be followed by two hex digits';
      i += 1;
    } else if (inClass) {
      if (c === ']') inClass = false;
      POSIX_CLASS.lastIndex = i;
      if (c === '[' && POSIX_CLASS.test(source)) return 'a POSIX class such as `[:alpha:]` is not JavaScript syntax';
    } else if (c === '[') {
      inClass = true;
      if (source[i + 1] === '^') i += 1;
    }
  }
  return undefined;
}

/**
 * Whole-value match. A pattern that does not compile is a mistake in the form, and no value can
 * satisfy it, so the field fails rather than silently passing.
 */
export function matchesPattern(source: string, value: string): boolean {
  const compiled = compilePattern(source);
  return compiled.ok && compiled.pattern.matches(value);
}

/** One match: `[start, end)` in UTF-16 offsets of the searched text. */
export interface PatternMatch {
  start: number;
  end: number;
}

/** A pattern that finds its matches anywhere in a text (not anchored), on the same engine. */
export interface SearchPattern {
  /** The first match that starts at or after `from`, or undefined. Linear in the text's length times `size`. */
  find(text: string, from: number): PatternMatch | undefined;
  /** Instructions of the compiled program: the cost of scanning one character. */
  size: number;
}

export type SearchPatternCompilation = { ok: true; pattern: SearchPattern } | { ok: false; reason: string };

/**
 * Compiles a pattern for finding matches in free text (the app's chat masking rules), with the
 * same syntax and refusals as `compilePattern`, a program cap of `maxProgram` instructions, and no
 * pattern that matches the empty text (it would match between every two characters). Never throws.
 */
export function compileSearchPattern(source: string, maxProgram = MAX_PATTERN_PROGRAM): SearchPatternCompilation {
  const compiled = compileRe2(source, Math.min(maxProgram, MAX_PATTERN_PROGRAM));
  if (!compiled.ok) return compiled;
  const { program, size } = compiled;
  if (program.testExact('')) return { ok: false, reason: 'it matches an empty text' };
  return {
    ok: true,
    pattern: {
      size,
      find(text, from) {
        const matcher = program.matcher(text);
        return from <= text.length && matcher.find(from) ? { start: matcher.start(), end: matcher.end() } : undefined;
      },
    },
  };
}
