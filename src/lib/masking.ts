/**
 * What the room may show about an answer: one mask character per answered character, never the
 * characters themselves. Masking happens before anything is posted or saved.
 *
 * @example maskCharacters(['7', '3']) // ['•', '•']
 */
export const MASK_CHARACTER = '•';

export function maskCharacters(values: ReadonlyArray<string | undefined>): string[] {
  return values.map(() => MASK_CHARACTER);
}
