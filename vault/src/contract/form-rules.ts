/**
 * The rules of a form field's definition that JSON Schema cannot say: the vault refuses a
 * request that breaks one with 400, the app's catalog check names the same problem to the admin.
 */
import { AUTOFILL_TOKENS, FIELD_TYPES, type AutofillToken, type FieldType, type FormFieldSpec } from './index';
import { compilePattern, MAX_PATTERN_PROGRAM } from './pattern';

export function isFieldType(value: unknown): value is FieldType {
  return typeof value === 'string' && (FIELD_TYPES as readonly string[]).indexOf(value) >= 0;
}

export function isAutofillToken(value: unknown): value is AutofillToken {
  return typeof value === 'string' && (AUTOFILL_TOKENS as readonly string[]).indexOf(value) >= 0;
}

export type FieldSpecProblem =
  | { code: 'options_missing' }
  | { code: 'options_not_select' }
  | { code: 'min_over_max' }
  | { code: 'pattern'; reason: string };

type FieldShape = Pick<FormFieldSpec, 'type' | 'options' | 'minLength' | 'maxLength' | 'pattern'>;

/** Every problem of one field's definition, in a fixed order; empty when it is sound. */
export function fieldSpecProblems(field: FieldShape): FieldSpecProblem[] {
  const problems: FieldSpecProblem[] = [];
  if (field.type === 'select' && (!field.options || field.options.length === 0))
    problems.push({ code: 'options_missing' });
  if (field.type !== 'select' && field.options !== undefined) problems.push({ code: 'options_not_select' });
  if (field.minLength !== undefined && field.maxLength !== undefined && field.minLength > field.maxLength) {
    problems.push({ code: 'min_over_max' });
  }
  if (field.pattern !== undefined) {
    const compiled = compilePattern(field.pattern);
    if (!compiled.ok) problems.push({ code: 'pattern', reason: compiled.reason });
  }
  return problems;
}

/** Most compiled pattern instructions one form may hold in all: bounds the work of one submit. */
export const MAX_FORM_PATTERN_PROGRAM = 2 * MAX_PATTERN_PROGRAM;

/** Whether the form's patterns together are too costly to run on every submit (each one compiling). */
export function formPatternsTooComplex(fields: ReadonlyArray<Pick<FormFieldSpec, 'pattern'>>): boolean {
  let total = 0;
  for (const field of fields) {
    if (field.pattern === undefined) continue;
    const compiled = compilePattern(field.pattern);
    if (compiled.ok) total += compiled.pattern.size;
  }
  return total > MAX_FORM_PATTERN_PROGRAM;
}

export const FORM_PATTERNS_TOO_COMPLEX = `The form's patterns are too complex together: at most ${MAX_FORM_PATTERN_PROGRAM} compiled steps in all.`;

/** One sentence per problem, for the vault's 400 answer. */
export function describeFieldSpecProblem(fieldId: string, problem: FieldSpecProblem): string {
  const where = `Field "${fieldId}"`;
  switch (problem.code) {
    case 'options_missing':
      return `${where} is a select and needs "options".`;
    case 'options_not_select':
      return `${where} has "options" but is not a select.`;
    case 'min_over_max':
      return `${where} has minLength greater than maxLength.`;
    case 'pattern':
      return `${where} has a pattern that cannot be used: ${problem.reason}.`;
  }
}
