import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { auditEvent } from '../audit/events';
import type { VisitorRequestView } from '../contract';
import { ownValue } from '../contract/own-value';
import { sealForSite } from '../crypto/sealed-box';
import { VaultError } from '../errors';
import { hashOtk, looksLikeOtk, mintOtk } from '../otk/otk';
import type { PageBrand } from '../pages/brand';
import { idvFields } from '../pages/idv-fields';
import type { RecordRow, RequestRow, SubmitTarget } from '../storage/types';
import { normalizeValue, validateValues, type FieldError } from '../contract/field-rules';
import { iso } from './clock';
import { ephemeralKey, givenValues, parseSpec, type RequestSpec } from './request-spec';
import { pageBrandOf } from './sites';
import { detachRecordKey } from '../crypto/record-key';
import type { FormSessions } from './form-session';
import type { RequestServiceDeps } from './requests';

/** How long one submit may hold its link's claim; a crashed instance's claim lapses after this. */
const SUBMIT_CLAIM_MS = 20_000;
/** A second submit of the same link waits up to 200 × 25 ms for the first to finish. */
const SUBMIT_CLAIM_TRIES = 200;
const SUBMIT_CLAIM_POLL_MS = 25;
/** When a submit whose commit answer was lost reads its request again, until one read succeeds. */
const RECHECK_DELAYS_MS = [1000, 5000, 30_000];

/** An opened request as the visitor side needs it; URLs are paths, callers make them absolute. */
export interface OpenedRequest {
  view: VisitorRequestView;
  submitPath: string;
  cancelPath: string;
  /** An ID&V page whose site lets the visitor paste the whole secret (`site idv-paste`). */
  idvPaste: boolean;
  /** The site's branding (`site brand`); undefined for neutral pages. */
  brand?: PageBrand;
}

/** The outcome of a visitor's submit: done, or the fields to correct (the link stays usable). */
export type SubmitOutcome =
  | { status: 'submitted'; locale: string }
  | {
      status: 'invalid';
      errors: Record<string, FieldError>;
      view: VisitorRequestView;
      idvPaste: boolean;
      brand?: PageBrand;
    };

/** What the start step may show about a live visitor link before it is opened; nothing secret. */
export interface VisitorLinkPreview {
  kind: VisitorRequestView['kind'];
  title: string;
  locale: string;
  brand?: PageBrand;
}

/**
 * The visitor's side of a request: the start step, opening the link, submitting (validated with the
 * page's own rules, then tokenized or sealed before storage sees a value) and cancelling.
 */
export class VisitorFlow {
  constructor(
    private readonly deps: RequestServiceDeps,
    /** The browsers' form sessions (FormSessions), made at open and checked at resume. */
    readonly sessions: FormSessions,
  ) {}

  /**
   * Looks at a visitor link without using it up: what the start step shows, or undefined for a
   * link that could not be opened (used, expired, unknown, or its room closed). Link previewers
   * and mail scanners fetch links by GET, so a GET must change nothing.
   */
  async preview(otk: string): Promise<VisitorLinkPreview | undefined> {
    const { storage, clock } = this.deps;
    if (!looksLikeOtk(otk)) return undefined;
    const target = await storage.findPreviewTarget(hashOtk(otk), clock());
    if (!target) return undefined;
    return {
      kind: target.kind,
      title: target.title,
      locale: target.locale,
      brand: target.brand ? pageBrandOf(target.brand) : undefined,
    };
  }

  /** Opens a visitor link (single use): returns what the page shows, or undefined for a dead link. */
  async open(otk: string): Promise<(OpenedRequest & { formSession: string }) | undefined> {
    const { storage, clock, ttl } = this.deps;
    if (!looksLikeOtk(otk)) return this.refuse('open');
    const now = clock();
    const submit = mintOtk();
    const request = await storage.openRequest(
      hashOtk(otk),
      { hash: submit.hash, expiresAt: now + ttl.submitSeconds * 1000 },
      now,
      auditEvent('request.open', { at: now, actor: 'visitor' }),
    );
    if (!request) return this.refuse('open');
    this.deps.events?.otk?.('open', 'used');
    this.deps.events?.otk?.('submit', 'minted');
    this.deps.doorbell.ring(request.callbackUrl, request.requestId, 'opened');
    return { ...(await this.openedPage(request, submit.otk)), formSession: this.sessions.issue(otk, submit.otk) };
  }

