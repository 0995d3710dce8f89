/**
 * How a card number may be displayed before anyone asks to see it: PCI DSS 4.0 §3.4.1 allows at
 * most the BIN and the last four digits. Numbers shorter than 15 digits show only the last four,
 * so at least five digits stay hidden whatever the length.
 * @example maskCardNumber('4111111111111111') // '411111••••••1111'
 */
export function maskCardNumber(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length <= 4) return '•'.repeat(digits.length);
  const first = digits.length >= 15 ? 6 : 0;
  return digits.slice(0, first) + '•'.repeat(digits.length - first - 4) + digits.slice(-4);
}
