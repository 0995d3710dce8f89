import fc from 'fast-check';

/**
 * One seed and a short run in `npm test`, so a failure reproduces; bench/fuzz.js runs the same
 * properties far longer with FUZZ_RUNS and a fresh FUZZ_SEED (printed, to replay a finding).
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20260601);
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 100);

export function fuzz(runs = FUZZ_RUNS): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: runs, endOnFailure: true };
}

/** Text a stranger might send: any unicode, plus the characters parsers choke on. */
export const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.stringMatching(/^[%./\\?#&=+;:@\x00-\x1f"'<>{}[\]]{0,40}$/),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '%', '%zz', '%00', '..', '%2e%2e%2f', '\u0000', '\ud800'),
);