  /**
   * The opened request again, by its live submit key (from a form session issued at the link): for
   * the browser that opened it, after a reload or on following the link again. Uses nothing up;
   * undefined once the request is submitted, cancelled, expired or its room closed.
   */
  async resume(submitOtk: string): Promise<OpenedRequest | undefined> {
    if (!looksLikeOtk(submitOtk)) return undefined;
    const request = await this.deps.storage.findSubmitTarget(hashOtk(submitOtk), this.deps.clock());
    return request && this.openedPage(request, submitOtk);
  }

  private async openedPage(
    request: Pick<RequestRow, 'requestId' | 'kind' | 'locale' | 'spec' | 'expiresAt' | 'siteId'>,
    submitOtk: string,
  ): Promise<OpenedRequest> {
    const submitPath = `/f/${submitOtk}/submit`;
    const cancelPath = `/f/${submitOtk}/cancel`;
    return {
      view: this.visitorView(request, submitPath, cancelPath),
      submitPath,
      cancelPath,
      idvPaste: await this.idvPaste(request),
      brand: await this.deps.sites.pageBrand(request.siteId),
    };
  }

  /**
   * A visitor's submit: validates with the same rules as the page (the link stays usable when
   * fields are wrong), then tokenizes on-record fields into one JWE, seals off-the-record ones
   * into memory, and consumes the submit OTK with the record insert in one transaction.
   * Undefined means a dead link. One read before that transaction: the request the link leads to.
   */
  async submit(otk: string, rawValues: Record<string, string>): Promise<SubmitOutcome | undefined> {
    const { storage, clock } = this.deps;
    if (!looksLikeOtk(otk)) return this.refuse('submit');
    const hash = hashOtk(otk);
    const now = clock();
    const request = await storage.findSubmitTarget(hash, now);
    if (!request) return this.refuse('submit');
    const spec = parseSpec(request.spec);
    const errors = validateValues(spec.fields, rawValues, new Date(now));
    if (Object.keys(errors).length > 0) {
      const { view, idvPaste, brand } = await this.openedPage(request, otk);
      return { status: 'invalid', errors, view, idvPaste, brand };
    }
    const onRecord: Record<string, string> = {};
    const offRecord: Record<string, string> = {};
    for (const field of spec.fields) {
      const value = normalizeValue(field, ownValue(rawValues, field.id) ?? '');
      // An off-the-record field left blank is kept blank: while the entry lives it reads as not
      // filled in, where a missing one reads as expired (send the form again).
      if (field.offTheRecord) offRecord[field.id] = value;
      else if (value !== '') onRecord[field.id] = value;
    }
    const hasOnRecord = Object.keys(onRecord).length > 0;
    const hasOffRecord = Object.keys(offRecord).length > 0;
    const siteKey =
      hasOnRecord || hasOffRecord ? await this.deps.sites.activeKey(request.siteId, request.keyGeneration) : undefined;
    const record = siteKey && hasOnRecord ? await this.tokenize(request, siteKey, onRecord, now) : null;
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
    // A commit whose answer was lost may stand: then the entry must stay (its TTL ends it).
    let outcomeUnknown = false;
    try {
      if (siteKey && hasOffRecord) {
        const sealed = sealForSite(siteKey.kid, siteKey.key, key, Buffer.from(JSON.stringify(offRecord), 'utf8'));
        const ttlMs = this.deps.ttl.offRecordSeconds * 1000;
        if (await this.deps.ephemeral.add(key, sealed, ttlMs)) wrote = true;
        else {
          // Under the claim, an entry already there is a committed submit's (keep it) or one's that
          // failed before it could clean up (replace it): only a still-live link says which.
          if (!(await storage.findSubmitTarget(hash, clock()))) return this.refuse('submit');
          wrote = true;
          await this.deps.ephemeral.put(key, sealed, ttlMs);
        }
      }
      const event = auditEvent('request.submit', {
        at: now,
        actor: 'visitor',
        detail: { recordId: record?.recordId ?? null, offTheRecord: Object.keys(givenValues(offRecord)).length },
      });
      try {
        submitted = await storage.submitRequest(hash, request.requestId, record, now, event);
      } catch (error) {
        // The commit's answer may be lost while the commit stands: read the request again.
        const after = await storage.getRequest(request.requestId).catch(() => 'unreadable' as const);
        if (after === 'unreadable') {
          outcomeUnknown = true;
          this.ringIfCommitted(request.requestId, now);
        } else if (after?.status === 'submitted' && after.submittedAt === now) submitted = after;
        if (!submitted) throw error;
      }
    } finally {
      // After a commit the submit stands: if the claim cannot be dropped now, it lapses on its own.
      if (submitted || outcomeUnknown) await this.deps.ephemeral.delete(claims).catch(() => undefined);
      else await this.deps.ephemeral.delete(wrote ? [key, ...claims] : claims);
    }
    if (!submitted) return this.refuse('submit');
    this.deps.events?.otk?.('submit', 'used');
    this.deps.doorbell.ring(submitted.callbackUrl, submitted.requestId, 'submitted');
    return { status: 'submitted', locale: submitted.locale };
  }

