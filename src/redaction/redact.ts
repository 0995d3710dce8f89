/**
 * Masks a chat text with the rules that apply to its author, and says how often each rule fired,
 * never what it found. Rules read the folded text (folded-text.ts) and mask the original
 * characters. Where two finds overlap, the earlier rule keeps its find (built-in detectors come
 * first). The admin's patterns share a time budget per text: however hostile a pattern, a message
 * waits at most that long for them (plus the one scan under way), and what they did not reach
 * is counted as `unfinished`. Pure functions.
 *
 * @example redactText('card 4111 1111 1111 1111', rules, 'visitor').text // 'card •••• •••• •••• 1111'
 */
import { MASK_CHARACTER } from '../lib/masking';
import type { Span } from './detectors';
import { foldText, originalOffset } from './folded-text';
import type { Author, RedactionRule, Replacement } from './rules';
import { appliesTo } from './rules';

/** Milliseconds the admin's patterns may take on one text. */
export const CUSTOM_RULES_BUDGET_MS = 25;

export interface RedactionResult {
  text: string;
  /** Finds per rule id; only rules that fired are present. */
  hits: { [ruleId: string]: number };
  /** Ids of admin rules that ran out of the time budget on this text. */
  unfinished: string[];
}

const LETTER_OR_DIGIT = new RegExp('[\\p{L}\\p{N}]', 'u');

/** The find's characters replaced as the rule says; code points, so no emoji or astral digit is split. */
export function replaceFind(found: string, replacement: Replacement): string {
  if (replacement.style === 'label') {
    return replacement.label;
  }
  const characters = Array.from(found);
  let keep = 0;
  if (replacement.style === 'last4') {
    keep = 4;
  }
  for (let i = characters.length - 1; i >= 0; i -= 1) {
    if (LETTER_OR_DIGIT.test(characters[i])) {
      if (keep > 0) {
        keep -= 1;
      } else {
        characters[i] = MASK_CHARACTER;
      }
    }
  }
  return characters.join('');
}

function overlaps(span: Span, taken: Span[]): boolean {
  return taken.some((other) => span.start < other.end && other.start < span.end);
}

/** The text masked by the rules that apply to `author`, with counts. */
export function redactText(
  text: string,
  rules: ReadonlyArray<RedactionRule>,
  author: Author,
  budgetMs: number = CUSTOM_RULES_BUDGET_MS,
): RedactionResult {
  const result: RedactionResult = { text, hits: {}, unfinished: [] };
  const applicable = rules.filter((rule) => appliesTo(rule, author));
  if (applicable.length === 0 || text.length === 0) {
    return result;
  }
  const folded = foldText(text);
  const taken: Array<Span & { replacement: Replacement }> = [];
  let deadline = Number.POSITIVE_INFINITY;
  for (const rule of applicable) {
    if (rule.custom && deadline === Number.POSITIVE_INFINITY) {
      deadline = Date.now() + budgetMs;
    }
    if (rule.custom && Date.now() > deadline) {
      result.unfinished.push(rule.id);
      continue;
    }
    let count = 0;
    for (const span of rule.findAll(folded.text, deadline)) {
      const original = { start: originalOffset(folded, span.start), end: originalOffset(folded, span.end) };
      if (original.end > original.start && !overlaps(original, taken)) {
        taken.push({ ...original, replacement: rule.replacement });
        count += 1;
      }
    }
    if (count > 0) {
      result.hits[rule.id] = count;
    }
    if (rule.custom && Date.now() > deadline && result.unfinished.indexOf(rule.id) < 0) {
      result.unfinished.push(rule.id);
    }
  }
  if (taken.length === 0) {
    return result;
  }
  taken.sort((a, b) => a.start - b.start);
  let masked = '';
  let cursor = 0;
  for (const span of taken) {
    masked += text.slice(cursor, span.start) + replaceFind(text.slice(span.start, span.end), span.replacement);
    cursor = span.end;
  }
  result.text = masked + text.slice(cursor);
  return result;
}
