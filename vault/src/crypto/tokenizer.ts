import jose from 'node-jose';

/** What a JWE's protected header must say, checked on every decrypt. */
export interface TokenBinding {
  siteId: string;
  recordId: string;
}

export class TokenizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizeError';
  }
}

const KEY_ALG = 'A256KW';
const CONTENT_ALG = 'A256GCM';

/**
 * Turns plaintext into a compact JWE (A256KW + A256GCM, a fresh content key per record) and back.
 * The protected header binds the key id, the record UUID and the site; decrypt accepts only those
 * algorithms and refuses a token whose header names another record or site. Keys are imported
 * into node-jose once and cached by site and kid (they never change once made).
 */
export class Tokenizer {
  private readonly keys = new Map<string, Promise<jose.JWK.Key>>();

  async encrypt(binding: TokenBinding, kid: string, siteKey: Buffer, plaintext: Buffer): Promise<string> {
    const key = await this.importKey(binding.siteId, kid, siteKey);
    const fields = { alg: KEY_ALG, enc: CONTENT_ALG, kid, rid: binding.recordId, sid: binding.siteId };
    const encrypted = await jose.JWE.createEncrypt({ format: 'compact', contentAlg: CONTENT_ALG, fields, protect: '*' }, key)
      .update(plaintext)
      .final();
    return encrypted as unknown as string;
  }

  /**
   * Decrypts a token stored for `binding`. `siteKeyFor(kid)` gives the raw site key for the kid
   * the header names (or undefined if the site has no such key: crypto-shredded or foreign).
   */
  async decrypt(binding: TokenBinding, token: string, siteKeyFor: (kid: string) => Promise<Buffer | undefined>): Promise<Buffer> {
    const header = parseProtectedHeader(token);
    if (header.alg !== KEY_ALG || header.enc !== CONTENT_ALG) throw new TokenizeError('Token uses an algorithm that is not accepted.');
    if (header.sid !== binding.siteId || header.rid !== binding.recordId) throw new TokenizeError('Token is bound to another record or site.');
    if (typeof header.kid !== 'string') throw new TokenizeError('Token names no key.');
    const siteKey = await siteKeyFor(header.kid);
    if (!siteKey) throw new TokenizeError('The key for this token is gone.');
    const key = await this.importKey(binding.siteId, header.kid, siteKey);
    try {
      const result = await jose.JWE.createDecrypt(key, { algorithms: [KEY_ALG, CONTENT_ALG] }).decrypt(token);
      return result.plaintext;
    } catch {
      throw new TokenizeError('Token failed to decrypt: altered, or made with another key.');
    }
  }

  /** Drops cached keys of a site (after removal, so shredded keys do not linger in memory). */
  forgetSite(siteId: string): void {
    for (const name of this.keys.keys()) if (name.startsWith(`${siteId}\u0000`)) this.keys.delete(name);
  }

  private importKey(siteId: string, kid: string, siteKey: Buffer): Promise<jose.JWK.Key> {
    const name = `${siteId}\u0000${kid}`;
    let key = this.keys.get(name);
    if (!key) {
      key = jose.JWK.asKey({ kty: 'oct', k: siteKey.toString('base64url'), alg: KEY_ALG, kid, use: 'enc' });
      key.catch(() => this.keys.delete(name));
      this.keys.set(name, key);
    }
    return key;
  }
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
  if (parts.length !== 5) throw new TokenizeError('Token is not a compact JWE.');
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null) throw new Error('not an object');
    return header as ProtectedHeader;
  } catch {
    throw new TokenizeError('Token header is unreadable.');
  }
}
