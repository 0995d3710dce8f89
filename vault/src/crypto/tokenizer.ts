import jose from 'node-jose';
import { freshContentKey, type ContentKeyJwk } from './content-key';
import { useNativeKeyWrap } from './native-key-wrap';

/** What a JWE's protected header must say, checked on every decrypt. */
export interface TokenBinding {
  siteId: string;
  recordId: string;
}

/** Why a token was refused, as a short code for the audit and the log. */
export type TokenizeFailure = 'format' | 'header' | 'algorithm' | 'binding' | 'no_kid' | 'key_gone' | 'decrypt';

export class TokenizeError extends Error {
  constructor(
    message: string,
    readonly reason: TokenizeFailure,
  ) {
    super(message);
    this.name = 'TokenizeError';
  }
}

const KEY_ALG = 'A256KW';
const CONTENT_ALG = 'A256GCM';

/**
 * Turns plaintext into a compact JWE (A256KW + A256GCM, a fresh content key and IV per record,
 * drawn from node's CSPRNG: see content-key.ts) and back.
 * The protected header binds the key id, the record UUID and the site; decrypt accepts only those
 * algorithms and refuses a token whose header names another record or site. Keys are imported
 * into node-jose once and cached by site and kid (they never change once made).
 */
export class Tokenizer {
  private readonly keys = new Map<string, Promise<ImportedKey>>();

  constructor() {
    // node-jose's own AES key wrap is a loop of single-block ciphers; see native-key-wrap.ts.
    useNativeKeyWrap();
  }

  async encrypt(binding: TokenBinding, kid: string, siteKey: Buffer, plaintext: Buffer): Promise<string> {
    const { key } = await this.importKey(binding.siteId, kid, siteKey);
    const fields = { alg: KEY_ALG, enc: CONTENT_ALG, kid, rid: binding.recordId, sid: binding.siteId };
    // Our own content key and IV from node's CSPRNG: node-jose's own come from a slow pure-JS PRNG.
    const { cek, iv } = freshContentKey();
    const options: EncryptOptionsWithContentKey = {
      format: 'compact',
      contentAlg: CONTENT_ALG,
      fields,
      protect: '*',
      cek,
      iv,
    };
    const encrypted = await jose.JWE.createEncrypt(options, key).update(plaintext).final();
    return encrypted as unknown as string;
  }

  /**
   * Decrypts a token stored for `binding`. `siteKeyFor(kid)` gives the raw site key for the kid
   * the header names (or undefined if the site has no such key: crypto-shredded or foreign).
   */
  async decrypt(
    binding: TokenBinding,
    token: string,
    siteKeyFor: (kid: string) => Promise<Buffer | undefined>,
  ): Promise<Buffer> {
    const header = parseProtectedHeader(token);
    if (header.alg !== KEY_ALG || header.enc !== CONTENT_ALG)
      throw new TokenizeError('Token uses an algorithm that is not accepted.', 'algorithm');
    if (header.sid !== binding.siteId || header.rid !== binding.recordId)
      throw new TokenizeError('Token is bound to another record or site.', 'binding');
    if (typeof header.kid !== 'string') throw new TokenizeError('Token names no key.', 'no_kid');
    const siteKey = await siteKeyFor(header.kid);
    if (!siteKey) throw new TokenizeError('The key for this token is gone.', 'key_gone');
    const { decrypter } = await this.importKey(binding.siteId, header.kid, siteKey);
    try {
      const result = await decrypter.decrypt(token);
      return result.plaintext;
    } catch {
      throw new TokenizeError('Token failed to decrypt: altered, or made with another key.', 'decrypt');
    }
  }

  private importKey(siteId: string, kid: string, siteKey: Buffer): Promise<ImportedKey> {
    const name = `${siteId}\u0000${kid}`;
    let imported = this.keys.get(name);
    if (!imported) {
      imported = jose.JWK.asKey({ kty: 'oct', k: siteKey.toString('base64url'), alg: KEY_ALG, kid, use: 'enc' }).then(
        (key) => ({
          key,
          // A decrypter keeps no state between calls; making one per token only cost time.
          decrypter: jose.JWE.createDecrypt(key, { algorithms: [KEY_ALG, CONTENT_ALG] }),
        }),
      );
      imported.catch(() => this.keys.delete(name));
      this.keys.set(name, imported);
    }
    return imported;
  }
}

/** A site key as node-jose holds it, with the decrypter bound to it (both made once per site+kid). */
interface ImportedKey {
  key: jose.JWK.Key;
  decrypter: jose.JWE.Decryptor;
}

/** node-jose's encrypt options with `cek`, which it supports but its type definitions omit. */
interface EncryptOptionsWithContentKey extends jose.JWE.EncryptOptions {
  cek: ContentKeyJwk;
}

interface ProtectedHeader {
  alg?: unknown;
  enc?: unknown;
  kid?: unknown;
  rid?: unknown;
  sid?: unknown;
}

function parseProtectedHeader(token: string): ProtectedHeader {
  const parts = token.split('.');
  if (parts.length !== 5) throw new TokenizeError('Token is not a compact JWE.', 'format');
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null) throw new Error('not an object');
    return header as ProtectedHeader;
  } catch {
    throw new TokenizeError('Token header is unreadable.', 'header');
  }
}
