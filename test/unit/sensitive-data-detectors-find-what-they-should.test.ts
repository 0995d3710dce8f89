import { parseAdminRules } from '../../src/redaction/admin-rules';
import {
  findCardNumbers,
  findEmailAddresses,
  findIbans,
  findPhoneNumbers,
  findSecurityCodes,
  findSsns,
} from '../../src/redaction/detectors';
import type { Span } from '../../src/redaction/detectors';
import { foldText } from '../../src/redaction/folded-text';
import { redactText, replaceFind } from '../../src/redaction/redact';
import { builtinRules } from '../../src/redaction/rules';

const finds = (find: (text: string) => Span[], text: string): string[] =>
  find(text).map((span) => text.slice(span.start, span.end));

const ALL_BUILTINS = builtinRules(['card', 'ssn', 'iban', 'email', 'phone']);
const DEFAULTS = builtinRules(['card', 'ssn', 'iban']);

describe('card numbers', () => {
  it('are found as one run or grouped by spaces, dashes, dots or line breaks, and pass Luhn', () => {
    expect(finds(findCardNumbers, 'my card is 4111 1111 1111 1111, thanks')).toEqual(['4111 1111 1111 1111']);
    expect(finds(findCardNumbers, '5555-5555-5555-4444')).toEqual(['5555-5555-5555-4444']);
    expect(finds(findCardNumbers, '378282246310005 and 4111.1111.1111.1111')).toEqual([
      '378282246310005',
      '4111.1111.1111.1111',
    ]);
    expect(finds(findCardNumbers, '4111 1111\n1111 1111')).toEqual(['4111 1111\n1111 1111']);
    expect(finds(findCardNumbers, '4111 1111\r\n1111\u200b1111')).toEqual(['4111 1111\r\n1111\u200b1111']);
    for (const separator of ['\u00ad', '\u2062', '_'])
      expect(finds(findCardNumbers, `4111${separator}1111${separator}1111${separator}1111`)).toEqual([
        `4111${separator}1111${separator}1111${separator}1111`,
      ]);
  });

  it('are found grouped by commas or slashes, or by runs of up to eight spaces or tabs', () => {
    for (const text of [
      '4111,1111,1111,1111',
      '4111, 1111, 1111, 1111',
      '4111/1111/1111/1111',
      '4111\uff0f1111\uff0c1111\u30011111',
      '4111        1111        1111        1111',
      '4111\t\t\t\t1111\t\t\t\t1111\t\t\t\t1111',
    ])
      expect(finds(findCardNumbers, `card: ${text}.`)).toEqual([text]);
    // Nine spaces part two numbers: a card's groups are not that far apart.
    expect(findCardNumbers('4111 1111         1111 1111')).toEqual([]);
  });

  it('are found when followed by the expiry date and the code', () => {
    expect(finds(findCardNumbers, '4111 1111 1111 1111 12 25 123')).toEqual(['4111 1111 1111 1111']);
    expect(finds(findCardNumbers, '4111 1111 1111 1111, 12/25, 123')).toEqual(['4111 1111 1111 1111']);
  });

  it('are masked whole when a number before them makes a shorter Luhn-valid run', () => {
    // "6411111111111" (13 digits) passes Luhn; the card's last group must not be left showing.
    expect(finds(findCardNumbers, 'ref 6 4111 1111 1111 1111')).toEqual(['6 4111 1111 1111 1111']);
  });

  it('leave other numbers alone: failing Luhn, too short, too long', () => {
    for (const text of [
      'order 4111 1111 1111 1112',
      'call 0044 20 7946 0958',
      'ref 41111111111111110000',
      'id 12345678901',
      'no digits here',
      '',
    ]) {
      expect(findCardNumbers(text)).toEqual([]);
    }
    expect(finds(findCardNumbers, `${'word '.repeat(1000)}378282246310005`)).toEqual(['378282246310005']);
  });
});

describe('digits of other scripts', () => {
  it('are folded to ASCII, each remembering where it came from', () => {
    const folded = foldText('x ٤١ ４𝟒');
    expect(folded.text).toBe('x 41 44');
    expect(folded.origin).toEqual([0, 1, 2, 3, 4, 5, 6, 8]);
    expect(foldText('plain 42')).toEqual({ text: 'plain 42' });
  });

  it('are masked like ASCII digits: Arabic-Indic, Persian, fullwidth, Devanagari', () => {
    const cases = [
      '٤١١١ ١١١١ ١١١١ ١١١١',
      '۴۱۱۱۱۱۱۱۱۱۱۱۱۱۱۱',
      '４１１１－１１１１－１１１１－１１１１',
      '४१११ ११११ ११११ ११११',
    ];
    for (const card of cases) {
      const result = redactText(`card: ${card}`, DEFAULTS, 'visitor');
      expect(result.hits).toEqual({ card: 1 });
      expect(result.text).not.toMatch(/[0-9٠-٩۰-۹０-９०-९]{5}/);
      expect(Array.from(result.text).filter((c) => c === '•')).toHaveLength(12);
    }
  });
});

