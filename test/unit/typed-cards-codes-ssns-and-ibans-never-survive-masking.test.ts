/**
 * Property-based: whatever words and numbers surround it, however it is grouped and in whichever
 * script's digits it is typed, a card number, a security code or an SSN said as such, or an IBAN
 * never survives the masking a message gets before Rocket.Chat saves it.
 */
import fc from 'fast-check';

import { redactText } from '../../src/redaction/redact';
import { builtinRules } from '../../src/redaction/rules';
import { digitsToRemember, maskCompletedCard } from '../../src/redaction/across-messages';
import { cardBrandLengths, detectCardBrand, luhnValid } from '../../vault/src/contract/card';

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

describe('typed card data, SSNs and IBANs never survive masking', () => {
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

  it('a card number typed across two messages, split between any two of its groups', () => {
    const ofItsBrandsLength = (pan: string) => {
      const brand = detectCardBrand(pan);
      return brand !== undefined && cardBrandLengths(brand).indexOf(pan.length) >= 0;
    };
    fc.assert(
      fc.property(
        words,
        words,
        cardNumber.filter(ofItsBrandsLength),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(),
        fc.array(separator, { minLength: 19, maxLength: 19 }),
        fc.constantFrom(...Object.keys(SCRIPTS)),
        (before, after, pan, groupSize, cut, separators, script) => {
          const groups = pan.match(new RegExp(`.{1,${groupSize}}`, 'g')) as string[];
          const at = 1 + (cut % (groups.length - 1));
          const typed = (part: string[]) =>
            inScript(part.map((group, i) => (i ? separators[i] : '') + group).join(''), SCRIPTS[script]);
          // As the message hooks do (src/handlers/message-masking.ts): the rules, then the split card.
          const start = typed(groups.slice(0, at));
          const rest = typed(groups.slice(at));
          const first = redactText(`${before} ${start}`, DEFAULTS, 'visitor').text;
          const second = redactText(`${rest} ${after}`, DEFAULTS, 'visitor').text;
          const saved = [first, maskCompletedCard(second, digitsToRemember(first, [])) ?? second];
          // Never both parts as typed (a first part long enough to be a card alone is masked there).
          expect([saved, saved[0].endsWith(start) && saved[1].startsWith(rest)]).toEqual([saved, false]);
        },
      ),
      RUNS,
    );
  });

  it('a security code before or after its name, however it is said, among any words', () => {
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
        fc.constantFrom(': ', ' is ', ' ', '=', ' - ', ' number: ', '\n', ' is the ', ' ('),
        fc.integer({ min: 100, max: 9999 }),
        fc.constantFrom(...Object.keys(SCRIPTS)),
        fc.boolean(),
        // A form's hint after the name, digits and all ("CVV (3 digits): 123").
        fc.constantFrom('', ' (3 digits)', ' [3-4 digits]', ' (on the back)'),
        (before, after, name, glue, code, script, nameFirst, hint) => {
          const typed = inScript(String(code), SCRIPTS[script]);
          if (nameFirst) name += hint;
          const said = nameFirst ? `${name}${glue}${typed}` : `${typed}${glue}${name}`;
          const text = `${before} ${said} ${after}`;
          const saved = redactText(text, DEFAULTS, 'visitor').text;
          const masked = nameFirst
            ? `${name}${glue}${'•'.repeat(typed.length)}`
            : `${'•'.repeat(typed.length)}${glue}${name}`;
          expect([text, saved.includes(masked)]).toEqual([text, true]);
        },
      ),
      RUNS,
    );
  });

  it('an SSN, with the same separator twice, or any after the words SSN or social security', () => {
    fc.assert(
      fc.property(
        words,
        words,
        fc.tuple(
          fc.integer({ min: 1, max: 899 }).filter((area) => area !== 666),
          fc.integer({ min: 1, max: 99 }),
          fc.integer({ min: 1, max: 9999 }),
        ),
        fc.constantFrom(' ', '-', '.'),
        fc.constantFrom(' ', '-', '.'),
        fc.constantFrom('my ssn is ', 'SSN: ', 'Social Security number ', ''),
        (before, after, [area, group, serial], first, second, said) => {
          fc.pre(said !== '' || first === second);
          const ssn = `${pad(area, 3)}${first}${pad(group, 2)}${second}${pad(serial, 4)}`;
          const text = `${before} ${said}${ssn} ${after}`;
          expect([text, redactText(text, DEFAULTS, 'visitor').text.includes(ssn)]).toEqual([text, false]);
        },
      ),
      RUNS,
    );
  });

  it('an IBAN of any country the detector knows, grouped by four or not, of either case, among any words', () => {
    fc.assert(
      fc.property(
        words,
        words,
        fc.constantFrom(...IBANS),
        fc.constantFrom(' ', '  ', '-', '\u00a0', ''),
        fc.boolean(),
        (before, after, iban, separator, lower) => {
          const grouped = (iban.match(/.{1,4}/g) as string[]).join(separator);
          const text = `${before} ${lower ? grouped.toLowerCase() : grouped} ${after}`;
          const saved = redactText(text, DEFAULTS, 'visitor').text;
          // The middle is what must go: the country, check digits and last four may stay.
          const kept = saved.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
          expect([text, kept.includes(iban.slice(4, -4))]).toEqual([text, false]);
        },
      ),
      RUNS,
    );
  });
});

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Valid IBANs (mod-97 holds) of ten countries: the well-known examples of each. */
const IBANS = [
  'DE89370400440532013000',
  'GB82WEST12345698765432',
  'NL91ABNA0417164300',
  'FR1420041010050500013M02606',
  'ES9121000418450200051332',
  'IT60X0542811101000000123456',
  'BE68539007547034',
  'CH9300762011623852957',
  'PL61109010140000071219812874',
  'SA0380000000608010167519',
];
