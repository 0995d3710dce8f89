import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  CreateRequestBody,
  CreateRequestResponse,
  DetokenizeResponse,
  MintOtkResponse,
  RequestStateResponse,
  RequestStatus,
  VisitorRequestView,
} from '../contract';
import { openForSite, sealForSite, siteSealedKid } from '../crypto/sealed-box';
import { TokenizeError, type Tokenizer } from '../crypto/tokenizer';
import type { EphemeralStore } from '../ephemeral/types';
import { IntegrityError, StorageUnavailableError, VaultError, invalidOtk } from '../errors';
import { hashOtk, looksLikeOtk, mintOtk } from '../otk/otk';
import { idvFields } from '../pages/idv-fields';
import type { RecordRow, RequestRow, SiteRow, Storage } from '../storage/types';
import { normalizeValue, validateValues, type FieldError } from '../validation/rules';
import { iso, type Clock } from './clock';
import type { Doorbell } from './doorbell';
import { buildRequestSpec, ephemeralKey, parseSpec, type RequestSpec } from './request-spec';
import { isUnderOrigin, type SiteService } from './sites';

export interface RequestTtls {
  openSeconds: number;
  submitSeconds: number;
  detokenizeSeconds: number;
  offRecordSeconds: number;
}

/** What the service reports for metrics; all optional. */
export interface RequestEvents {
  otk?: (purpose: 'open' | 'submit' | 'detokenize', outcome: 'minted' | 'used' | 'refused') => void;
  crypto?: (operation: 'encrypt' | 'decrypt', seconds: number) => void;
}

export interface RequestServiceDeps {
  storage: Storage;
  ephemeral: EphemeralStore;
  sites: SiteService;
  tokenizer: Tokenizer;
  doorbell: Doorbell;
  clock: Clock;
  ttl: RequestTtls;
  publicUrl: string;
  events?: RequestEvents;
}

/** How long one submit may hold its link's claim; a crashed instance's claim lapses after this. */
const SUBMIT_CLAIM_MS = 20_000;
/** A second submit of the same link waits up to 200 × 25 ms for the first to finish. */
const SUBMIT_CLAIM_TRIES = 200;
const SUBMIT_CLAIM_POLL_MS = 25;

/** An opened request as the visitor side needs it; URLs are paths, callers make them absolute. */
export interface OpenedRequest {
  view: VisitorRequestView;
  submitPath: string;
  cancelPath: string;
}

/** The outcome of a visitor's submit: done, or the fields to correct (the link stays usable). */
export type SubmitOutcome =
  | { status: 'submitted'; locale: string }
  | { status: 'invalid'; errors: Record<string, FieldError>; view: VisitorRequestView };

/** What the start step may show about a live visitor link before it is opened; nothing secret. */
export interface VisitorLinkPreview {
  kind: VisitorRequestView['kind'];
  title: string;
  locale: string;
}

/**
 * The life of a request, from the app's create to the sender's detokenize. The only place that
 * knows both crypto and storage: values are sealed or tokenized here before storage sees them.
 */
export class RequestService {
  constructor(private readonly deps: RequestServiceDeps) {}

  async create(site: SiteRow, body: CreateRequestBody): Promise<CreateRequestResponse> {
    const { storage, clock, ttl } = this.deps;
    if (!isUnderOrigin(body.callbackUrl, site.origin)) {
      throw new VaultError('bad_request', `callbackUrl must be under the site's origin ${site.origin}.`);
    }
    const spec = buildRequestSpec(body);
    if (await storage.isRoomClosed(site.siteId, body.roomId)) {
      throw new VaultError('session_closed', 'This room was closed; no new requests can be made for it.');
    }
    const now = clock();
    const requestId = randomUUID();
    const open = mintOtk();
    const expiresAt = now + ttl.openSeconds * 1000;
    const request: RequestRow = {
      requestId,
      siteId: site.siteId,
      kind: body.kind,
      roomId: body.roomId,
      agentId: body.agentId,
      visitorToken: body.visitorToken ?? null,
      locale: body.locale ?? 'en',
      callbackUrl: body.callbackUrl,
      spec: JSON.stringify(spec),
      status: 'pending',
      createdAt: now,
      openedAt: null,
      submittedAt: null,
      finishedAt: null,
      viewedAt: null,
      expiresAt,
    };
    await storage.createRequest(
      request,
      { hash: open.hash, purpose: 'open', siteId: site.siteId, requestId, agentId: null, expiresAt },
      {
        at: now,
        siteId: site.siteId,
        actor: `agent:${body.agentId}`,
        action: 'request.create',
        requestId,
        detail: JSON.stringify({ kind: body.kind, roomId: body.roomId, formId: spec.formId }),
      },
    );
    this.deps.events?.otk?.('open', 'minted');
    return { requestId, visitorUrl: `${this.deps.publicUrl}/f/${open.otk}`, expiresAt: iso(expiresAt) };
  }

