import type { CreateViewerBody, CreateViewerResponse, FieldType, ViewerPurpose } from '../contract';
import { constantTimeEqual, sha256Hex } from '../crypto/secrets';
import { auditEvent } from '../audit/events';
import { holdsCardLikeRun, holdsForbiddenCharacter, isVisible, LIMITS } from '../contract/limits';
import { VaultError } from '../errors';
import { hashOtk, looksLikeOtk, mintOtk } from '../otk/otk';
import type { OtkRow, RequestRow, SiteRow, Storage } from '../storage/types';
import type { ViewerField, ViewerPage } from '../pages/viewer-view';
import { maskCardNumber } from '../validation/mask';
import { iso, type Clock } from './clock';
import { parseSpec } from './request-spec';
import { relayBound, type RequestService } from './requests';

export interface ViewerTtls {
  viewerOpenSeconds: number;
  viewerSessionSeconds: number;
}

export interface ViewerServiceDeps {
  storage: Storage;
  requests: RequestService;
  clock: Clock;
  ttl: ViewerTtls;
  publicUrl: string;
}

/** The browser that opened a viewer or asked for a value, for the audit trail. */
export interface BrowserInfo {
  ip: string;
  userAgent?: string;
}

/** A just-opened viewer: the session secret goes into an HttpOnly cookie scoped to `/v/s/<handle>`. */
export interface OpenedViewer {
  token: string;
  handle: string;
}

export type RevealOutcome = { fieldId: string; value: string } | { fieldId: string; expired: true };

const SECRET_TYPES: ReadonlySet<FieldType> = new Set<FieldType>(['card_number', 'cvv', 'ssn']);
const MAX_USER_AGENT = 256;

/** How long a handle is, in hex digits; the routes refuse any other shape before it reaches a cookie's Path. */
const HANDLE_HEX_DIGITS = 32;
export const VIEWER_HANDLE_PATTERN = `^[0-9a-f]{${HANDLE_HEX_DIGITS}}$`;

/** The public part of a session's URL, derived from its secret so no column is needed to check it. */
export function viewerHandle(token: string): string {
  return sha256Hex(`viewer-handle\u0000${token}`).slice(0, HANDLE_HEX_DIGITS);
}

/** Whether a session cookie's token is the one behind this handle: a hash, no database call. */
export function isSessionOf(token: string, handle: string): boolean {
  return looksLikeOtk(token) && constantTimeEqual(handle, viewerHandle(token));
}

/**
 * Strict viewing: the agent's browser reads values from the vault's own page, so Rocket.Chat only
 * ever carries a short-lived, single-use link bound to one user. Minting checks who may look;
 * opening turns the link into a page session of a few minutes; every reveal or copy of a secret
 * is one audited server call; the room's close ends it all (its OTKs and sessions are deleted).
 */
export class ViewerService {
  constructor(private readonly deps: ViewerServiceDeps) {}

  /** A viewer link for the request's sender, or for a manager where the site allows it. */
  async mint(site: SiteRow, requestId: string, body: CreateViewerBody): Promise<CreateViewerResponse> {
    const { storage, clock, ttl } = this.deps;
    const request = await storage.getRequest(requestId);
    if (!request || request.siteId !== site.siteId) throw new VaultError('not_found', 'There is no such request.');
    const purpose: ViewerPurpose = body.purpose ?? 'sender';
    const actor = actorOf(purpose, body.agentId);
    const now = clock();
    const refuse = async (reason: string, error: VaultError): Promise<never> => {
      await storage.appendAudit(
        auditEvent('viewer.refused', { at: now, siteId: site.siteId, actor, requestId, detail: { reason, purpose } }),
      );
      throw error;
    };
    let reason: string | undefined;
    if (parseSpec(request.spec).relay) return refuse('relay_bound', relayBound());
    if (purpose === 'sender') {
      if (body.agentId !== request.agentId) {
        return refuse(
          'not_sender',
          new VaultError('not_sender', 'Only the agent who sent this request can view its answer.'),
        );
      }
    } else {
      reason = cleanReason(body.reason);
      if (!(await storage.getSitePolicy(site.siteId, 'manager_view'))) {
        return refuse(
          'manager_view_off',
          new VaultError(
            'forbidden',
            "Manager viewing is off for this site; the vault's admin can turn it on (vault:cli site manager-view).",
          ),
        );
      }
    }
    if (await storage.isRoomClosed(site.siteId, request.roomId)) {
      throw new VaultError('session_closed', 'The chat is closed; its secure data can no longer be viewed.');
    }
    if (request.status !== 'submitted')
      throw new VaultError('not_submitted', 'The visitor has not submitted this request.');
    const link = mintOtk();
    const expiresAt = now + ttl.viewerOpenSeconds * 1000;
    await storage.insertOtk(
      {
        hash: link.hash,
        purpose: purpose === 'manager' ? 'manager_view' : 'view',
        siteId: site.siteId,
        requestId,
        agentId: body.agentId,
        expiresAt,
      },
      auditEvent('viewer.mint', {
        at: now,
        siteId: site.siteId,
        actor,
        requestId,
        detail: reason === undefined ? { purpose } : { purpose, reason },
      }),
    );
    return { viewerUrl: `${this.deps.publicUrl}/v/${link.otk}`, expiresAt: iso(expiresAt) };
  }

