import { createCipheriv, createDecipheriv } from 'node:crypto';
import { unwrapKey, wrapKey } from './key-wrap';

/**
 * The compact JWE serialization (RFC 7516 §7.1) for the one shape the vault makes: A256KW +
 * A256GCM, framed here, with the cryptography done by node's own (OpenSSL's) AES key wrap and
 * AES-GCM. node-jose's JWE/JWK layer cost about four times that per token, and loading node-jose
 * at all (node-forge and pako come with it) held about 5 MB of an idle vault's RSS for what are
 * two calls to node's crypto. node-jose stays the tests' reference: it reads our tokens and makes
 * tokens we read (test/jwe-interoperates-with-node-jose-both-ways.test.ts).
 *
 * Parsing is strict, before any key is touched: exactly five base64url parts in canonical form,
 * a protected header with only the allowed members and only these two algorithms, and the exact sizes A256KW and A256GCM give
 * (40-byte wrapped key, 96-bit IV, 128-bit tag: a truncated tag is refused here, whatever the
 * GCM implementation would accept).
 */

export const KEY_ALG = 'A256KW';
export const CONTENT_ALG = 'A256GCM';

/** The protected header's members; any other member makes the token unreadable. */
export interface JweHeader {
  alg: string;
  enc: string;
  kid: string;
  /** The record the token belongs to. */
  rid: string;
  /** The site the token belongs to. */
  sid: string;
}
const HEADER_MEMBERS: ReadonlySet<string> = new Set(['alg', 'enc', 'kid', 'rid', 'sid']);

const WRAPPED_KEY_BYTES = 40;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_HEADER_CHARS = 1024;
/** Above the largest record (50 values of 1,000 four-byte characters: about 210 KB), far below what could hurt. */
const MAX_CIPHERTEXT_BYTES = 256 * 1024;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Why a token could not be read: its shape, its header, or algorithms other than the vault's. */
export class JweFormatError extends Error {
  constructor(
    message: string,
    readonly reason: 'format' | 'header' | 'algorithm',
  ) {
    super(message);
    this.name = 'JweFormatError';
  }
}

/** A compact JWE split into its parts, each checked, none decrypted yet. */
export interface ParsedJwe {
  /** The header as JSON. Members are unknown until the caller checks them against what it expects. */
  header: Partial<Record<keyof JweHeader, unknown>>;
  /** The first part as it stands: GCM's additional authenticated data. */
  protectedHeader: string;
  encryptedKey: Buffer;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** GCM's tag length is fixed for every decipher: Node 20 would otherwise accept a truncated tag. */
const GCM_OPTIONS = { authTagLength: TAG_BYTES };

/**
 * Encrypts `plaintext` into a compact JWE: `cek` and `iv` must be fresh for every call (content-key.ts).
 *
 * @example encryptCompact({ alg: 'A256KW', enc: 'A256GCM', kid, rid, sid }, siteKey, cek, iv, plaintext)
 */
export function encryptCompact(header: JweHeader, kek: Buffer, cek: Buffer, iv: Buffer, plaintext: Buffer): string {
  if (iv.length !== IV_BYTES) throw new Error('A256GCM takes a 96-bit IV');
  const protectedHeader = Buffer.from(JSON.stringify(header), 'utf8').toString('base64url');
  const cipher = createCipheriv('aes-256-gcm', cek, iv, GCM_OPTIONS);
  cipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [
    protectedHeader,
    wrapKey(kek, cek).toString('base64url'),
    iv.toString('base64url'),
    ciphertext.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
  ].join('.');
}

/** Splits and checks a compact JWE without any key; throws JweFormatError for anything off. */
export function parseCompact(token: unknown): ParsedJwe {
  if (typeof token !== 'string') throw new JweFormatError('Token is not a compact JWE.', 'format');
  const parts = token.split('.');
  if (parts.length !== 5) throw new JweFormatError('Token is not a compact JWE.', 'format');
  const [protectedHeader, encryptedKey, iv, ciphertext, tag] = parts;
  if (protectedHeader.length > MAX_HEADER_CHARS) throw new JweFormatError('Token header is too long.', 'header');
  const header = parseHeader(protectedHeader);
  // Before the sizes, which are those of these two algorithms.
  if (header.alg !== KEY_ALG || header.enc !== CONTENT_ALG) {
    throw new JweFormatError('Token uses an algorithm that is not accepted.', 'algorithm');
  }
  const parsed: ParsedJwe = {
    header,
    protectedHeader,
    encryptedKey: exactBytes(encryptedKey, WRAPPED_KEY_BYTES),
    iv: exactBytes(iv, IV_BYTES),
    ciphertext: decodePart(ciphertext),
    tag: exactBytes(tag, TAG_BYTES),
  };
  if (parsed.ciphertext.length > MAX_CIPHERTEXT_BYTES) throw new JweFormatError('Token is too long.', 'format');
  return parsed;
}

/** Unwraps the content key with `kek` and opens the content; throws when either fails its integrity check. */
export function decryptCompact(jwe: ParsedJwe, kek: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', unwrapKey(kek, jwe.encryptedKey), jwe.iv, GCM_OPTIONS);
  decipher.setAAD(Buffer.from(jwe.protectedHeader, 'ascii'));
  decipher.setAuthTag(jwe.tag);
  return Buffer.concat([decipher.update(jwe.ciphertext), decipher.final()]);
}

function parseHeader(part: string): ParsedJwe['header'] {
  let header: unknown;
  try {
    header = JSON.parse(decodePart(part).toString('utf8'));
  } catch {
    throw new JweFormatError('Token header is unreadable.', 'header');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new JweFormatError('Token header is unreadable.', 'header');
  }
  if (Object.keys(header).some((member) => !HEADER_MEMBERS.has(member))) {
    throw new JweFormatError('Token header has members that are not accepted.', 'header');
  }
  return header as ParsedJwe['header'];
}

/** base64url without padding, in its one canonical spelling (Buffer.from alone skips stray characters). */
function decodePart(part: string): Buffer {
  if (!BASE64URL.test(part)) throw new JweFormatError('Token is not base64url.', 'format');
  const bytes = Buffer.from(part, 'base64url');
  if (bytes.toString('base64url') !== part) throw new JweFormatError('Token is not base64url.', 'format');
  return bytes;
}

function exactBytes(part: string, size: number): Buffer {
  // Checked on the text first: a part of the wrong length is not decoded at all.
  if (part.length !== Math.ceil((size * 4) / 3)) throw new JweFormatError('Token part has the wrong size.', 'format');
  return decodePart(part);
}
