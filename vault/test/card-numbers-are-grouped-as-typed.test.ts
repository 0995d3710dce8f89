import { caretAfterDigits, cardDigits, groupCardNumber } from '../src/pages/card-entry';

describe('card numbers grouped as the card prints them', () => {
  it.each([
    ['4111111111111111', '4111 1111 1111 1111', 'visa'],
    ['4111 1111-1111 1111', '4111 1111 1111 1111', 'visa'],
    ['378282246310005', '3782 822463 10005', 'amex'],
    ['30569309025904', '3056 930902 5904', 'diners'],
    ['5555555555554444', '5555 5555 5555 4444', 'mastercard'],
    ['4000000000000000006', '4000 0000 0000 0000 006', 'visa'],
    ['6011', '6011', 'discover'],
    ['9', '9', undefined],
    ['', '', undefined],
  ])('%s → %s (%s)', (typed, text, brand) => {
    expect(groupCardNumber(typed)).toEqual({ text, brand });
  });

  it('drops what is not a digit and anything past 19 digits', () => {
    expect(groupCardNumber('4111x1111y').text).toBe('4111 1111');
    expect(groupCardNumber('4'.repeat(25)).text.replace(/ /g, '')).toHaveLength(19);
  });

  it('reads digits of any script as ASCII, as the server does: a Japanese IME types ４, an Arabic keyboard ٤', () => {
    expect(groupCardNumber('４１１１１１１１１１１１１１１１')).toEqual({ text: '4111 1111 1111 1111', brand: 'visa' });
    expect(groupCardNumber('٤١١١ ١١١١ ١١١١ ١١١١')).toEqual({ text: '4111 1111 1111 1111', brand: 'visa' });
    expect(cardDigits('۴۱۱۱-x')).toBe('4111');
  });

  it('puts the caret after the same number of digits', () => {
    expect(caretAfterDigits('4111 1111', 4)).toBe(4);
    expect(caretAfterDigits('4111 1111', 5)).toBe(6);
    expect(caretAfterDigits('4111 1111', 0)).toBe(0);
    expect(caretAfterDigits('4111 1111', 99)).toBe(9);
  });
});