  async state(site: SiteRow, requestId: string): Promise<RequestStateResponse> {
    return this.describe(await this.owned(site, requestId));
  }

  async listRoom(site: SiteRow, roomId: string): Promise<RequestStateResponse[]> {
    return (await this.deps.storage.listRoomRequests(site.siteId, roomId)).map((row) => this.describe(row));
  }

  /** Mints a detokenize OTK for the request's sender only, while the room is open. */
  async mintDetokenizeOtk(site: SiteRow, requestId: string, agentId: string): Promise<MintOtkResponse> {
    const { storage, clock, ttl } = this.deps;
    const request = await this.owned(site, requestId);
    const now = clock();
    if (agentId !== request.agentId) {
      this.deps.events?.otk?.('detokenize', 'refused');
      await storage.appendAudit({
        at: now,
        siteId: site.siteId,
        actor: `agent:${agentId}`,
        action: 'otk.refused',
        requestId,
        detail: JSON.stringify({ reason: 'not_sender' }),
      });
      throw new VaultError('not_sender', 'Only the agent who sent this request can view its answer.');
    }
    if (await storage.isRoomClosed(site.siteId, request.roomId)) {
      throw new VaultError('session_closed', 'The chat is closed; its secure data can no longer be viewed.');
    }
    if (request.status !== 'submitted')
      throw new VaultError('not_submitted', 'The visitor has not submitted this request.');
    const minted = mintOtk();
    const expiresAt = now + ttl.detokenizeSeconds * 1000;
    await storage.insertOtk(
      { hash: minted.hash, purpose: 'detokenize', siteId: site.siteId, requestId, agentId, expiresAt },
      {
        at: now,
        siteId: site.siteId,
        actor: `agent:${agentId}`,
        action: 'otk.mint',
        requestId,
        detail: JSON.stringify({ purpose: 'detokenize' }),
      },
    );
    this.deps.events?.otk?.('detokenize', 'minted');
    return { otk: minted.otk, expiresAt: iso(expiresAt) };
  }

  /** Redeems a detokenize OTK once and returns the values; every failure is the same 403. */
  async detokenize(site: SiteRow, otk: string, agentId: string): Promise<DetokenizeResponse> {
    const { storage, clock } = this.deps;
    const now = clock();
    const refuse = async (requestId: string | null): Promise<never> => {
      this.deps.events?.otk?.('detokenize', 'refused');
      await storage.appendAudit({
        at: now,
        siteId: site.siteId,
        actor: `agent:${agentId}`,
        action: 'detokenize.refused',
        requestId,
        detail: null,
      });
      throw invalidOtk();
    };
    const hash = looksLikeOtk(otk) ? hashOtk(otk) : undefined;
    const live = hash ? await storage.peekOtk(hash, 'detokenize', now) : undefined;
    const request =
      live && live.siteId === site.siteId && live.agentId === agentId
        ? await storage.getRequest(live.requestId)
        : undefined;
    if (
      !hash ||
      !request ||
      request.agentId !== agentId ||
      request.status !== 'submitted' ||
      (await storage.isRoomClosed(site.siteId, request.roomId))
    ) {
      return refuse(request?.requestId ?? null);
    }
    // Read before consuming: a backend failure here (503) leaves the OTK usable for a retry.
    const spec = parseSpec(request.spec);
    // Only requests with off-the-record fields need the ephemeral store (so the rest reveal while Redis is down).
    const hasOffRecord = spec.fields.some((field) => field.offTheRecord);
    const values = await this.readValues(request, { offRecord: hasOffRecord, actor: `agent:${agentId}` });
    if (!(await storage.consumeDetokenizeOtk(hash, site.siteId, agentId, now))) return refuse(request.requestId);
    this.deps.events?.otk?.('detokenize', 'used');
    const expired = spec.fields
      .filter((field) => field.offTheRecord && values[field.id] === undefined)
      .map((field) => field.id);
    await storage.markViewed(request.requestId, now, {
      at: now,
      siteId: site.siteId,
      actor: `agent:${agentId}`,
      action: 'detokenize.ok',
      requestId: request.requestId,
      detail: expired.length > 0 ? JSON.stringify({ expired }) : null,
    });
    return { requestId: request.requestId, values, expired };
  }

