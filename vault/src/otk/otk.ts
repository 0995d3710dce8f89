import { randomSecret, sha256Hex } from '../crypto/secrets';

/** A freshly minted one-time key: the secret goes to its holder, only the hash is stored. */
export interface MintedOtk {
  otk: string;
  hash: string;
}

/** 256 random bits, base64url (43 characters). */
export function mintOtk(): MintedOtk {
  const otk = randomSecret(32);
  return { otk, hash: hashOtk(otk) };
}

/** How an OTK is looked up; anything that is not OTK-shaped hashes to a key that matches nothing. */
export function hashOtk(otk: string): string {
  return sha256Hex(otk);
}

/** True for strings that could be an OTK; lets routes refuse garbage before touching storage. */
export function looksLikeOtk(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
