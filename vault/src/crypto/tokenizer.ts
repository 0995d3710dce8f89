import {
  CONTENT_ALG,
  decryptCompact,
  encryptCompact,
  JweFormatError,
  KEY_ALG,
  parseCompact,
  type ParsedJwe,
} from './compact-jwe';
import { freshContentKey } from './content-key';

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

/**
 * Turns plaintext into a compact JWE (A256KW + A256GCM, a fresh content key and IV per record,
 * drawn from node's CSPRNG: see content-key.ts) and back, framed by compact-jwe.ts on node's own
 * AES key wrap and AES-GCM. The protected header binds the key id, the record UUID and the site;
 * decrypt accepts only those algorithms and header members, and refuses a token whose header names
 * another record or site. node-jose's own JWE layer reads these tokens, and this reads its tokens
 * (test/jwe-interoperates-with-node-jose-both-ways.test.ts).
 */
export class Tokenizer {
  async encrypt(binding: TokenBinding, kid: string, siteKey: Buffer, plaintext: Buffer): Promise<string> {
    const header = { alg: KEY_ALG, enc: CONTENT_ALG, kid, rid: binding.recordId, sid: binding.siteId };
    const { cek, iv } = freshContentKey();
    return encryptCompact(header, siteKey, cek, iv, plaintext);
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
    const jwe = parse(token);
    const { header } = jwe;
    if (header.sid !== binding.siteId || header.rid !== binding.recordId)
      throw new TokenizeError('Token is bound to another record or site.', 'binding');
    if (typeof header.kid !== 'string') throw new TokenizeError('Token names no key.', 'no_kid');
    const siteKey = await siteKeyFor(header.kid);
    if (!siteKey) throw new TokenizeError('The key for this token is gone.', 'key_gone');
    try {
      return decryptCompact(jwe, siteKey);
    } catch {
      throw new TokenizeError('Token failed to decrypt: altered, or made with another key.', 'decrypt');
    }
  }
}

function parse(token: string): ParsedJwe {
  try {
    return parseCompact(token);
  } catch (err) {
    if (err instanceof JweFormatError) throw new TokenizeError(err.message, err.reason);
    throw err;
  }
}
