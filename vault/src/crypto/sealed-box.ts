import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { randomBytesFromPool } from './random-pool';

/**
 * AES-256-GCM for short-lived data kept outside the database (off-the-record fields, ID&V
 * answers): what the ephemeral store holds is ciphertext bound to its own key name, under a key
 * of its site (see sealForSite).
 */
export class SealedBox {
  constructor(private readonly key: Buffer) {}

  seal(name: string, plaintext: Buffer): Buffer {
    const iv = randomBytesFromPool(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(name, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** Opens what `seal` made for the same name; throws if it was moved or altered. */
  open(name: string, sealed: Buffer): Buffer {
    if (sealed.length < 28) throw new Error('Sealed data is too short.');
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
  }
}

const SITE_SEALED = 2;

/**
 * Derived once per site key object: the site-key cache hands out the same Buffer for as long as
 * that key may be used, and an entry here goes with it (a WeakMap holds no key alive).
 */
const sealingKeys = new WeakMap<Buffer, Buffer>();

/** The key that seals a site's off-the-record entries, derived from one of its site keys. */
export function siteSealingKey(siteKey: Buffer): Buffer {
  let derived = sealingKeys.get(siteKey);
  if (!derived) {
    derived = Buffer.from(hkdfSync('sha256', siteKey, Buffer.alloc(0), 'idv-vault:ephemeral-v2', 32));
    sealingKeys.set(siteKey, derived);
  }
  return derived;
}

/**
 * Seals under a key derived from the site key `kid`, and names that kid in front: removing the
 * site deletes its keys, which shreds its entries; a key rotation leaves them readable.
 */
export function sealForSite(kid: string, siteKey: Buffer, name: string, plaintext: Buffer): Buffer {
  const kidBytes = Buffer.from(kid, 'utf8');
  if (kidBytes.length > 255) throw new Error('The key id is too long.');
  const body = new SealedBox(siteSealingKey(siteKey)).seal(name, plaintext);
  return Buffer.concat([Buffer.from([SITE_SEALED, kidBytes.length]), kidBytes, body]);
}

/** The kid an entry was sealed under and the sealed bytes after it; undefined when it is not one. */
export function siteSealedKid(sealed: Buffer): { kid: string; body: Buffer } | undefined {
  if (sealed.length < 2 || sealed[0] !== SITE_SEALED || sealed.length < 2 + sealed[1]) return undefined;
  return { kid: sealed.subarray(2, 2 + sealed[1]).toString('utf8'), body: sealed.subarray(2 + sealed[1]) };
}

/** Opens what sealForSite made with the same site key and name; throws if altered. */
export function openForSite(siteKey: Buffer, name: string, body: Buffer): Buffer {
  return new SealedBox(siteSealingKey(siteKey)).open(name, body);
}
