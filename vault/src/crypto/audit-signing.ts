import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** PKCS#8 DER of an Ed25519 private key is this prefix followed by its 32-byte seed. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Signs audit checkpoints with Ed25519, so anyone holding only the public key (an assessor, a
 * SIEM) can check them, and nobody without the private key can make one.
 */
export class AuditSigner {
  readonly publicKey: KeyObject;

  private constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
  }

  /** From a 32-byte seed (the vault derives one from its master key when no key is configured). */
  static fromSeed(seed: Buffer): AuditSigner {
    if (seed.length !== 32) throw new Error('An Ed25519 seed is 32 bytes.');
    return new AuditSigner(
      createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }),
    );
  }

  /** From PEM text or base64 of PKCS#8 DER; throws unless it is an Ed25519 private key. */
  static fromText(text: string): AuditSigner {
    const trimmed = text.trim();
    const key = trimmed.startsWith('-----')
      ? createPrivateKey(trimmed)
      : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' });
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('The audit signing key must be an Ed25519 key.');
    return new AuditSigner(key);
  }

  sign(message: string): string {
    return sign(null, Buffer.from(message, 'utf8'), this.privateKey).toString('base64url');
  }

  get keyId(): string {
    return keyIdOf(this.publicKey);
  }

  get publicKeyPem(): string {
    return this.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }
}

/** A public key from PEM text or base64 of SPKI DER; throws unless it is Ed25519. */
export function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  const key = trimmed.startsWith('-----')
    ? createPublicKey(trimmed)
    : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('The audit public key must be an Ed25519 key.');
  return key;
}

/** A short fingerprint naming the key: the first 16 hex digits of SHA-256 over its SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16);
}

export function verifySignature(publicKey: KeyObject, message: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(message, 'utf8'), publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