  /** Ends a room's session: its links and OTKs die, its off-the-record data is erased. */
  async closeSession(site: SiteRow, roomId: string): Promise<void> {
    const now = this.deps.clock();
    const ids = await this.deps.storage.closeRoom(site.siteId, roomId, now, {
      at: now,
      siteId: site.siteId,
      actor: `site:${site.siteId}`,
      action: 'session.close',
      requestId: null,
      detail: JSON.stringify({ roomId }),
    });
    await this.deps.ephemeral.delete(ids.map(ephemeralKey));
  }

  /**
   * Looks at a visitor link without using it up: what the start step shows, or undefined for a
   * link that could not be opened (used, expired, unknown, or its room closed). Link previewers
   * and mail scanners fetch links by GET, so a GET must change nothing.
   */
  async previewForVisitor(otk: string): Promise<VisitorLinkPreview | undefined> {
    const { storage, clock } = this.deps;
    if (!looksLikeOtk(otk)) return undefined;
    const now = clock();
    const row = await storage.peekOtk(hashOtk(otk), 'open', now);
    const request = row ? await storage.getRequest(row.requestId) : undefined;
    if (!request || request.status !== 'pending' || request.expiresAt <= now) return undefined;
    if (await storage.isRoomClosed(request.siteId, request.roomId)) return undefined;
    return { kind: request.kind, title: parseSpec(request.spec).title, locale: request.locale };
  }

  /** Opens a visitor link (single use): returns what the page shows, or undefined for a dead link. */
  async openForVisitor(otk: string): Promise<OpenedRequest | undefined> {
    const { storage, clock, ttl } = this.deps;
    if (!looksLikeOtk(otk)) return this.refuse('open');
    const now = clock();
    const submit = mintOtk();
    const request = await storage.openRequest(
      hashOtk(otk),
      { hash: submit.hash, expiresAt: now + ttl.submitSeconds * 1000 },
      now,
      {
        at: now,
        actor: 'visitor',
        action: 'request.open',
        detail: null,
      },
    );
    if (!request) return this.refuse('open');
    this.deps.events?.otk?.('open', 'used');
    this.deps.events?.otk?.('submit', 'minted');
    this.deps.doorbell.ring(request.callbackUrl, request.requestId, 'opened');
    const submitPath = `/f/${submit.otk}/submit`;
    const cancelPath = `/f/${submit.otk}/cancel`;
    return { view: this.visitorView(request, submitPath, cancelPath), submitPath, cancelPath };
  }

  /**
   * A visitor's submit: validates with the same rules as the page (the link stays usable when
   * fields are wrong), then tokenizes on-record fields into one JWE, seals off-the-record ones
   * into memory, and consumes the submit OTK with the record insert in one transaction.
   * Undefined means a dead link.
   */
  async submitFromVisitor(otk: string, rawValues: Record<string, string>): Promise<SubmitOutcome | undefined> {
    const { storage, clock } = this.deps;
    const request = await this.requestForSubmitOtk(otk);
    if (!request) return this.refuse('submit');
    const spec = parseSpec(request.spec);
    const now = clock();
    const errors = validateValues(spec.fields, rawValues, new Date(now));
    if (Object.keys(errors).length > 0) {
      return { status: 'invalid', errors, view: this.visitorView(request, `/f/${otk}/submit`, `/f/${otk}/cancel`) };
    }
    const onRecord: Record<string, string> = {};
    const offRecord: Record<string, string> = {};
    for (const field of spec.fields) {
      const raw = rawValues[field.id];
      if (raw === undefined || raw.trim() === '') continue;
      (field.offTheRecord ? offRecord : onRecord)[field.id] = normalizeValue(field, raw);
    }
    const record = Object.keys(onRecord).length > 0 ? await this.tokenize(request, onRecord, now) : null;
    const key = ephemeralKey(request.requestId);
    // Concurrent submits of one link (a double click, or calls landing on two instances) share the
    // request's off-the-record entry: a loser would overwrite the winner's values or erase them. So
    // one submit at a time holds the request's claim while it writes the entry and commits. A form
    // with nothing off the record needs no claim (and so keeps working while Redis is down).
    const claim = spec.fields.some((field) => field.offTheRecord) ? `${key}:submitting` : undefined;
    if (claim && !(await this.claimSubmit(claim)))
      throw new VaultError('conflict', 'This form is being submitted already; try again in a moment.');
    const claims = claim ? [claim] : [];
    let wrote = false;
    let submitted: RequestRow | undefined;
    try {
      // Under the claim, a still-live link means no other submit has committed: the entry is ours.
      if (claim && !(await this.requestForSubmitOtk(otk))) return this.refuse('submit');
      if (Object.keys(offRecord).length > 0) {
        const { kid, key: siteKey } = await this.deps.sites.activeKey(request.siteId);
        const sealed = sealForSite(kid, siteKey, key, Buffer.from(JSON.stringify(offRecord), 'utf8'));
        wrote = true;
        await this.deps.ephemeral.put(key, sealed, this.deps.ttl.offRecordSeconds * 1000);
      }
      submitted = await storage.submitRequest(hashOtk(otk), request.requestId, record, now, {
        at: now,
        actor: 'visitor',
        action: 'request.submit',
        detail: JSON.stringify({ recordId: record?.recordId ?? null, offTheRecord: Object.keys(offRecord).length }),
      });
    } finally {
      // After a commit the submit stands: if the claim cannot be dropped now, it lapses on its own.
      if (submitted) await this.deps.ephemeral.delete(claims).catch(() => undefined);
      else await this.deps.ephemeral.delete(wrote ? [key, ...claims] : claims);
    }
    if (!submitted) return this.refuse('submit');
    this.deps.events?.otk?.('submit', 'used');
    this.deps.doorbell.ring(submitted.callbackUrl, submitted.requestId, 'submitted');
    return { status: 'submitted', locale: submitted.locale };
  }

