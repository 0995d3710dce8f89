import { ibanLength, ibanValid } from '../src/contract/iban';
import { compilePattern, compileSearchPattern, MAX_PATTERN_PROGRAM } from '../src/contract/pattern';

describe('the IBAN check', () => {
  it('accepts the registry examples, grouped or not, of either case', () => {
    for (const iban of [
      'DE89 3704 0044 0532 0130 00',
      'GB82WEST12345698765432',
      'fr1420041010050500013m02606',
      'NO9386011117947',
      'MT84MALT011000012345MTLCAST001S',
    ]) {
      expect({ iban, valid: ibanValid(iban) }).toEqual({ iban, valid: true });
    }
  });

  it("refuses a wrong check, a length that is not the country's, an unknown country and other characters", () => {
    for (const iban of [
      'DE88370400440532013000',
      'DE8937040044053201300',
      'ZZ89370400440532013000',
      'DE89-3704-0044',
    ]) {
      expect({ iban, valid: ibanValid(iban) }).toEqual({ iban, valid: false });
    }
    expect(ibanLength('DE')).toBe(22);
    expect(ibanLength('XX')).toBeUndefined();
  });
});

describe('finding a pattern in free text', () => {
  it('finds every match in UTF-16 offsets, from a given position', () => {
    const compiled = compileSearchPattern('ACC-\\d{4}');
    if (!compiled.ok) throw new Error(compiled.reason);
    const text = '😀 ACC-1234 and ACC-5678';
    expect(compiled.pattern.find(text, 0)).toEqual({ start: 3, end: 11 });
    expect(compiled.pattern.find(text, 11)).toEqual({ start: 16, end: 24 });
    expect(compiled.pattern.find(text, 24)).toBeUndefined();
  });

  it('refuses what the form patterns refuse, a pattern matching the empty text, and programs over the cap', () => {
    expect(compileSearchPattern('(a')).toMatchObject({ ok: false });
    expect(compileSearchPattern('a*')).toEqual({ ok: false, reason: 'it matches an empty text' });
    expect(compileSearchPattern('\\p{L}{150}', 100)).toEqual({
      ok: false,
      reason: 'too complex: use smaller repeat counts',
    });
    expect(compileSearchPattern('\\p{L}{150}', MAX_PATTERN_PROGRAM * 10)).toMatchObject({ ok: true });
    expect(compileSearchPattern('\\p{L}{999}\\d', MAX_PATTERN_PROGRAM * 10)).toMatchObject({ ok: false });
    // Each count alone is allowed; together they multiply past the engine's 1000.
    expect(compilePattern('(a{40}){30}')).toEqual({
      ok: false,
      reason: 'invalid repeat count: `{30}` (a repeat count may be at most 1000, nested counts multiplied together)',
    });
  });

  it("quotes the engine's fragment of a bad pattern unless it may be a card number or an SSN", () => {
    expect(compilePattern('(?=x)')).toEqual({ ok: false, reason: 'invalid or unsupported Perl syntax: `(?=`' });
    for (const pattern of ['(4111111111111111', '(4111 1111 1111 1111', '(078-05-1120']) {
      const compiled = compilePattern(pattern);
      expect(compiled).toEqual({ ok: false, reason: 'missing closing )' });
    }
  });

  it('scans a hostile text in linear time', () => {
    const compiled = compileSearchPattern('(a+)+$');
    if (!compiled.ok) throw new Error(compiled.reason);
    const started = Date.now();
    expect(compiled.pattern.find(`${'a'.repeat(20000)}!`, 0)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