describe('card security codes', () => {
  it("are three or four digits right after a name of the code, in any case and the app's languages", () => {
    expect(finds(findSecurityCodes, 'my CVV is 123, thanks')).toEqual(['123']);
    expect(finds(findSecurityCodes, 'card 4111 1111 1111 1111 exp 04/29 cvc: 4321')).toEqual(['4321']);
    expect(finds(findSecurityCodes, 'CVV2 987 and CVC2:654')).toEqual(['987', '654']);
    expect(finds(findSecurityCodes, 'the security code on the back:\n 321')).toEqual(['321']);
    // The first number after the name is the code, whatever follows it: an expiry, a stray digit.
    expect(finds(findSecurityCodes, 'CVV 123 12/26')).toEqual(['123']);
    expect(finds(findSecurityCodes, 'cvv: 100 4')).toEqual(['100']);
    // Or the last number before the name.
    expect(finds(findSecurityCodes, '739 is the CVV')).toEqual(['739']);
    expect(finds(findSecurityCodes, 'card 4111 1111 1111 1111 4321 (cvc)')).toEqual(['4321']);
    // A hint in brackets between the name and the code, as forms print it, may hold digits of its own.
    expect(finds(findSecurityCodes, 'CVV (3 digits): 123')).toEqual(['123']);
    expect(finds(findSecurityCodes, 'CVV/CVC [3-4 digits] 4321')).toEqual(['4321']);
    expect(finds(findSecurityCodes, 'security code (the 3 on the back) is 321')).toEqual(['321']);
    for (const said of [
      'Card Verification Value 555',
      'código de seguridad: 555',
      'código de segurança 555',
      'le cryptogramme est 555',
      'Kartenprüfnummer 555',
      'codice di sicurezza 555',
      'beveiligingscode 555',
      'kod bezpieczeństwa 555',
      'セキュリティコードは555です',
      'رمز الأمان 555',
      'קוד אבטחה 555',
    ]) {
      expect([said, finds(findSecurityCodes, said)]).toEqual([said, ['555']]);
    }
  });

  it('leave numbers without the name, longer ones, and ones after another number or too far from the name alone', () => {
    for (const text of [
      'my code is 123',
      'order 123',
      'CVV 12',
      'CVV 12345',
      'cvv 12 345',
      'the cvv field was empty, my flat is 123',
      'the cvv was wrong; please call us on 0800 555 123',
      'I ate 123 apples while typing the cvv',
      'CVV (3 digits): 12',
      'the cvv (it was 2 attempts ago) failed, order 12345 then 123',
    ]) {
      expect([text, findSecurityCodes(text)]).toEqual([text, []]);
    }
  });

  it('are masked whole, and counted under their own rule', () => {
    const rules = builtinRules(['card', 'cvv']);
    const result = redactText('card 4111111111111111 cvv ٣٢١', rules, 'visitor');
    expect(result.text).toBe('card ••••••••••••1111 cvv •••');
    expect(result.hits).toEqual({ card: 1, cvv: 1 });
    // A card number after the name is the card's: masked to its last four, as cards are.
    expect(redactText('cvv 4111 1111 1111 1111', rules, 'visitor').text).toBe('cvv •••• •••• •••• 1111');
  });
});

