import { randomUUID, randomBytes } from 'node:crypto';
import { auditEvent } from '../audit/events';
import { isSiteId } from '../contract/limits';
import { withoutTrailing } from '../contract/trailing';
import type { MasterKey } from '../crypto/master-key';
import { constantTimeEqual, randomSecret, sha256Hex } from '../crypto/secrets';
import { createHash } from 'node:crypto';
import { VaultError } from '../errors';
import { normalizeAccentColour, normalizeDisplayName, type PageBrand } from '../pages/brand';
import type { SiteBrandRow, SiteKeyRow, SitePolicy, SiteRow, Storage } from '../storage/types';
import { checkPng } from '../validation/png';
import type { Clock } from './clock';
import { SiteKeyCache, type SiteKey } from './site-key-cache';

export type { SitePolicy } from '../storage/types';

/** What the vault admin is told when switching `site idv-paste` on (the CLI prints it; the docs say the same). */
export const IDV_PASTE_TRADE_OFF =
  'Trade-off: visitors may now paste or type their whole secret into the ID&V page. Only the asked ' +
  'characters are sent (the page script picks them in the browser and empties the box), which helps ' +
  'visitors who cannot count characters in a remembered secret (WCAG 3.3.8). But asking for two ' +
  'characters exists so that the whole secret is never typed anywhere; this teaches visitors to put ' +
  'their whole secret into pages reached from chat links, which phishing pages can copy. Turn it off ' +
  'with: site idv-paste <siteId> off';

const API_KEY = /^ivk\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;
/** Compared against when the key id is unknown, so both paths do the same work. */
const DUMMY_HASH = sha256Hex('no such key');

/** A registered site, as the API sees it once the site's key is checked. */
export type Site = SiteRow;

export interface NewSite {
  siteId: string;
  /** Shown once; only its hash is stored. */
  apiKey: string;
}

/** Registers Rocket.Chat workspaces, authenticates their API keys and manages their keys. */
export class SiteService {
  /** Unwrapped site keys, so a request neither reads the key row nor unwraps it while nothing changed. */
  private readonly keys = new SiteKeyCache();

  constructor(
    private readonly storage: Storage,
    private readonly master: MasterKey,
    private readonly clock: Clock,
  ) {}

  async addSite(siteId: string, origin: string, actor = 'cli'): Promise<NewSite> {
    if (!isSiteId(siteId)) {
      throw new VaultError(
        'bad_request',
        'The site ID must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit.',
      );
    }
    const normalizedOrigin = normalizeOrigin(origin);
    const apiKeyId = randomBytes(8).toString('hex');
    const secret = randomSecret(32);
    const now = this.clock();
    const site: SiteRow = { siteId, origin: normalizedOrigin, apiKeyId, apiKeyHash: sha256Hex(secret), createdAt: now };
    await this.storage.addSite(
      site,
      this.newKey(siteId, now),
      auditEvent('site.add', { at: now, siteId, actor, detail: { origin: normalizedOrigin } }),
    );
    return { siteId, apiKey: `ivk.${apiKeyId}.${secret}` };
  }

  /** A new API key for a site (a leaked or lost one); the old key stops working at once. */
  async replaceApiKey(siteId: string, actor = 'cli'): Promise<NewSite> {
    const apiKeyId = randomBytes(8).toString('hex');
    const secret = randomSecret(32);
    const replaced = await this.storage.replaceApiKey(
      siteId,
      apiKeyId,
      sha256Hex(secret),
      auditEvent('site.rekey', { at: this.clock(), siteId, actor }),
    );
    if (!replaced) throw new VaultError('not_found', `There is no site "${siteId}".`);
    return { siteId, apiKey: `ivk.${apiKeyId}.${secret}` };
  }

  async removeSite(siteId: string, actor = 'cli'): Promise<boolean> {
    const removed = await this.storage.removeSite(
      siteId,
      auditEvent('site.remove', { at: this.clock(), siteId, actor }),
    );
    this.keys.clear(); // this process drops the raw keys now; others on their next read of the generation
    return removed;
  }