  /**
   * After a submit whose outcome could not be read: reads the request again a little later and, if
   * that submit stood, rings the doorbell it could not ring (the app would otherwise never look).
   */
  private ringIfCommitted(requestId: string, submittedAt: number, attempt = 0): void {
    if (attempt >= RECHECK_DELAYS_MS.length) return;
    const recheck = setTimeout(() => {
      void this.deps.storage.getRequest(requestId).then(
        (row) => {
          if (row?.status === 'submitted' && row.submittedAt === submittedAt)
            this.deps.doorbell.ring(row.callbackUrl, requestId, 'submitted');
        },
        () => this.ringIfCommitted(requestId, submittedAt, attempt + 1),
      );
    }, RECHECK_DELAYS_MS[attempt]);
    recheck.unref();
  }

  /** The visitor closed the dialog: the request's locale when it was cancelled, undefined for a dead link. */
  async cancel(otk: string): Promise<{ locale: string } | undefined> {
    if (!looksLikeOtk(otk)) return this.refuse('submit');
    const now = this.deps.clock();
    const cancelled = await this.deps.storage.cancelRequest(
      hashOtk(otk),
      now,
      auditEvent('request.cancel', { at: now, actor: 'visitor' }),
    );
    if (!cancelled) return this.refuse('submit');
    this.deps.events?.otk?.('submit', 'used');
    this.deps.doorbell.ring(cancelled.callbackUrl, cancelled.requestId, 'cancelled');
    return { locale: cancelled.locale };
  }

  private async idvPaste(request: Pick<RequestRow, 'kind' | 'siteId'>): Promise<boolean> {
    return request.kind === 'idv' && (await this.deps.storage.getSitePolicy(request.siteId, 'idv_paste'));
  }

  /** Takes a submit claim, waiting a little while another submit of the same link finishes. */
  private async claimSubmit(claim: string): Promise<boolean> {
    for (let attempt = 0; attempt < SUBMIT_CLAIM_TRIES; attempt += 1) {
      if (await this.deps.ephemeral.add(claim, Buffer.alloc(0), SUBMIT_CLAIM_MS)) return true;
      await sleep(SUBMIT_CLAIM_POLL_MS);
    }
    return false;
  }

  private async tokenize(
    request: SubmitTarget,
    siteKey: { kid: string; key: Buffer },
    values: Record<string, string>,
    now: number,
  ): Promise<RecordRow> {
    const { kid, key } = siteKey;
    const recordId = randomUUID();
    const started = process.hrtime.bigint();
    const token = await this.deps.tokenizer.encrypt(
      { siteId: request.siteId, recordId },
      kid,
      key,
      Buffer.from(JSON.stringify(values), 'utf8'),
    );
    this.deps.events?.crypto?.('encrypt', Number(process.hrtime.bigint() - started) / 1e9);
    // The record's own key goes to a table of its own: erasure destroys it (crypto/record-key.ts).
    const detached = detachRecordKey(token);
    return {
      recordId,
      requestId: request.requestId,
      siteId: request.siteId,
      kid,
      token: detached.token,
      wrappedKey: detached.wrappedKey,
      createdAt: now,
    };
  }

  private visitorView(
    request: Pick<RequestRow, 'requestId' | 'kind' | 'locale' | 'spec' | 'expiresAt'>,
    submitUrl: string,
    cancelUrl: string,
  ): VisitorRequestView {
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
