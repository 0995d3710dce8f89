import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * A256KW (RFC 3394 AES key wrap under a 256-bit key), by OpenSSL's `id-aes256-wrap` in one call.
 * The tests hold it to the RFC's test vector and byte for byte to node-jose's own A256KW, which
 * made every token stored before the vault framed its own (compact-jwe.ts).
 */

/** RFC 3394 §2.2.3.1 default initial value; OpenSSL takes it as the IV and checks it on unwrap. */
const DEFAULT_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const KEY_BYTES = 32;

/** RFC 3394 wrap of `keyData` (a multiple of 8 bytes, at least 16) under a 256-bit `kek`. */
export function wrapKey(kek: Buffer, keyData: Buffer): Buffer {
  if (kek.length !== KEY_BYTES) throw new Error('invalid key size');
  if (keyData.length < 16 || keyData.length % 8 !== 0) throw new Error('invalid data length');
  const cipher = createCipheriv('id-aes256-wrap', kek, DEFAULT_IV);
  return Buffer.concat([cipher.update(keyData), cipher.final()]);
}

/** RFC 3394 unwrap; throws when the integrity check fails (another key, or altered bytes). */
export function unwrapKey(kek: Buffer, wrapped: Buffer): Buffer {
  if (kek.length !== KEY_BYTES) throw new Error('invalid key size');
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) throw new Error('invalid data length');
  try {
    const decipher = createDecipheriv('id-aes256-wrap', kek, DEFAULT_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    throw new Error('decryption failed');
  }
}
