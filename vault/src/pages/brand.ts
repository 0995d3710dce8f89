/**
 * A site's branding on the visitor pages: "<Company> secure form", an optional logo the vault
 * serves itself, and an optional accent colour for the buttons and the brand bar. The colour is
 * accepted only where it keeps the page readable (WCAG 1.4.3 text, 1.4.11 non-text contrast)
 * against the page's own colours below, which visitor.css uses. Without a brand the pages stay
 * neutral.
 */
import { VaultError } from '../errors';
import { contrastRatio, darken, parseHexColour } from '../validation/contrast';

export const DISPLAY_NAME_MAX = 60;

/** What a page shows of a site's brand; the logo by its content hash (its URL), never by site ID. */
export interface PageBrand {
  displayName: string;
  accentColour?: string;
  logo?: { sha256: string; width: number; height: number };
}

/** Where the accent colour meets the page (visitor.css), and the contrast each needs. */
export const ACCENT_CHECKS: ReadonlyArray<{ against: string; minimum: number; where: string; criterion: string }> = [
  { against: '#ffffff', minimum: 4.5, where: 'the white text on the Submit button', criterion: '1.4.3' },
  {
    against: '#eef3fd',
    minimum: 4.5,
    where: 'the pale background of the Cancel and Show buttons under the pointer',
    criterion: '1.4.3',
  },
  { against: '#eef1f5', minimum: 3, where: 'the grey page background, for the brand bar', criterion: '1.4.11' },
];

/** How much darker the primary button gets under the pointer. */
const HOVER_DARKEN = 0.2;

/** A display name as pages show it: trimmed, NFC, 1 to 60 characters, no control or bidi-override characters. */
export function normalizeDisplayName(text: string): string {
  const name = text.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (name.length === 0 || [...name].length > DISPLAY_NAME_MAX) {
    throw new VaultError('bad_request', `The display name must be 1 to ${DISPLAY_NAME_MAX} characters.`);
  }
  // Controls, and bidi overrides and isolates, which could make the name read as something else.
  if (/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(name)) {
    throw new VaultError('bad_request', 'The display name must not contain control or text-direction characters.');
  }
  return name;
}

/**
 * An accent colour `#rrggbb` (the `#` may be left out) that passes every ACCENT_CHECKS, in lower
 * case; else a bad_request naming the contrast it lacks and against what.
 */
export function normalizeAccentColour(text: string): string {
  const hex = `#${text.trim().replace(/^#/, '').toLowerCase()}`;
  if (!parseHexColour(hex)) {
    throw new VaultError('bad_request', 'The accent colour must be a hex colour like #1a4fc4.');
  }
  const failing = ACCENT_CHECKS.map((check) => ({ ...check, ratio: contrastRatio(hex, check.against) })).filter(
    (check) => check.ratio < check.minimum,
  );
  if (failing.length > 0) {
    const reasons = failing
      .map(
        (check) =>
          `${check.ratio.toFixed(2)}:1 against ${check.where} (${check.against}), at least ${check.minimum}:1 needed (WCAG ${check.criterion})`,
      )
      .join('; ');
    throw new VaultError(
      'bad_request',
      `The accent colour ${hex} is too light for the page: ${reasons}. Choose a darker colour.`,
    );
  }
  return hex;
}

/** The stylesheet of a colour that passes ACCENT_CHECKS, else undefined (nobody gets a low-contrast variant). */
export function accentStylesheetFor(hex: string): string | undefined {
  try {
    return accentStylesheet(normalizeAccentColour(hex));
  } catch {
    return undefined;
  }
}

/** The stylesheet of one accent colour: the page's CSS variables, nothing else. */
export function accentStylesheet(hex: string): string {
  return `:root {\n  --accent: ${hex};\n  --accent-hover: ${darken(hex, HOVER_DARKEN)};\n}\n`;
}

/** `/brand/accent-1a4fc4.css`: the colour is the name, so every page of that colour shares it. */
export function accentStylesheetPath(hex: string): string {
  return `/brand/accent-${hex.replace(/^#/, '')}.css`;
}

/** `/brand/logo-<sha256>.png`: named by content, so it tells nothing about which site it belongs to. */
export function logoPath(sha256: string): string {
  return `/brand/logo-${sha256}.png`;
}
