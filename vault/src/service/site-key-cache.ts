/** A site's raw key-encryption key and its id. */
export interface SiteKey {
  kid: string;
  key: Buffer;
}

/**
 * Unwrapped site keys, per site and kid, and each site's active one, kept for one key generation
 * (Storage.keyGeneration): a rotation or a removed site moves the database's generation on, and
 * every submit and detokenize reads the generation with the rows it reads anyway. The first
 * lookup with another generation empties the cache, so once a process has seen the new number, a
 * key rotated out of use or removed on any instance is neither used for new data nor decrypts.
 *
 * A key may only be stored under a generation read before the key's row was read: whatever
 * changed in between then moved the number on, and later lookups miss.
 */
export class SiteKeyCache {
  private generation: number | undefined;
  private readonly byKid = new Map<string, SiteKey>();
  private readonly active = new Map<string, SiteKey>();

  /** The site's key `kid`, if cached for `generation`. */
  key(siteId: string, kid: string, generation: number): SiteKey | undefined {
    return this.follow(generation) ? this.byKid.get(entry(siteId, kid)) : undefined;
  }

  /** The site's active key, if cached for `generation`. */
  activeKey(siteId: string, generation: number): SiteKey | undefined {
    return this.follow(generation) ? this.active.get(siteId) : undefined;
  }

  /** Forgets every key at once (this process rotated or removed one: it need not wait for a read). */
  clear(): void {
    this.byKid.clear();
    this.active.clear();
  }

  /** Keeps a key read after `generation` was read; dropped when the cache moved to another generation meanwhile. */
  store(siteId: string, key: SiteKey, generation: number, options: { active: boolean }): void {
    if (generation !== this.generation) return;
    this.byKid.set(entry(siteId, key.kid), key);
    if (options.active) this.active.set(siteId, key);
  }

  /**
   * Moves to `generation` when it is newer; false for an older one (a slow request that read the
   * number before another saw it move on): that request reads its key from the database, and the
   * cache never goes back to a generation it has left.
   */
  private follow(generation: number): boolean {
    if (generation === this.generation) return true;
    if (this.generation !== undefined && generation < this.generation) return false;
    this.clear();
    this.generation = generation;
    return true;
  }
}

function entry(siteId: string, kid: string): string {
  return `${siteId}\u0000${kid}`;
}
