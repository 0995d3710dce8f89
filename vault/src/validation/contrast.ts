/**
 * WCAG 2.x contrast between two sRGB colours: relative luminance, then (L1 + 0.05) / (L2 + 0.05).
 * https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio
 *
 * @example contrastRatio('#1a4fc4', '#ffffff') // 6.62…
 */

/** `#rrggbb` (lower or upper case), else undefined. */
export function parseHexColour(text: string): [number, number, number] | undefined {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text);
  return match ? [parseInt(match[1], 16), parseInt(match[2], 16), parseInt(match[3], 16)] : undefined;
}

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function relativeLuminance(hex: string): number {
  const rgb = parseHexColour(hex);
  if (!rgb) throw new RangeError(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = rgb.map(channel);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

/** The colour mixed with black by `amount` (0..1): a hover shade that only gains contrast on light backgrounds. */
export function darken(hex: string, amount: number): string {
  const rgb = parseHexColour(hex);
  if (!rgb) throw new RangeError(`not a #rrggbb colour: ${hex}`);
  return `#${rgb
    .map((v) =>
      Math.round(v * (1 - amount))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}
