/**
 * Card numbers, IBANs and US SSNs masked to their last four and card security codes whole, as chat
 * messages are: for an agent's own free text that the app keeps (a manager's View reason) or
 * repeats (a mistyped form id).
 */
import { MAX_QUOTED, quoteBack } from '../lib/admin-problems';
import { redactText } from './redact';
import { builtinRules } from './rules';

const IDENTIFIER_RULES = builtinRules(['iban', 'card', 'cvv', 'ssn']);

export function maskIdentifiers(text: string): string {
  return redactText(text, IDENTIFIER_RULES, 'agent').text;
}

/**
 * An admin's own text quoted back in a problem (logs, form picker), masked before it is clipped so
 * the clip cuts no number short of its mask. Only the start is read: a setting can hold megabytes.
 */
export function quoteMasked(text: string): string {
  return quoteBack(maskIdentifiers(text.slice(0, 4 * MAX_QUOTED)));
}