  /** The visitor closed the dialog: the request's locale when it was cancelled, undefined for a dead link. */
  async cancelFromVisitor(otk: string): Promise<{ locale: string } | undefined> {
    if (!looksLikeOtk(otk)) return this.refuse('submit');
    const now = this.deps.clock();
    const cancelled = await this.deps.storage.cancelRequest(hashOtk(otk), now, {
      at: now,
      actor: 'visitor',
      action: 'request.cancel',
      detail: null,
    });
    if (!cancelled) return this.refuse('submit');
    this.deps.events?.otk?.('submit', 'used');
    this.deps.doorbell.ring(cancelled.callbackUrl, cancelled.requestId, 'cancelled');
    return { locale: cancelled.locale };
  }

  /** Marks requests whose window ended as expired and rings their doorbells; returns how many. */
  async expireDue(limit = 500): Promise<number> {
    const expired = await this.deps.storage.expireDue(this.deps.clock(), limit);
    for (const request of expired) this.deps.doorbell.ring(request.callbackUrl, request.requestId, 'expired');
    return expired.length;
  }

  /** Takes a submit claim, waiting a little while another submit of the same link finishes. */
  private async claimSubmit(claim: string): Promise<boolean> {
    for (let attempt = 0; attempt < SUBMIT_CLAIM_TRIES; attempt += 1) {
      if (await this.deps.ephemeral.add(claim, Buffer.alloc(0), SUBMIT_CLAIM_MS)) return true;
      await sleep(SUBMIT_CLAIM_POLL_MS);
    }
    return false;
  }

  private async requestForSubmitOtk(otk: string): Promise<RequestRow | undefined> {
    if (!looksLikeOtk(otk)) return undefined;
    const now = this.deps.clock();
    const row = await this.deps.storage.peekOtk(hashOtk(otk), 'submit', now);
    const request = row ? await this.deps.storage.getRequest(row.requestId) : undefined;
    return request && request.status === 'opened' && request.expiresAt > now ? request : undefined;
  }

  private async tokenize(request: RequestRow, values: Record<string, string>, now: number): Promise<RecordRow> {
    const { kid, key } = await this.deps.sites.activeKey(request.siteId);
    const recordId = randomUUID();
    const started = process.hrtime.bigint();
    const token = await this.deps.tokenizer.encrypt(
      { siteId: request.siteId, recordId },
      kid,
      key,
      Buffer.from(JSON.stringify(values), 'utf8'),
    );
    this.deps.events?.crypto?.('encrypt', Number(process.hrtime.bigint() - started) / 1e9);
    return { recordId, requestId: request.requestId, siteId: request.siteId, kid, token, createdAt: now };
  }

  /** The on-record values of a submitted request, decrypted (empty when it has none). */
  async readRecord(request: RequestRow): Promise<Record<string, string>> {
    const record = await this.deps.storage.getRecord(request.requestId);
    if (!record) return {};
    const started = process.hrtime.bigint();
    let plaintext: Buffer;
    try {
      plaintext = await this.deps.tokenizer.decrypt(
        { siteId: request.siteId, recordId: record.recordId },
        record.token,
        (kid) => this.deps.sites.keyById(request.siteId, kid),
      );
    } catch (error) {
      if (error instanceof StorageUnavailableError) throw error;
      // Anything else is the token or its wrapped site key not opening: altered, moved or foreign.
      throw new IntegrityError('record', error instanceof TokenizeError ? error.reason : 'site_key');
    }
    this.deps.events?.crypto?.('decrypt', Number(process.hrtime.bigint() - started) / 1e9);
    return JSON.parse(plaintext.toString('utf8')) as Record<string, string>;
  }

