import { createCipheriv, createDecipheriv } from 'node:crypto';
import jose from 'node-jose';

/**
 * Lets node-jose wrap and unwrap content keys (A256KW, RFC 3394) with OpenSSL's AES key wrap in
 * one call, instead of its own loop of 24 single-block AES ciphers.
 *
 * Why: after the randomness fix (content-key.ts), a CPU profile of tokenize + detokenize put
 * ~44% of the tokenizer's time in node-jose's `aes-kw.js` — a fresh `createCipheriv` per AES
 * block, 6 rounds × 4 blocks for a 256-bit key, both ways. OpenSSL's `id-aes256-wrap` computes the
 * same RFC 3394 function (byte for byte: the tests compare it with node-jose's own output and
 * with the RFC's test vector), so tokens made before and after read the same, and node-jose still
 * does everything else: the JWE format, header protection, the content cipher, the checks.
 *
 * How: node-jose's keys reach every algorithm through `jose.JWA.encrypt/decrypt` (looked up on
 * that object at each call), so A256KW is routed here and every other algorithm goes on to
 * node-jose untouched. node-jose is pinned (2.2.0); re-check this hook when upgrading it.
 */
const KEY_WRAP_ALG = 'A256KW';
/** RFC 3394 §2.2.3.1 default initial value; OpenSSL takes it as the IV and checks it on unwrap. */
const DEFAULT_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const KEY_BYTES = 32;

type JwaEncrypt = typeof jose.JWA.encrypt;
type JwaDecrypt = typeof jose.JWA.decrypt;
interface Jwa {
  encrypt: JwaEncrypt;
  decrypt: JwaDecrypt;
}

let installed = false;

/** Routes node-jose's A256KW through OpenSSL; idempotent. */
export function useNativeKeyWrap(): void {
  if (installed) return;
  installed = true;
  const jwa = jose.JWA as unknown as Jwa;
  const joseEncrypt = jwa.encrypt;
  const joseDecrypt = jwa.decrypt;
  jwa.encrypt = (alg, key, data, props) =>
    alg === KEY_WRAP_ALG && Buffer.isBuffer(key) && Buffer.isBuffer(data)
      ? wrapKey(key, data)
      : joseEncrypt(alg, key, data, props);
  jwa.decrypt = (alg, key, data, props) =>
    alg === KEY_WRAP_ALG && Buffer.isBuffer(key) && Buffer.isBuffer(data)
      ? unwrapKey(key, data)
      : joseDecrypt(alg, key, data, props);
}

/** RFC 3394 wrap of `keyData` (a multiple of 8 bytes, at least 16) under a 256-bit `kek`. */
export async function wrapKey(kek: Buffer, keyData: Buffer): Promise<{ data: Buffer }> {
  if (kek.length !== KEY_BYTES) throw new Error('invalid key size');
  if (keyData.length < 16 || keyData.length % 8 !== 0) throw new Error('invalid data length');
  const cipher = createCipheriv('id-aes256-wrap', kek, DEFAULT_IV);
  return { data: Buffer.concat([cipher.update(keyData), cipher.final()]) };
}

/** RFC 3394 unwrap; rejects (as node-jose does) when the integrity check fails. */
export async function unwrapKey(kek: Buffer, wrapped: Buffer): Promise<Buffer> {
  if (kek.length !== KEY_BYTES) throw new Error('invalid key size');
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) throw new Error('invalid data length');
  try {
    const decipher = createDecipheriv('id-aes256-wrap', kek, DEFAULT_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    throw new Error('decryption failed');
  }
}
