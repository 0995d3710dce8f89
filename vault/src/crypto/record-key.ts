/**
 * A record's own key, kept apart from its ciphertext so that erasing it is cheap and final.
 *
 * A compact JWE is `header.encryptedKey.iv.ciphertext.tag`; its second part is the record's
 * content key wrapped by the site key: one key per record. Storage keeps that part in a narrow
 * table of its own (`record_keys`) and the rest in `records`. Erasing a visitor deletes both and
 * then rewrites the narrow table (PostgreSQL keeps deleted rows in its files until vacuumed;
 * rewriting a small table is quick, rewriting the records would not be), so whatever copy of the
 * ciphertext lingers in the database files has no key left anywhere, not even for the master key.
 */
export interface DetachedToken {
  /** The JWE with an empty encrypted-key part. */
  token: string;
  /** The encrypted-key part (base64url). */
  wrappedKey: string;
}

export function detachRecordKey(token: string): DetachedToken {
  const parts = token.split('.');
  if (parts.length !== 5 || parts[1] === '') throw new Error('Not a compact JWE with an encrypted key.');
  const wrappedKey = parts[1];
  parts[1] = '';
  return { token: parts.join('.'), wrappedKey };
}

/** The whole JWE again; a token stored before keys were kept apart comes back as it is. */
export function attachRecordKey(token: string, wrappedKey: string | null | undefined): string {
  if (!wrappedKey) return token;
  const parts = token.split('.');
  if (parts.length !== 5 || parts[1] !== '') return token;
  parts[1] = wrappedKey;
  return parts.join('.');
}