  /**
   * A request's values as the sender may see them: the record, and the off-the-record entry when
   * `offRecord`. Stored data that fails its integrity check is audited (`integrity.failed`, with
   * `actor`) before the error goes on; the one read path for detokenize and the viewer.
   */
  async readValues(
    request: RequestRow,
    options: { offRecord: boolean; actor: string },
  ): Promise<Record<string, string>> {
    try {
      return {
        ...(await this.readRecord(request)),
        ...(options.offRecord ? await this.readEphemeral(request) : {}),
      };
    } catch (error) {
      if (error instanceof IntegrityError) {
        // If storage cannot take the audit row now, the log line (the error handler's) still says it.
        await this.deps.storage
          .appendAudit({
            at: this.deps.clock(),
            siteId: request.siteId,
            actor: options.actor,
            action: 'integrity.failed',
            requestId: request.requestId,
            detail: JSON.stringify({ source: error.source, reason: error.reason }),
          })
          .catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * A request's off-the-record values (or ID&V answers), or {} when they expired, were erased, or their site key is
   * gone (the site was removed: its entries are shredded).
   */
  async readEphemeral(request: { requestId: string; siteId: string }): Promise<Record<string, string>> {
    const key = ephemeralKey(request.requestId);
    const sealed = await this.deps.ephemeral.get(key);
    if (!sealed) return {};
    const envelope = siteSealedKid(sealed);
    if (!envelope) throw new IntegrityError('off_record', 'sealed_box');
    let plaintext: Buffer;
    try {
      const siteKey = await this.deps.sites.keyById(request.siteId, envelope.kid);
      if (!siteKey) return {};
      plaintext = openForSite(siteKey, key, envelope.body);
    } catch (error) {
      if (error instanceof StorageUnavailableError) throw error;
      throw new IntegrityError('off_record', 'sealed_box');
    }
    return JSON.parse(plaintext.toString('utf8')) as Record<string, string>;
  }

  private async owned(site: SiteRow, requestId: string): Promise<RequestRow> {
    const request = await this.deps.storage.getRequest(requestId);
    // Another site's request is as unknown as a missing one.
    if (!request || request.siteId !== site.siteId) throw new VaultError('not_found', 'There is no such request.');
    return request;
  }

  private describe(request: RequestRow): RequestStateResponse {
    const spec = parseSpec(request.spec);
    const state: RequestStateResponse = {
      requestId: request.requestId,
      kind: request.kind,
      status: effectiveStatus(request, this.deps.clock()),
      roomId: request.roomId,
      agentId: request.agentId,
      createdAt: iso(request.createdAt),
      title: spec.title,
      fields: spec.fields.map((field) => ({ id: field.id, label: field.label, offTheRecord: field.offTheRecord })),
    };
    if (request.openedAt !== null) state.openedAt = iso(request.openedAt);
    if (request.submittedAt !== null) state.submittedAt = iso(request.submittedAt);
    if (request.status === 'pending' || request.status === 'opened') state.expiresAt = iso(request.expiresAt);
    if (request.viewedAt !== null) state.viewedAt = iso(request.viewedAt);
    if (spec.idv) state.idv = spec.idv;
    return state;
  }

  private visitorView(request: RequestRow, submitUrl: string, cancelUrl: string): VisitorRequestView {
    const spec: RequestSpec = parseSpec(request.spec);
    const view: VisitorRequestView = {
      requestId: request.requestId,
      kind: request.kind,
      title: spec.title,
      locale: request.locale,
      // ID&V labels ('Character 2') in the request's language; form labels are the admin's own.
      fields: spec.idv ? idvFields(spec.idv, request.locale) : spec.fields,
      submitUrl,
      cancelUrl,
      expiresAt: iso(request.expiresAt),
    };
    if (spec.idv) view.idv = spec.idv;
    return view;
  }

  private refuse(purpose: 'open' | 'submit'): undefined {
    this.deps.events?.otk?.(purpose, 'refused');
    return undefined;
  }
}

/** A pending or opened request past its window reads as expired even before the sweep marks it. */
export function effectiveStatus(request: RequestRow, now: number): RequestStatus {
  if ((request.status === 'pending' || request.status === 'opened') && request.expiresAt <= now) return 'expired';
  return request.status;
}
