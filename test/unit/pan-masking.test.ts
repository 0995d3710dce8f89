import { containsPan, maskPans, passesLuhn } from '../../src/lib/pan';

describe('card numbers typed into the chat', () => {
  it('are masked to their last four digits, keeping the grouping', () => {
    expect(maskPans('my card is 4111 1111 1111 1111, thanks')).toEqual({
      text: 'my card is •••• •••• •••• 1111, thanks',
      masked: 1,
    });
    expect(maskPans('5555-5555-5555-4444')).toEqual({ text: '••••-••••-••••-4444', masked: 1 });
    expect(maskPans('378282246310005')).toEqual({ text: '•••••••••••0005', masked: 1 });
    expect(maskPans('4111111111111111 and 5105105105105100')).toEqual({
      text: '••••••••••••1111 and ••••••••••••5100',
      masked: 2,
    });
  });

  it('leave other numbers alone: failing Luhn, too short, too long, or part of a longer number', () => {
    for (const text of [
      'order 4111 1111 1111 1112',
      'call 0044 20 7946 0958',
      'id 12345678901',
      'ref 41111111111111110000',
      'no digits here',
      '',
    ]) {
      expect(maskPans(text)).toEqual({ text, masked: 0 });
    }
  });

  it('check the Luhn sum', () => {
    expect(passesLuhn('79927398713')).toBe(true);
    expect(passesLuhn('79927398710')).toBe(false);
    expect(passesLuhn('')).toBe(false);
  });

  it('are found by the cheap check exactly where masking would mask one', () => {
    const texts = [
      'my card is 4111 1111 1111 1111, thanks',
      'first 4111 1111 1111 1112 then 5555-5555-5555-4444',
      'order 4111 1111 1111 1112',
      'ref 41111111111111110000',
      'id 12345678901',
      `${'word '.repeat(1000)}378282246310005`,
      'no digits here',
      '',
    ];
    for (const text of texts) {
      expect([text, containsPan(text)]).toEqual([text, maskPans(text).masked > 0]);
    }
  });
});
