import {
  ACROSS_MESSAGES_WINDOW_MS,
  digitsToRemember,
  maskCodeAnswer,
  maskCompletedCard,
} from '../../src/redaction/across-messages';
import { ShortMemory } from '../../src/lib/short-memory';
import { asksForSecurityCode } from '../../src/redaction/detectors';

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

  it('is remembered for two minutes, for a bounded number of chats', () => {
    const recent = new ShortMemory<string[]>(ACROSS_MESSAGES_WINDOW_MS, 2);
    recent.set('room-1:visitor', ['4111'], 0);
    expect(recent.get('room-1:visitor', ACROSS_MESSAGES_WINDOW_MS - 1)).toEqual(['4111']);
    expect(recent.get('room-1:visitor', ACROSS_MESSAGES_WINDOW_MS)).toBeUndefined();
    recent.set('a', ['1'], 0);
    recent.set('b', ['2'], 0);
    recent.set('c', ['3'], 0);
    expect(recent.size).toBe(2);
    expect(recent.get('a', 1)).toBeUndefined();
    expect(recent.get('c', 1)).toEqual(['3']);
    recent.delete('c');
    expect(recent.get('c', 1)).toBeUndefined();
  });
});

describe('a security code given in answer to a question', () => {
  it('is asked for by a message that names the code without giving one, in any of its languages', () => {
    for (const asked of ['What is the CVV on the back of the card?', 'my security code is', 'código de seguridad?']) {
      expect([asked, asksForSecurityCode(asked)]).toEqual([asked, true]);
    }
    for (const not of ['my cvv is 739', 'what is your order number?', 'the CVC2 is 123']) {
      expect([not, asksForSecurityCode(not)]).toEqual([not, false]);
    }
  });

  it("is the answer's only number, of three or four digits, near its start, in a short message", () => {
    expect(maskCodeAnswer('739')).toBe('•••');
    expect(maskCodeAnswer("it's ٤٣٢١, thanks")).toBe("it's ••••, thanks");
    for (const not of [
      '73',
      '12345',
      '739 and 12',
      'A739',
      'hold on, I am looking for my card right now: 739',
      '739 — sorry, I would rather not give that over the chat, can you send a form?',
      'no',
    ]) {
      expect([not, maskCodeAnswer(not)]).toEqual([not, undefined]);
    }
  });
});