  /** True while a viewer link can still be opened; looks only, uses nothing up. */
  async isLinkLive(otk: string): Promise<boolean> {
    const link = await this.peekLink(otk);
    return link !== undefined && (await this.liveRequest(link)) !== undefined;
  }

  /** Opens a viewer link (single use) into a page session; undefined for a dead link. */
  async open(otk: string, browser: BrowserInfo): Promise<OpenedViewer | undefined> {
    // Looked at first only to name the actor in the audit; the consume below decides.
    const link = await this.peekLink(otk);
    if (!link || !(await this.liveRequest(link))) return undefined;
    const { storage, clock, ttl } = this.deps;
    const now = clock();
    const session = mintOtk();
    const expiresAt = now + ttl.viewerSessionSeconds * 1000;
    const manager = link.purpose === 'manager_view';
    const opened = await storage.openViewer(
      hashOtk(otk),
      { hash: session.hash, expiresAt },
      now,
      auditEvent('viewer.open', {
        at: now,
        actor: actorOf(manager ? 'manager' : 'sender', link.agentId ?? ''),
        detail: { purpose: manager ? 'manager' : 'sender', ...browserDetail(browser) },
      }),
    );
    if (!opened) return undefined;
    return { token: session.otk, handle: viewerHandle(session.otk) };
  }

  /** The page of a live session: fields with their first display, never a secret in clear. */
  async page(token: string, handle: string): Promise<ViewerPage | undefined> {
    const live = await this.session(token, handle);
    if (!live) return undefined;
    const { request, session } = live;
    const spec = parseSpec(request.spec);
    const manager = session.purpose === 'manager_session';
    const values = await this.values(request, !manager, actorOf(manager ? 'manager' : 'sender', session.agentId ?? ''));
    const fields = spec.fields.map((field): ViewerField => {
      const base = { id: field.id, label: field.label, type: field.type };
      const value = values[field.id];
      if (field.offTheRecord) {
        if (manager) return { ...base, state: 'withheld' };
        if (value === undefined) return { ...base, state: 'expired' };
        return { ...base, state: value === '' ? 'empty' : 'hidden' };
      }
      if (value === undefined || value === '') return { ...base, state: 'empty' };
      if (field.type === 'card_number') return { ...base, state: 'masked', display: maskCardNumber(value) };
      if (field.masked || SECRET_TYPES.has(field.type)) return { ...base, state: 'hidden' };
      return { ...base, state: 'shown', display: value };
    });
    const page: ViewerPage = {
      requestId: request.requestId,
      kind: request.kind,
      title: spec.title,
      purpose: manager ? 'manager' : 'sender',
      fields,
      copy: await this.deps.storage.getSitePolicy(request.siteId, 'viewer_copy'),
      expiresAt: iso(session.expiresAt),
    };
    if (spec.idv) page.idv = spec.idv;
    return page;
  }

  /** Whether the session may still show values: the page asks while a value is on it. Audits nothing. */
  async isSessionLive(token: string, handle: string): Promise<boolean> {
    return (await this.session(token, handle)) !== undefined;
  }

  /**
   * One field's value for the page's Reveal or Copy: checked against the live session, read from
   * the vault there and then, and audited. Undefined for a dead session.
   */
  async reveal(
    token: string,
    handle: string,
    fieldId: string,
    action: 'reveal' | 'copy',
    browser: BrowserInfo,
  ): Promise<RevealOutcome | undefined> {
    const live = await this.session(token, handle);
    if (!live) return undefined;
    const { request, session } = live;
    const field = parseSpec(request.spec).fields.find((candidate) => candidate.id === fieldId);
    if (!field) throw new VaultError('bad_request', 'This request has no such field.');
    const manager = session.purpose === 'manager_session';
    if (manager && field.offTheRecord) {
      throw new VaultError('forbidden', 'Off-the-record values are never shown to managers.');
    }
    if (action === 'copy' && !(await this.deps.storage.getSitePolicy(request.siteId, 'viewer_copy'))) {
      throw new VaultError(
        'forbidden',
        "Copying is off for this site (the vault's admin: vault:cli site viewer-copy).",
      );
    }
    const values = await this.values(
      request,
      field.offTheRecord,
      actorOf(manager ? 'manager' : 'sender', session.agentId ?? ''),
    );
    // Only an off-the-record value expires; a field never filled in is empty.
    const expired = field.offTheRecord && values[field.id] === undefined;
    const value = values[field.id] ?? '';
    const now = this.deps.clock();
    await this.deps.storage.appendAudit(
      auditEvent(action === 'copy' ? 'viewer.copy' : 'viewer.reveal', {
        at: now,
        siteId: request.siteId,
        actor: actorOf(manager ? 'manager' : 'sender', session.agentId ?? ''),
        requestId: request.requestId,
        detail: { fieldId, ...(expired ? { expired: true } : {}), ...browserDetail(browser) },
      }),
    );
    return expired ? { fieldId, expired: true } : { fieldId, value };
  }

