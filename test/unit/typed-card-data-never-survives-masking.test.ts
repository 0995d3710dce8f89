/**
 * Property-based: whatever words and numbers surround it, however it is grouped and in whichever
 * script's digits it is typed, a card number or a security code said as such never survives the
 * masking a message gets before Rocket.Chat saves it.
 */
import fc from 'fast-check';

import { redactText } from '../../src/redaction/redact';
import { builtinRules } from '../../src/redaction/rules';
import { luhnValid } from '../../vault/src/contract/card';

const DEFAULTS = builtinRules(['card', 'cvv', 'ssn', 'iban']);
const RUNS = { numRuns: 3000 };

/** Words around the secret: letters, signs and digits of their own. */
const words = fc.string({ unit: fc.constantFrom(...'abcdefghij XYZ,.:;!?()éü0123456789'.split('')), maxLength: 12 });

/** Every separator the card detector accepts between groups, and runs of them. */
const separator = fc.constantFrom(' ', '-', '.', '', '  ', '\n', '/', ',', '\t', '\u00a0', '\u200b', ' - ');

/** A Luhn-valid number of 13 to 19 digits on a real brand's prefix. */
const cardNumber = fc
  .tuple(
    fc.constantFrom('4', '51', '55', '34', '37', '6011', '35'),
    fc.integer({ min: 13, max: 19 }),
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 19, maxLength: 19 }),
  )
  .map(([prefix, length, digits]) => {
    const body = (prefix + digits.join('')).slice(0, length - 1);
    const check = [...'0123456789'].find((digit) => luhnValid(body + digit)) as string;
    return body + check;
  });

const SCRIPTS: { [name: string]: number } = { latin: 0x30, arabic: 0x660, fullwidth: 0xff10 };
const inScript = (text: string, zero: number) =>
  text.replace(/[0-9]/g, (digit) => String.fromCharCode(zero + Number(digit)));
/** The digits of `text` in ASCII, whatever script they were typed in. */
const asciiDigits = (text: string) =>
  [...text]
    .map((character) => {
      const code = character.codePointAt(0) as number;
      const zero = Object.values(SCRIPTS).find((start) => code >= start && code <= start + 9);
      return zero === undefined ? '' : String(code - zero);
    })
    .join('');

describe('typed card data never survives masking', () => {
  it('a card number, grouped any way and in any script, among any words', () => {
    fc.assert(
      fc.property(
        words,
        words,
        cardNumber,
        fc.integer({ min: 1, max: 5 }),
        fc.array(separator, { minLength: 19, maxLength: 19 }),
        fc.constantFrom(...Object.keys(SCRIPTS)),
        (before, after, pan, groupSize, separators, script) => {
          const groups = pan.match(new RegExp(`.{1,${groupSize}}`, 'g')) as string[];
          const typed = inScript(groups.map((group, i) => (i ? separators[i] : '') + group).join(''), SCRIPTS[script]);
          const text = `${before} ${typed} ${after}`;
          const saved = redactText(text, DEFAULTS, 'visitor').text;
          expect([text, asciiDigits(saved).includes(pan)]).toEqual([text, false]);
        },
      ),
      RUNS,
    );
  });

  it('a security code after its name, however it is said, among any words', () => {
    fc.assert(
      fc.property(
        words,
        words,
        fc.constantFrom(
          'CVV',
          'cvc',
          'CVV2',
          'Cvc2',
          'CV2',
          'security code',
          'Código de seguridad',
          'Kartenprüfnummer',
        ),
        fc.constantFrom(': ', ' is ', ' ', '=', ' - ', ' number: ', '\n'),
        fc.integer({ min: 100, max: 9999 }),
        fc.constantFrom(...Object.keys(SCRIPTS)),
        (before, after, name, glue, code, script) => {
          const typed = inScript(String(code), SCRIPTS[script]);
          const text = `${before} ${name}${glue}${typed} ${after}`;
          const saved = redactText(text, DEFAULTS, 'visitor').text;
          expect([text, saved.includes(`${name}${glue}${'•'.repeat(typed.length)}`)]).toEqual([text, true]);
        },
      ),
      RUNS,
    );
  });
});