  /**
   * Sets one of the site's switches (SITE_POLICIES): managers viewing values of open chats (never
   * off-the-record ones; off by default), the ID&V page taking a pasted secret of which its script
   * sends only the asked characters (WCAG 3.3.8, off by default: see IDV_PASTE_TRADE_OFF), the
   * viewer's Copy buttons (on by default). Audited as `site.<policy>`.
   */
  async setPolicy(siteId: string, policy: SitePolicy, enabled: boolean, actor = 'cli'): Promise<void> {
    const changed = await this.storage.setSitePolicy(
      siteId,
      policy,
      enabled,
      auditEvent(`site.${policy}`, { at: this.clock(), siteId, actor, detail: { enabled } }),
    );
    if (!changed) throw new VaultError('not_found', `There is no site "${siteId}".`);
  }

  /**
   * Sets the site's branding on the visitor pages as a whole: a display name ("<name> secure
   * form"), and optionally an accent colour (refused unless its contrast with the page holds) and a
   * logo (a PNG, checked and stripped of metadata). Audited with the name, colour and logo hash.
   */
  async setBrand(
    siteId: string,
    input: { displayName: string; accentColour?: string; logo?: Buffer },
    actor = 'cli',
  ): Promise<SiteBrandRow> {
    const displayName = normalizeDisplayName(input.displayName);
    const accentColour = input.accentColour === undefined ? null : normalizeAccentColour(input.accentColour);
    const png = input.logo ? checkPng(input.logo) : undefined;
    const now = this.clock();
    const brand: SiteBrandRow = {
      siteId,
      displayName,
      accentColour,
      logo: png
        ? { sha256: createHash('sha256').update(png.bytes).digest('hex'), width: png.width, height: png.height }
        : null,
      updatedAt: now,
    };
    const changed = await this.storage.setBrand(
      siteId,
      brand,
      png?.bytes ?? null,
      auditEvent('site.brand', {
        at: now,
        siteId,
        actor,
        detail: { displayName, accentColour, logoSha256: brand.logo?.sha256 ?? null },
      }),
    );
    if (!changed) throw new VaultError('not_found', `There is no site "${siteId}".`);
    return brand;
  }

  /** Back to neutral pages; audited. */
  async clearBrand(siteId: string, actor = 'cli'): Promise<void> {
    const changed = await this.storage.setBrand(
      siteId,
      null,
      null,
      auditEvent('site.brand', { at: this.clock(), siteId, actor, detail: { cleared: true } }),
    );
    if (!changed) throw new VaultError('not_found', `There is no site "${siteId}".`);
  }

  /** What the visitor pages show of the site's brand; undefined for neutral pages. */
  async pageBrand(siteId: string): Promise<PageBrand | undefined> {
    const row = await this.storage.getBrand(siteId);
    return row ? pageBrandOf(row) : undefined;
  }

  /** A logo's bytes by its hex SHA-256 (its URL), or undefined. */
  async logo(sha256: string): Promise<Buffer | undefined> {
    return /^[0-9a-f]{64}$/.test(sha256) ? this.storage.getLogo(sha256) : undefined;
  }

  /** Makes a new active key for new data; old keys stay for reading. Returns the new kid. */
  async rotateKey(siteId: string, actor = 'cli'): Promise<string> {
    if (!(await this.storage.getSite(siteId))) throw new VaultError('not_found', `There is no site "${siteId}".`);
    const now = this.clock();
    const key = this.newKey(siteId, now);
    await this.storage.rotateSiteKey(
      key,
      auditEvent('keys.rotate', { at: now, siteId, actor, detail: { kid: key.kid } }),
    );
    this.keys.clear();
    return key.kid;
  }

