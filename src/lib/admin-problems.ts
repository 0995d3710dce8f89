/**
 * How a setting's problems are told to an admin (in the app's logs, the form picker and the masking
 * report): what the admin wrote is quoted back clipped, and a long list names its first problems and
 * counts the rest. A setting can hold megabytes; a message about it should not.
 *
 * @example
 * quoteBack('x'.repeat(100)) // the first 60 "x", then "…"
 * listProblems(problems, (p) => `line ${p.line}: …`, t) // 20 lines, then "… and 99980 more."
 */
import type { Translator } from '../i18n/i18n';

/** Characters of the admin's own text quoted back in one problem. */
export const MAX_QUOTED = 60;
/** Problems named in one list; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 20;

/** The text, clipped to MAX_QUOTED characters (whole code points) with "…" when it was longer. */
export function quoteBack(text: string): string {
  // A code point is at most two UTF-16 units: this much text holds one point more than is kept.
  const points = Array.from(text.slice(0, MAX_QUOTED * 2 + 2));
  return points.length > MAX_QUOTED ? `${points.slice(0, MAX_QUOTED).join('')}…` : text;
}

/** One problem per line, at most MAX_LISTED_PROBLEMS of them (only those are described), then "… and N more.". */
export function listProblems<P>(problems: readonly P[], describe: (problem: P) => string, t: Translator): string {
  const named = problems.slice(0, MAX_LISTED_PROBLEMS).map(describe);
  const rest = problems.length - named.length;
  return (rest > 0 ? [...named, t('problems_more', { count: rest })] : named).join('\n');
}
