/** A validation problem as a translation key (and its placeholders), so each surface can say it in its language. */
export interface ValidationProblem {
  key: string;
  params?: { [name: string]: string | number };
}

/** Digits only, no sign, no decimals, no blanks: "04" is 4, "4.0", "-1", "" and "four" are not numbers here. */
export function parseWholeNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) {
    return raw;
  }
  if (typeof raw !== 'string' || !/^\s*\d{1,9}\s*$/.test(raw)) {
    return undefined;
  }
  return parseInt(raw.trim(), 10);
}
