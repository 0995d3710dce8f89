/**
 * Card numbers, IBANs and US SSNs masked to their last four and card security codes whole, as chat
 * messages are: for an agent's own free text that the app keeps (a manager's View reason) or
 * repeats (a mistyped form id).
 */
import { redactText } from './redact';
import { builtinRules } from './rules';

const IDENTIFIER_RULES = builtinRules(['iban', 'card', 'cvv', 'ssn']);

export function maskIdentifiers(text: string): string {
  return redactText(text, IDENTIFIER_RULES, 'agent').text;
}
