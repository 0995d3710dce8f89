import {
  digitsToRemember,
  maskCompletedCard,
  RecentDigits,
  SPLIT_CARD_WINDOW_MS,
} from '../../src/redaction/split-cards';

describe('a card number typed across messages', () => {
  it('is completed by the digits a message starts with, which are masked whole', () => {
    expect(maskCompletedCard('1111 1111', ['4111', '1111'])).toBe('•••• ••••');
    expect(maskCompletedCard('rest: 1111 1111, exp 04/29', ['4111'])).toBeUndefined();
    expect(maskCompletedCard('rest: 1111 1111 1111, exp 04/29', ['4111'])).toBe('rest: •••• •••• ••••, exp 04/29');
    // Any script's digits, and the card may start at any remembered group.
    expect(maskCompletedCard('١١١١ ١١١١', ['4111', '1111'])).toBe('•••• ••••');
    expect(maskCompletedCard('1111 1111', ['12', '4111', '1111'])).toBe('•••• ••••');
    // The longest completion wins: a Visa of 19 digits over its first 16, both valid.
    expect(maskCompletedCard('1111 1111 003 ok', ['4111', '1111'])).toBe('•••• •••• ••• ok');
  });

  it('needs a brand, its length and the checksum, and digits near the start of the message', () => {
    expect(maskCompletedCard('1111 1112', ['4111', '1111'])).toBeUndefined();
    expect(maskCompletedCard('1111 1111', [])).toBeUndefined();
    // 1234 5678 9012 3452 passes the checksum but is no brand's.
    expect(maskCompletedCard('9012 3452', ['1234', '5678'])).toBeUndefined();
    expect(maskCompletedCard('I will send the last eight: 1111 1111', ['4111', '1111'])).toBeUndefined();
  });

  it('remembers the digits a message ends with, joined to earlier ones when it held only digits, at most 18', () => {
    expect(digitsToRemember('my card is 4111 1111', [])).toEqual(['4111', '1111']);
    expect(digitsToRemember('4111 1111 is it, and the rest is at home', [])).toEqual([]);
    expect(digitsToRemember('thanks', ['4111'])).toEqual([]);
    expect(digitsToRemember('5555 5555', ['5555'])).toEqual(['5555', '5555', '5555']);
    expect(digitsToRemember('card: 5555 5555', ['5555'])).toEqual(['5555', '5555']);
    expect(digitsToRemember('1111 1111 1111', ['4111', '1111', '1111'])).toEqual(['1111', '1111', '1111', '1111']);
    // A masked card leaves only its last four.
    expect(digitsToRemember('•••• •••• •••• 1111', [])).toEqual(['1111']);
  });

  it('is remembered for two minutes per author and room, for a bounded number of them', () => {
    const recent = new RecentDigits(SPLIT_CARD_WINDOW_MS, 2);
    recent.set('room-1:visitor', ['4111'], 0);
    expect(recent.get('room-1:visitor', SPLIT_CARD_WINDOW_MS - 1)).toEqual(['4111']);
    expect(recent.get('room-1:visitor', SPLIT_CARD_WINDOW_MS)).toEqual([]);
    recent.set('a', ['1'], 0);
    recent.set('b', ['2'], 0);
    recent.set('c', ['3'], 0);
    expect(recent.size).toBe(2);
    expect(recent.get('a', 1)).toEqual([]);
    expect(recent.get('c', 1)).toEqual(['3']);
    recent.set('c', [], 1);
    expect(recent.get('c', 1)).toEqual([]);
  });
});