  /** The viewer's "hide": the session ends now. False when it had already ended. */
  async hide(token: string, handle: string, browser: BrowserInfo): Promise<boolean> {
    const live = await this.session(token, handle);
    if (!live) return false;
    const now = this.deps.clock();
    const manager = live.session.purpose === 'manager_session';
    const ended = await this.deps.storage.endViewerSession(
      hashOtk(token),
      now,
      auditEvent('viewer.hide', {
        at: now,
        actor: actorOf(manager ? 'manager' : 'sender', live.session.agentId ?? ''),
        detail: browserDetail(browser),
      }),
    );
    return ended !== undefined;
  }

  private async peekLink(otk: string): Promise<OtkRow | undefined> {
    if (!looksLikeOtk(otk)) return undefined;
    const now = this.deps.clock();
    const hash = hashOtk(otk);
    return (
      (await this.deps.storage.peekOtk(hash, 'view', now)) ??
      (await this.deps.storage.peekOtk(hash, 'manager_view', now))
    );
  }

  private async session(token: string, handle: string): Promise<{ request: RequestRow; session: OtkRow } | undefined> {
    if (!isSessionOf(token, handle)) return undefined;
    const now = this.deps.clock();
    const hash = hashOtk(token);
    const session =
      (await this.deps.storage.peekOtk(hash, 'view_session', now)) ??
      (await this.deps.storage.peekOtk(hash, 'manager_session', now));
    if (!session) return undefined;
    const request = await this.liveRequest(session);
    return request ? { request, session } : undefined;
  }

  /**
   * The request behind a link or session while it may still be viewed: submitted, room open, the
   * sender still the one it was minted for, and for managers the site's switch still on.
   */
  private async liveRequest(otk: OtkRow): Promise<RequestRow | undefined> {
    const { storage } = this.deps;
    const request = await storage.getRequest(otk.requestId);
    if (!request || request.siteId !== otk.siteId || request.status !== 'submitted') return undefined;
    if (await storage.isRoomClosed(request.siteId, request.roomId)) return undefined;
    const manager = otk.purpose === 'manager_view' || otk.purpose === 'manager_session';
    if (manager ? !(await storage.getSitePolicy(request.siteId, 'manager_view')) : otk.agentId !== request.agentId)
      return undefined;
    return request;
  }

  private async values(request: RequestRow, withOffRecord: boolean, actor: string): Promise<Record<string, string>> {
    const spec = parseSpec(request.spec);
    const offRecord = withOffRecord && spec.fields.some((field) => field.offTheRecord);
    return this.deps.requests.readValues(request, { offRecord, actor });
  }
}

function actorOf(purpose: ViewerPurpose, userId: string): string {
  return purpose === 'manager' ? `manager:${userId}` : `agent:${userId}`;
}

/** A manager's reason: required, one visible line of plain text, within the contract's lengths, no card number. */
function cleanReason(reason: string | undefined): string {
  const { managerReasonMin: min, managerReasonMax: max } = LIMITS;
  const cleaned = (reason ?? '').replace(/\s+/g, ' ').trim();
  if (cleaned.length < min) {
    throw new VaultError('bad_request', `A manager must give a reason (at least ${min} characters) to view values.`);
  }
  if (cleaned.length > max) throw new VaultError('bad_request', `The reason is longer than ${max} characters.`);
  // It is written to the audit trail, which a SIEM and a person read.
  if (holdsForbiddenCharacter(cleaned))
    throw new VaultError(
      'bad_request',
      'The reason must be plain text: no control characters and none that change the reading direction.',
    );
  if (!isVisible(cleaned))
    throw new VaultError('bad_request', 'The reason must show something: not only spaces or invisible characters.');
  // The audit trail is free of card data: a reference to the case does not need 12 digits in a row.
  if (holdsCardLikeRun(cleaned))
    throw new VaultError('bad_request', 'The reason must not hold a card number (a run of 12 or more digits).');
  return cleaned;
}

/** IP and user agent for the audit, the agent truncated and stripped of control characters. */
function browserDetail(browser: BrowserInfo): { ip: string; userAgent: string } {
  return {
    ip: browser.ip,
    userAgent: (browser.userAgent ?? '').replace(/[\u0000-\u001f\u007f]/g, '').slice(0, MAX_USER_AGENT),
  };
}
