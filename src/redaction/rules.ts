/**
 * Masking rules: the built-in detectors and the admin's own patterns, each with how it replaces
 * what it finds and whose messages it reads. Pure types and functions.
 */
import type { BuiltinDetectorId, Span } from './detectors';
import { BUILTIN_DETECTORS } from './detectors';

/** Who wrote a message: the livechat visitor, or anyone else in the room (agents, managers). */
export type Author = 'visitor' | 'agent';
export type Directions = Author | 'both';
export const DIRECTIONS: readonly Directions[] = ['visitor', 'agent', 'both'];

/**
 * How a find is replaced. `mask`: every letter and digit becomes "•", spaces and signs stay;
 * `last4`: the same but the last four letters or digits stay; `label`: the whole find becomes the text.
 */
export type Replacement = { style: 'mask' } | { style: 'last4' } | { style: 'label'; label: string };

export interface RedactionRule {
  /** A built-in detector's id ("card", "ssn", …) or the admin's. Counted under it. */
  id: string;
  directions: Directions;
  replacement: Replacement;
  /**
   * Every find in the folded text, in order. Admin patterns stop when `deadline` (a
   * `Date.now()` value) has passed; built-in detectors are linear code and ignore it.
   */
  findAll(text: string, deadline: number): Span[];
  /** True for the admin's patterns: they run after the built-in detectors, within a time budget. */
  custom: boolean;
}

/** The masking built-in detectors apply: what a support chat may still need is kept. */
const BUILTIN_REPLACEMENTS: { [id in BuiltinDetectorId]: Replacement } = {
  card: { style: 'last4' },
  // Every digit: a security code's last digits are as secret as its first.
  cvv: { style: 'mask' },
  ssn: { style: 'last4' },
  iban: { style: 'last4' },
  email: { style: 'mask' },
  phone: { style: 'last4' },
};

/** The built-in detectors switched on, in the order they claim text. */
export function builtinRules(enabled: ReadonlyArray<BuiltinDetectorId>): RedactionRule[] {
  return BUILTIN_DETECTORS.filter((detector) => enabled.indexOf(detector.id) >= 0).map((detector) => ({
    id: detector.id,
    directions: 'both' as Directions,
    replacement: BUILTIN_REPLACEMENTS[detector.id],
    findAll: (text: string) => detector.find(text),
    custom: false,
  }));
}

export function appliesTo(rule: RedactionRule, author: Author): boolean {
  return rule.directions === 'both' || rule.directions === author;
}
