import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for short-lived data kept outside the database (off-the-record fields, ID&V
 * answers): what the ephemeral store holds is ciphertext bound to its own key name.
 */
export class SealedBox {
  constructor(private readonly key: Buffer) {}

  seal(name: string, plaintext: Buffer): Buffer {
    const iv = randomBytes(12);
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