  /** The site an `Authorization: Bearer …` header belongs to, or a 401. */
  async authenticate(authorization: string | undefined): Promise<Site> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const parsed = match ? API_KEY.exec(match[1]) : null;
    const site = parsed ? await this.storage.findSiteByKeyId(parsed[1]) : undefined;
    const presented = parsed ? sha256Hex(parsed[2]) : DUMMY_HASH;
    if (!constantTimeEqual(presented, site?.apiKeyHash ?? DUMMY_HASH) || !site) {
      throw new VaultError('unauthorized', 'A valid API key is required: Authorization: Bearer <apiKey>.');
    }
    return site;
  }

  /**
   * The raw active key of a site. `generation`: the key generation the caller read with its rows
   * (read here when not given); the key comes from the cache while that generation holds.
   */
  async activeKey(siteId: string, generation?: number): Promise<SiteKey> {
    const current = generation ?? (await this.storage.keyGeneration());
    const cached = this.keys.activeKey(siteId, current);
    if (cached) return cached;
    const row = await this.storage.getActiveSiteKey(siteId);
    if (!row) throw new VaultError('internal', 'The site has no active key.');
    const key = { kid: row.kid, key: this.master.unwrapSiteKey(siteId, row.kid, row.wrappedKey) };
    this.keys.store(siteId, key, current, { active: true });
    return key;
  }

  /**
   * Which sites' active keys this master key opens. A key wrapped under another master key opens
   * with neither: every submit of its site would fail until the key is rotated with the right one.
   */
  async checkMasterKey(): Promise<{ opened: string[]; closed: string[] }> {
    const opened: string[] = [];
    const closed: string[] = [];
    for (const site of await this.storage.listSites()) {
      const row = await this.storage.getActiveSiteKey(site.siteId);
      if (!row) continue;
      try {
        this.master.unwrapSiteKey(site.siteId, row.kid, row.wrappedKey);
        opened.push(site.siteId);
      } catch {
        closed.push(site.siteId);
      }
    }
    return { opened, closed };
  }

  /** The raw key `kid` of a site, or undefined when it is gone; `generation` as for activeKey. */
  async keyById(siteId: string, kid: string, generation?: number): Promise<Buffer | undefined> {
    const current = generation ?? (await this.storage.keyGeneration());
    const cached = this.keys.key(siteId, kid, current);
    if (cached) return cached.key;
    const row = await this.storage.getSiteKey(siteId, kid);
    if (!row) return undefined;
    const key = { kid, key: this.master.unwrapSiteKey(siteId, kid, row.wrappedKey) };
    this.keys.store(siteId, key, current, { active: false });
    return key.key;
  }

  private newKey(siteId: string, now: number): SiteKeyRow {
    const kid = randomUUID();
    return {
      siteId,
      kid,
      wrappedKey: this.master.wrapSiteKey(siteId, kid, randomBytes(32)),
      createdAt: now,
      active: true,
    };
  }
}

/** An http(s) URL without query or fragment, no trailing slash: what callback URLs must start with. */
export function normalizeOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new VaultError('bad_request', 'The origin must be an http:// or https:// URL, e.g. https://chat.example.com');
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password || url.search || url.hash) {
    throw new VaultError(
      'bad_request',
      'The origin must be an http:// or https:// URL without credentials, query or fragment.',
    );
  }
  return withoutTrailing(`${url.origin}${url.pathname}`, '/');
}

/**
 * True when `callbackUrl` lies under the site's origin: same scheme, host and port, and a path
 * under the origin's path. (A plain string prefix would let https://chat.example.com.evil.net in.)
 * Paths are compared segment by segment after percent-decoding, and a segment that decodes to a
 * separator or a dot segment is refused: a server that decodes /rc/%2E%2E%2Fadmin would serve /admin.
 */
export function isUnderOrigin(callbackUrl: string, origin: string): boolean {
  let callback: URL;
  let base: URL;
  try {
    callback = new URL(callbackUrl);
    base = new URL(origin);
  } catch {
    return false;
  }
  if (callback.origin !== base.origin || callback.username || callback.password) return false;
  const baseSegments = decodedSegments(base.pathname);
  const callbackSegments = decodedSegments(callback.pathname);
  if (!baseSegments || !callbackSegments) return false;
  while (baseSegments.length > 0 && baseSegments[baseSegments.length - 1] === '') baseSegments.pop();
  return baseSegments.every((segment, index) => callbackSegments[index] === segment);
}

/** The decoded segments of a URL path, or undefined when one hides a separator, a dot segment or bad encoding. */
function decodedSegments(pathname: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of pathname.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (/[/\\\u0000]/.test(segment) || segment === '.' || segment === '..') return undefined;
    segments.push(segment);
  }
  return segments;
}

/** A site's brand as its pages show it. */
export function pageBrandOf(row: SiteBrandRow): PageBrand {
  return {
    displayName: row.displayName,
    ...(row.accentColour ? { accentColour: row.accentColour } : {}),
    ...(row.logo ? { logo: row.logo } : {}),
  };
}
