import { hash, timingSafeEqual } from 'node:crypto';
import { randomBytesFromPool } from './random-pool';

/** A fresh random secret, base64url: 32 bytes (256 bits) unless told otherwise. */
export function randomSecret(bytes = 32): string {
  return randomBytesFromPool(bytes).toString('base64url');
}

/**
 * SHA-256 as hex: how OTKs and API keys are stored (they are 256-bit random, so no KDF needed).
 * The one-shot `hash` (Node 20.12+) makes no Hash object: a third of `createHash`'s time.
 */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/** Compares two strings without leaking where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