describe('US social security numbers', () => {
  it('are found with dashes, spaces or dots, and bare only after the words SSN or social security', () => {
    expect(finds(findSsns, 'ssn 123-45-6789 ok')).toEqual(['123-45-6789']);
    expect(finds(findSsns, 'it is 123 45 6789')).toEqual(['123 45 6789']);
    expect(finds(findSsns, 'my SSN is 123456789')).toEqual(['123456789']);
    expect(finds(findSsns, 'Social Security number: 123456789')).toEqual(['123456789']);
  });

  it('with mixed separators are found after the words SSN or social security', () => {
    expect(finds(findSsns, 'my ssn is 123-45 6789')).toEqual(['123-45 6789']);
    expect(finds(findSsns, 'Social security: 123 45-6789.')).toEqual(['123 45-6789']);
    expect(finds(findSsns, 'SSN 123.45-6789 and 987-65 4321')).toEqual(['123.45-6789']);
    expect(findSsns('ssn: 666-45 6789')).toEqual([]);
  });

  it('are found when a letter touches the next number, not the SSN itself', () => {
    expect(finds(findSsns, 'SSN 123-45-6789 2nd try')).toEqual(['123-45-6789']);
    expect(finds(findSsns, 'x1 123-45-6789')).toEqual(['123-45-6789']);
    expect(findSsns('ref A123-45-6789')).toEqual([]);
    expect(findSsns('123-45-6789B')).toEqual([]);
  });

  it('leave numbers never issued, mixed separators, bare nine digits and IDs alone', () => {
    for (const text of ['000-12-3456', '666-12-3456', '912-34-5678', '123-00-4567', '123-45-0000', '123-45 6789']) {
      expect(findSsns(text)).toEqual([]);
    }
    expect(findSsns('order 123456789')).toEqual([]);
    expect(findSsns('ref A123-45-6789')).toEqual([]);
  });
});

describe('IBANs', () => {
  it('are found grouped or not, of either case, when the country length and mod-97 hold', () => {
    expect(finds(findIbans, 'IBAN: DE89 3704 0044 0532 0130 00, thanks')).toEqual(['DE89 3704 0044 0532 0130 00']);
    expect(finds(findIbans, 'gb82west12345698765432')).toEqual(['gb82west12345698765432']);
    expect(finds(findIbans, 'NL91ABNA0417164300.')).toEqual(['NL91ABNA0417164300']);
    // Pasted from a table or a PDF: runs of spaces between the groups.
    expect(finds(findIbans, 'DE89  3704\u00a0\u00a00044 0532   0130 00 ok')).toEqual([
      'DE89  3704\u00a0\u00a00044 0532   0130 00',
    ]);
  });

  it('leave a wrong check digit, a wrong length and unknown countries alone', () => {
    for (const text of ['DE88 3704 0044 0532 0130 00', 'DE89 3704 0044 0532 0130 001', 'ZZ89 3704 0044 0532 0130 00']) {
      expect(findIbans(text)).toEqual([]);
    }
  });

  it('are masked to the last four, not half-taken as a card number', () => {
    expect(redactText('DE89 3704 0044 0532 0130 00', DEFAULTS, 'visitor')).toEqual({
      text: '•••• •••• •••• •••• ••30 00',
      hits: { iban: 1 },
      unfinished: [],
    });
  });
});

describe('e-mail addresses and phone numbers', () => {
  it('find addresses without the sentence around them', () => {
    expect(finds(findEmailAddresses, 'write to ada.lovelace+x@example.co.uk. or @someone')).toEqual([
      'ada.lovelace+x@example.co.uk',
    ]);
    expect(finds(findEmailAddresses, 'a@b x@localhost')).toEqual([]);
  });

  it('find phone numbers, but not dates, short codes or plain amounts', () => {
    expect(finds(findPhoneNumbers, 'call +44 20 7946 0958 or (555) 123-4567 or 07700 900123')).toEqual([
      '+44 20 7946 0958',
      '(555) 123-4567',
      '07700 900123',
    ]);
    for (const text of ['on 2024-01-15', '15.01.2024', 'code 123456', 'total 1 234 567']) {
      expect(findPhoneNumbers(text)).toEqual([]);
    }
  });

  it('find a phone number whose neighbour is a word with digits, without the word', () => {
    expect(finds(findPhoneNumbers, 'call +44 20 7946 0958 9am or 0207 946 0958 before 5pm')).toEqual([
      '+44 20 7946 0958',
      '0207 946 0958',
    ]);
    expect(finds(findPhoneNumbers, 'ref A12 0207 946 0958')).toEqual(['0207 946 0958']);
    expect(findPhoneNumbers('order A1234-5678-90')).toEqual([]);
  });

  it('are masked only when switched on', () => {
    const text = 'mail ada@example.com, phone +44 20 7946 0958';
    expect(redactText(text, DEFAULTS, 'visitor').text).toBe(text);
    expect(redactText(text, ALL_BUILTINS, 'visitor')).toEqual({
      text: 'mail •••@•••••••.•••, phone +•• •• •••• 0958',
      hits: { email: 1, phone: 1 },
      unfinished: [],
    });
  });
});

