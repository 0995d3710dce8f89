/**
 * The admin's masking rules, from the *Custom masking rules* setting: one rule per line,
 *
 *     id | replacement | directions | pattern
 *     account-number | last4 | both | ACC-\d{4}-\d{4}
 *     member-id | label [member ID] | visitor | M\d{7}
 *
 * `replacement` is `mask`, `last4` or `label <text>`; `directions` is `visitor`, `agent` or
 * `both`; the pattern is the rest of the line (it may hold "|"), in the syntax of form field
 * patterns, compiled by the contract's linear-time compiler (vault/src/contract/pattern.ts), and
 * found anywhere in a message. Blank lines and lines starting with "#" are skipped. A line that
 * cannot be used is reported and skipped; the other rules keep working. Pure functions.
 */
import { compileSearchPattern } from '../../vault/src/contract/pattern';
import type { SearchPattern } from '../../vault/src/contract/pattern';
import { quoteMasked } from './mask-identifiers';
import type { Span } from './detectors';
import { BUILTIN_DETECTORS } from './detectors';
import type { Directions, RedactionRule, Replacement } from './rules';
import { DIRECTIONS } from './rules';

export const MAX_ADMIN_RULES = 20;
/**
 * Instructions one rule's program may have, and all rules' together. Scanning costs about the
 * text's length times the program's size: at these caps a 5,000-character message costs the rules
 * well under 0.1 s at worst (measured, BENCHMARKS.md), and ordinary rules need under 60.
 */
export const MAX_RULE_PROGRAM = 200;
export const MAX_RULES_PROGRAM = 400;
/** Finds of one rule in one text; past it the rest of that text is left to the other rules. */
export const MAX_FINDS_PER_RULE = 100;
const MAX_LABEL = 40;
const RULE_ID = /^[a-z0-9][a-z0-9_-]{0,39}$/;

export type AdminRuleProblemCode =
  'format' | 'id' | 'duplicate' | 'replacement' | 'directions' | 'pattern' | 'too_many' | 'too_complex';

/** One line that cannot be used, and why; `value` is what the admin wrote there, clipped. */
export interface AdminRuleProblem {
  line: number;
  code: AdminRuleProblemCode;
  value?: string;
}

function parseReplacement(text: string): Replacement | undefined {
  if (text === 'mask' || text === 'last4') {
    return { style: text };
  }
  // \s+ then \S: the two parts cannot trade characters, so the match is linear (no ReDoS).
  const label = /^label\s+(\S[^\n\r\u2028\u2029]*)$/.exec(text);
  return label && label[1].length <= MAX_LABEL ? { style: 'label', label: label[1] } : undefined;
}

function patternRule(
  id: string,
  directions: Directions,
  replacement: Replacement,
  pattern: SearchPattern,
): RedactionRule {
  return {
    id,
    directions,
    replacement,
    custom: true,
    findAll(text: string, deadline: number): Span[] {
      const found: Span[] = [];
      let from = 0;
      while (found.length < MAX_FINDS_PER_RULE && from <= text.length && Date.now() <= deadline) {
        const match = pattern.find(text, from);
        if (!match) {
          break;
        }
        // A pattern that can match nothing here and there ("\b") masks nothing there: step over it.
        if (match.end > match.start) {
          found.push(match);
        }
        from = match.end > match.start ? match.end : match.end + 1;
      }
      if (found.length === MAX_FINDS_PER_RULE && from < text.length) {
        // More finds than a rule may make: the rest is masked whole rather than saved as typed.
        found.push({ start: from, end: text.length });
      }
      return found;
    },
  };
}

/** The usable rules of the setting's text, in its order, and a problem for each line that is not. */
export function parseAdminRules(source: string): { rules: RedactionRule[]; problems: AdminRuleProblem[] } {
  const rules: RedactionRule[] = [];
  const problems: AdminRuleProblem[] = [];
  const taken = new Set<string>(BUILTIN_DETECTORS.map((d) => d.id));
  let program = 0;
  const lines = typeof source === 'string' ? source.split(/\r?\n/) : [];
  for (let index = 0; index < lines.length; index += 1) {
    const line = index + 1;
    const text = lines[index].trim();
    if (text === '' || text[0] === '#') {
      continue;
    }
    if (rules.length === MAX_ADMIN_RULES) {
      problems.push({ line, code: 'too_many', value: String(MAX_ADMIN_RULES) });
      break;
    }
    const fields = text.split('|');
    if (fields.length < 4) {
      problems.push({ line, code: 'format' });
      continue;
    }
    const id = fields[0].trim();
    const replacementText = fields[1].trim();
    const directions = fields[2].trim() as Directions;
    const source = fields.slice(3).join('|').trim();
    if (!RULE_ID.test(id)) {
      problems.push({ line, code: 'id', value: quoteMasked(id) });
      continue;
    }
    if (taken.has(id)) {
      problems.push({ line, code: 'duplicate', value: id });
      continue;
    }
    const replacement = parseReplacement(replacementText);
    if (!replacement) {
      problems.push({ line, code: 'replacement', value: quoteMasked(replacementText) });
      continue;
    }
    if (DIRECTIONS.indexOf(directions) < 0) {
      problems.push({ line, code: 'directions', value: quoteMasked(directions) });
      continue;
    }
    const compiled = compileSearchPattern(source, MAX_RULE_PROGRAM);
    if (!compiled.ok) {
      problems.push({ line, code: 'pattern', value: compiled.reason });
      continue;
    }
    if (program + compiled.pattern.size > MAX_RULES_PROGRAM) {
      problems.push({ line, code: 'too_complex' });
      continue;
    }
    program += compiled.pattern.size;
    taken.add(id);
    rules.push(patternRule(id, directions, replacement, compiled.pattern));
  }
  return { rules, problems };
}
