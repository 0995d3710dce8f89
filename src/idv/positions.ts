/**
 * ID&V questions: which secret, how long it is, which two characters the visitor types. Pure
 * functions, no Apps-Engine types, so the modal, the tests and anything else share one rule set.
 */
import type { ValidationProblem } from '../lib/validation';
import { parseWholeNumber } from '../lib/validation';
import { LIMITS, codePointLength, holdsForbiddenCharacter, isVisible } from '../vault/contract';

export const IDV_SECRET_KINDS = ['pin', 'password', 'memorable_word', 'custom'] as const;
export type IdvSecretKind = (typeof IDV_SECRET_KINDS)[number];

export const IDV_LENGTH_MIN = 2;
/** A position the vault can ask for: the contract's highest. */
export const IDV_LENGTH_MAX = LIMITS.idvMaxPosition;
export const IDV_DEFAULT_LENGTH = 4;
export const IDV_CUSTOM_LABEL_MAX = 40;

/** What the agent typed into the ID&V modal, raw. */
export interface IdvModalInput {
  secretKind?: unknown;
  customLabel?: unknown;
  length?: unknown;
  firstPosition?: unknown;
  secondPosition?: unknown;
}

export type IdvModalField = keyof IdvModalInput;

/** A valid ID&V question. Positions are 1-based, distinct and in ascending order. */
export interface IdvQuestion {
  secretKind: IdvSecretKind;
  /** Only for `custom`: the secret's name as the agent typed it. */
  customLabel?: string;
  length: number;
  positions: [number, number];
}

export interface IdvValidation {
  question?: IdvQuestion;
  errors: { [field in IdvModalField]?: ValidationProblem };
}

/** Two distinct random positions in 1..length, ascending. */
export function pickRandomPositions(length: number, random: () => number = Math.random): [number, number] {
  const size = Math.max(2, Math.floor(length));
  const first = 1 + Math.floor(random() * size);
  let second = 1 + Math.floor(random() * (size - 1));
  if (second >= first) {
    second += 1;
  }
  return first < second ? [first, second] : [second, first];
}

function isSecretKind(value: unknown): value is IdvSecretKind {
  return typeof value === 'string' && (IDV_SECRET_KINDS as readonly string[]).indexOf(value) >= 0;
}

/** Checks every field and returns either the question or one problem per bad field. */
export function validateIdvInput(input: IdvModalInput): IdvValidation {
  const errors: IdvValidation['errors'] = {};

  const secretKind = isSecretKind(input.secretKind) ? input.secretKind : undefined;
  if (!secretKind) {
    errors.secretKind = { key: 'validation_required' };
  }

  let customLabel: string | undefined;
  if (secretKind === 'custom') {
    customLabel = typeof input.customLabel === 'string' ? input.customLabel.trim().replace(/\s+/g, ' ') : '';
    if (!isVisible(customLabel)) {
      errors.customLabel = { key: 'validation_custom_label_required' };
    } else if (holdsForbiddenCharacter(customLabel)) {
      errors.customLabel = { key: 'validation_plain_text' };
    } else if (codePointLength(customLabel) > IDV_CUSTOM_LABEL_MAX) {
      errors.customLabel = { key: 'validation_too_long', params: { max: IDV_CUSTOM_LABEL_MAX } };
    }
  }

  const length = parseWholeNumber(input.length);
  const lengthOk = length !== undefined && length >= IDV_LENGTH_MIN && length <= IDV_LENGTH_MAX;
  if (!lengthOk) {
    errors.length = { key: 'validation_number_range', params: { min: IDV_LENGTH_MIN, max: IDV_LENGTH_MAX } };
  }

  const max = lengthOk ? (length as number) : IDV_LENGTH_MAX;
  const first = parseWholeNumber(input.firstPosition);
  const second = parseWholeNumber(input.secondPosition);
  if (first === undefined || first < 1 || first > max) {
    errors.firstPosition = { key: 'validation_number_range', params: { min: 1, max } };
  }
  if (second === undefined || second < 1 || second > max) {
    errors.secondPosition = { key: 'validation_number_range', params: { min: 1, max } };
  } else if (first === second) {
    errors.secondPosition = { key: 'validation_positions_distinct' };
  }

  if (Object.keys(errors).length > 0 || !secretKind) {
    return { errors };
  }
  const positions = [first as number, second as number].sort((a, b) => a - b) as [number, number];
  return { question: { secretKind, customLabel, length: length as number, positions }, errors };
}
