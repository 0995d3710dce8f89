/**
 * Checks a site's logo before the vault stores and serves it: PNG only (an SVG would be stored
 * script on the vault's origin), its signature, an IHDR first with sane values, every chunk's CRC,
 * pixel data that really inflates (bounded, so no decompression bomb), and an IEND at the very end.
 * What is kept is re-serialized with the chunks an image needs: text, EXIF and other metadata
 * (names, GPS, software) are dropped.
 */
import { inflateSync } from 'node:zlib';

export const LOGO_MAX_BYTES = 64 * 1024;
export const LOGO_MAX_WIDTH = 1024;
export const LOGO_MAX_HEIGHT = 512;

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Chunks kept: the critical ones and the few that change how the pixels look. */
const KEPT_CHUNKS = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'pHYs']);
/** Bit depths each colour type allows (PNG spec, table 11.1). */
const BIT_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The logo is not a PNG the vault will serve; the message says what to fix. */
export class LogoError extends Error {
  readonly code = 'logo_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'LogoError';
  }
}

export interface CheckedPng {
  width: number;
  height: number;
  /** The image again, with only the kept chunks. */
  bytes: Buffer;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Chunk {
  type: string;
  data: Buffer;
  /** The chunk as it was: length, type, data and CRC. */
  raw: Buffer;
}

function readChunks(png: Buffer): Chunk[] {
  const chunks: Chunk[] = [];
  let at = SIGNATURE.length;
  while (at < png.length) {
    if (at + 12 > png.length) throw new LogoError('The PNG is cut short.');
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw new LogoError('The PNG has a damaged chunk.');
    const end = at + 12 + length;
    if (length > png.length || end > png.length) throw new LogoError('The PNG is cut short.');
    const typeAndData = png.subarray(at + 4, at + 8 + length);
    if (crc32(typeAndData) !== png.readUInt32BE(at + 8 + length)) {
      throw new LogoError(`The PNG's ${type} chunk fails its checksum.`);
    }
    chunks.push({ type, data: png.subarray(at + 8, at + 8 + length), raw: png.subarray(at, end) });
    at = end;
    if (type === 'IEND') break;
  }
  if (at !== png.length) throw new LogoError('The PNG has bytes after its end.');
  return chunks;
}

/** The size of the filtered pixel data a non-interlaced image inflates to (interlaced: at most this plus a little). */
function rawSize(width: number, height: number, bitDepth: number, colourType: number): number {
  const bitsPerPixel = bitDepth * CHANNELS[colourType];
  return height * (1 + Math.ceil((width * bitsPerPixel) / 8));
}

/**
 * Validates a logo file's bytes; throws LogoError with a message for the admin.
 *
 * @example checkPng(fs.readFileSync('logo.png')) // { width: 240, height: 64, bytes: <Buffer 89 50 4e 47 …> }
 */
export function checkPng(input: Buffer): CheckedPng {
  if (input.length > LOGO_MAX_BYTES) {
    throw new LogoError(`The logo is ${input.length} bytes; at most ${LOGO_MAX_BYTES} bytes (64 KiB) are accepted.`);
  }
  if (input.length < SIGNATURE.length || !input.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
    throw new LogoError('The logo must be a PNG file (SVG, JPEG and other formats are refused).');
  }
  const chunks = readChunks(input);
  const header = chunks[0];
  if (!header || header.type !== 'IHDR' || header.data.length !== 13) {
    throw new LogoError('The PNG must start with its IHDR header.');
  }
  const width = header.data.readUInt32BE(0);
  const height = header.data.readUInt32BE(4);
  const [bitDepth, colourType, compression, filter, interlace] = header.data.subarray(8);
  if (width === 0 || height === 0) throw new LogoError('The PNG has no pixels.');
  if (width > LOGO_MAX_WIDTH || height > LOGO_MAX_HEIGHT) {
    throw new LogoError(
      `The logo is ${width}×${height} pixels; at most ${LOGO_MAX_WIDTH}×${LOGO_MAX_HEIGHT} are accepted.`,
    );
  }
  if (!BIT_DEPTHS[colourType]?.includes(bitDepth) || compression !== 0 || filter !== 0 || interlace > 1) {
    throw new LogoError('The PNG header has values the PNG standard does not allow.');
  }
  if (chunks[chunks.length - 1].type !== 'IEND') throw new LogoError('The PNG has no end (IEND).');
  if (chunks.filter((chunk) => chunk.type === 'IHDR' || chunk.type === 'IEND').length !== 2) {
    throw new LogoError('The PNG has more than one header or end.');
  }
  const unknownCritical = chunks.find((chunk) => /^[A-Z]/.test(chunk.type) && !KEPT_CHUNKS.has(chunk.type));
  if (unknownCritical) throw new LogoError(`The PNG has a chunk this vault does not know: ${unknownCritical.type}.`);
  if (colourType === 3 && !chunks.some((chunk) => chunk.type === 'PLTE')) {
    throw new LogoError('The PNG uses a palette but has none.');
  }
  const pixels = Buffer.concat(chunks.filter((chunk) => chunk.type === 'IDAT').map((chunk) => chunk.data));
  if (pixels.length === 0) throw new LogoError('The PNG has no image data.');
  const expected = rawSize(width, height, bitDepth, colourType);
  let inflated: Buffer;
  try {
    // Interlaced images add one filter byte per row of each of their 7 passes.
    inflated = inflateSync(pixels, { maxOutputLength: expected + 7 * height + 7 });
  } catch {
    throw new LogoError('The PNG image data cannot be decoded.');
  }
  if (interlace === 0 ? inflated.length !== expected : inflated.length < expected / 2) {
    throw new LogoError('The PNG image data does not match its size.');
  }
  const bytes = Buffer.concat([
    SIGNATURE,
    ...chunks.filter((chunk) => KEPT_CHUNKS.has(chunk.type)).map((chunk) => chunk.raw),
  ]);
  return { width, height, bytes };
}
