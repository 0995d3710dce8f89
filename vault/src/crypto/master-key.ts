import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The master key wraps every site's key-encryption key (AES-256-GCM, the site and kid bound as
 * associated data), so a database dump alone decrypts nothing.
 */
export class MasterKey {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('The master key must be 32 bytes.');
    this.key = Buffer.from(key);
  }

  /** Wraps a site key; the result is text fit for a database column. */
  wrapSiteKey(siteId: string, kid: string, siteKey: Buffer): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(siteKeyAad(siteId, kid));
    const body = Buffer.concat([cipher.update(siteKey), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(
      '.',
    );
  }

  /** Unwraps a site key; fails if it was wrapped for another site or kid, or altered. */
  unwrapSiteKey(siteId: string, kid: string, wrapped: string): Buffer {
    const [version, iv, tag, body] = wrapped.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('Unknown wrapped key format.');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(siteKeyAad(siteId, kid));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  }

  /** A key for one purpose, derived with HKDF, so every vault instance derives the same one. */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `idv-vault:${purpose}`, 32));
  }
}

function siteKeyAad(siteId: string, kid: string): Buffer {
  return Buffer.from(`site-key\u0000${siteId}\u0000${kid}`, 'utf8');
}