describe('replacement styles', () => {
  it('mask all, keep the last four letters or digits, or put a label instead', () => {
    expect(replaceFind('ACC-1234-5678', { style: 'mask' })).toBe('•••-••••-••••');
    expect(replaceFind('ACC-1234-5678', { style: 'last4' })).toBe('•••-••••-5678');
    expect(replaceFind('ACC-1234-5678', { style: 'label', label: '[account]' })).toBe('[account]');
  });
});

describe("the admin's rules", () => {
  const SETTING = [
    '# id | replacement | directions | pattern',
    'account | last4 | both | ACC-\\d{4}-\\d{4}',
    'member | label [member ID] | visitor | M\\d{7}',
    'staff-code | mask | agent | (?i)staff:\\s*\\w+|code:\\s*\\w+',
  ].join('\n');

  it('parse, and apply by direction with their replacement', () => {
    const { rules, problems } = parseAdminRules(SETTING);
    expect(problems).toEqual([]);
    expect(rules.map((r) => r.id)).toEqual(['account', 'member', 'staff-code']);
    const visitor = redactText('ACC-1234-5678 M1234567 code: x9', rules, 'visitor');
    expect(visitor.text).toBe('•••-••••-5678 [member ID] code: x9');
    expect(visitor.hits).toEqual({ account: 1, member: 1 });
    const agent = redactText('ACC-1234-5678 M1234567 STAFF: abc', rules, 'agent');
    expect(agent.text).toBe('•••-••••-5678 M1234567 •••••: •••');
    expect(agent.hits).toEqual({ account: 1, 'staff-code': 1 });
  });

  it('see digits of every script as ASCII', () => {
    const { rules } = parseAdminRules('account | mask | both | ACC-\\d{4}-\\d{4}');
    expect(redactText('ACC-١٢٣٤-５６７８', rules, 'visitor').text).toBe('•••-••••-••••');
  });

  it('mask the rest of a message past the finds a rule may make, rather than leave it as typed', () => {
    const { rules } = parseAdminRules('member | mask | both | M\\d{7}');
    const text = Array.from({ length: 150 }, () => 'M1234567').join(' ');
    // A budget no busy machine runs out of: the cap on finds is what is tested here, not the clock.
    const masked = redactText(text, rules, 'visitor', 60_000).text;
    expect(masked).not.toMatch(/\d/);
    expect(masked).toHaveLength(text.length);
  });

  it('report each line that cannot be used, and keep the others', () => {
    const { rules, problems } = parseAdminRules(
      [
        'good | mask | both | X\\d+',
        'no pipes here',
        'Bad Id | mask | both | a',
        'card | mask | both | a',
        'good | mask | both | b',
        'r1 | blur | both | a',
        'r2 | mask | everyone | a',
        'r3 | mask | both | (a',
        'r4 | mask | both | a*',
        'r5 | mask | both | (?<=a)b',
        'r6 | mask | both | \\p{L}{150}',
        'r7 | mask | both | \\p{L}{150}',
        'r8 | mask | both | \\p{L}{150}',
        'r9 | label | both | a',
      ].join('\n'),
    );
    expect(rules.map((r) => r.id)).toEqual(['good', 'r6', 'r7']);
    expect(problems.map((p) => [p.line, p.code])).toEqual([
      [2, 'format'],
      [3, 'id'],
      [4, 'duplicate'],
      [5, 'duplicate'],
      [6, 'replacement'],
      [7, 'directions'],
      [8, 'pattern'],
      [9, 'pattern'],
      [10, 'pattern'],
      [13, 'too_complex'],
      [14, 'replacement'],
    ]);
    expect(problems[6].value).toMatch(/missing closing \)/);
    expect(problems[7].value).toBe('it matches an empty text');
  });

  it('cannot slow a message down: hostile patterns on hostile text stay within the budget', () => {
    const { rules, problems } = parseAdminRules(
      ['nested | mask | both | (a+)+$', 'rescan | mask | both | x(.*y)?', 'wide | mask | both | \\p{L}{190}\\d'].join(
        '\n',
      ),
    );
    expect(problems).toEqual([]);
    const hostile = `${'a'.repeat(1500)}${'x'.repeat(1500)}${'é'.repeat(2000)} 4111 1111 1111 1111`;
    const started = Date.now();
    const result = redactText(hostile, [...DEFAULTS, ...rules], 'visitor', 25);
    const took = Date.now() - started;
    expect(result.hits.card).toBe(1);
    expect(result.text.endsWith('•••• •••• •••• 1111')).toBe(true);
    // The budget, plus one scan already under way (a few tens of ms at the program caps).
    expect(took).toBeLessThan(400);
  });
});
