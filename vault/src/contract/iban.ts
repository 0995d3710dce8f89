/**
 * International Bank Account Numbers (ISO 13616): the country's length and the mod-97 check
 * digits. Pure functions with no Node or DOM APIs, next to the card rules (card.ts): the app's
 * chat masking runs them, and a form field or page that takes an IBAN would run the same ones.
 *
 * @example ibanValid('DE89 3704 0044 0532 0130 00') // true
 */

/** Length of each country's IBAN, from the SWIFT IBAN registry (release 98): country code, then length. */
const IBAN_REGISTRY =
  'AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 ' +
  'EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 ' +
  'KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 ' +
  'PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 ' +
  'UA29 VA22 VG24 XK20 YE30';
const IBAN_LENGTHS = new Map<string, number>(
  IBAN_REGISTRY.split(' ').map((entry): [string, number] => [entry.slice(0, 2), Number(entry.slice(2))]),
);

/** Shortest and longest IBAN of any country: bounds for finding one in free text. */
export const IBAN_MIN_LENGTH = 15;
export const IBAN_MAX_LENGTH = 34;

/** The IBAN length of a country (two upper-case letters), or undefined when it issues none. */
export function ibanLength(country: string): number | undefined {
  return IBAN_LENGTHS.get(country);
}

/**
 * Whether `value` is an IBAN: spaces are ignored, letters may be of either case; the country's
 * length and the ISO 7064 mod-97-10 check (the number read from the 5th character on, then the
 * first four, letters as 10–35, leaves 1) must hold.
 */
export function ibanValid(value: string): boolean {
  const iban = value.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban) || ibanLength(iban.slice(0, 2)) !== iban.length) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i += 1) {
    const code = rearranged.charCodeAt(i);
    // A letter stands for two digits (A = 10 … Z = 35), a digit for itself.
    const number = code >= 65 ? code - 55 : code - 48;
    remainder = (number > 9 ? remainder * 100 + number : remainder * 10 + number) % 97;
  }
  return remainder === 1;
}
