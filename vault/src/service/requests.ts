import { randomUUID } from 'node:crypto';
import type {
  ClaimableEvent,
  ClaimEventResponse,
  CreateRequestBody,
  CreateRequestResponse,
  DetokenizeResponse,
  MintOtkResponse,
  RequestStateResponse,
  RequestStatus,
} from '../contract';
import { LIMITS } from '../contract/limits';
import { attachRecordKey } from '../crypto/record-key';
import { openForSite, siteSealedKid } from '../crypto/sealed-box';
import { TokenizeError, type Tokenizer } from '../crypto/tokenizer';
import { auditEvent } from '../audit/events';
import type { EphemeralStore } from '../ephemeral/types';
import { IntegrityError, VaultError, invalidOtk, isStorageUnavailable } from '../errors';
import { hashOtk, looksLikeOtk, mintOtk } from '../otk/otk';
import { bindingProblem, type RelayConfig } from '../relay/config';
import type { RecordRow, RelaySendRow, RequestRow, SiteRow, Storage } from '../storage/types';
import { iso, type Clock } from './clock';
import type { Doorbell } from './doorbell';
import {
  buildRequestSpec,
  ephemeralKey,
  expiredOffRecord,
  givenValues,
  parseSpec,
  type RequestSpec,
} from './request-spec';
import { isUnderOrigin, type SiteService } from './sites';

/** Lapsed requests expired in one write transaction, and at most in one sweep (VAULT_SWEEP_INTERVAL_SECONDS). */
export const EXPIRE_BATCH = 50;
export const EXPIRE_PER_SWEEP = 5000;

/** Which request values are read for: the two columns that name it. */
export type RequestRef = Pick<RequestRow, 'requestId' | 'siteId'>;

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

/**
 * The agent's side of a request, from the app's create to the sender's detokenize (the visitor's
 * side is VisitorFlow). With VisitorFlow, the only place that knows both crypto and storage:
 * values are sealed or tokenized there before storage sees them, and opened here.
 */
export class RequestService {
  constructor(private readonly deps: RequestServiceDeps) {}

  async create(site: SiteRow, body: CreateRequestBody): Promise<CreateRequestResponse> {
    const { storage, clock, ttl } = this.deps;
    if (!isUnderOrigin(body.callbackUrl, site.origin)) {
      throw new VaultError('bad_request', `callbackUrl must be under the site's origin ${site.origin}.`);
    }
    const spec = buildRequestSpec(body);
    if (spec.relay) await this.checkRelayBinding(site, spec.relay, spec);
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
      // None given: the pages speak the visitor's browser language (Accept-Language), then English.
      locale: body.locale ?? '',
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
    const created = await storage.createRequest(
      request,
      { hash: open.hash, purpose: 'open', siteId: site.siteId, requestId, agentId: null, expiresAt },
      auditEvent('request.create', {
        at: now,
        actor: `agent:${body.agentId}`,
        siteId: site.siteId,
        requestId,
        detail: {
          kind: body.kind,
          roomId: body.roomId,
          formId: spec.formId,
          ...(spec.relay ? { relay: spec.relay } : {}),
        },
      }),
    );
    if (!created) throw new VaultError('session_closed', 'This room was closed; no new requests can be made for it.');
    this.deps.events?.otk?.('open', 'minted');
    return { requestId, visitorUrl: `${this.deps.publicUrl}/f/${open.otk}`, expiresAt: iso(expiresAt) };
  }

  async state(site: SiteRow, requestId: string): Promise<RequestStateResponse> {
    return this.describeWithOutcome(await this.owned(site, requestId));
  }

  /** describe(), plus a relay-bound request's outcome and kept answer fields once a send began. */
  async describeWithOutcome(request: RequestRow): Promise<RequestStateResponse> {
    const state = this.describe(request);
    if (state.relay) withOutcome(state, await this.deps.storage.getRelaySend(request.requestId));
    return state;
  }

  /**
   * A room's newest requests (at most LIMITS.roomList), oldest first; `truncated` when it holds
   * more. Bounded: one site filling a room must not make every listing stall the vault for all.
   */
  async listRoom(site: SiteRow, roomId: string): Promise<{ requests: RequestStateResponse[]; truncated: boolean }> {
    const rows = await this.deps.storage.listRoomRequests(site.siteId, roomId, LIMITS.roomList + 1);
    const truncated = rows.length > LIMITS.roomList;
    const requests = (truncated ? rows.slice(1) : rows).map((row) => this.describe(row));
    // The same state as state(): a relay-bound request's outcome too, all read at once.
    const bound = requests.filter((request) => request.relay);
    const sends = bound.length > 0 ? await this.deps.storage.getRelaySends(bound.map((r) => r.requestId)) : [];
    const sendOf = new Map(sends.map((send) => [send.requestId, send]));
    for (const request of bound) withOutcome(request, sendOf.get(request.requestId));
    return { requests, truncated };
  }

  /** The first claim of a request's event wins; a later one is a `conflict` (see ClaimEventResponse). */
  async claimEvent(site: SiteRow, requestId: string, event: ClaimableEvent): Promise<ClaimEventResponse> {
    await this.owned(site, requestId);
    if (!(await this.deps.storage.claimEvent(requestId, event, this.deps.clock()))) {
      throw new VaultError('conflict', 'This event of the request was already claimed.');
    }
    return { requestId, event, claimed: true };
  }

  /** Counts and audits a detokenize OTK that was not minted, and why. */
  private async auditRefusedMint(
    siteId: string,
    requestId: string,
    agentId: string,
    at: number,
    reason: 'relay_bound' | 'not_sender',
  ): Promise<void> {
    this.deps.events?.otk?.('detokenize', 'refused');
    await this.deps.storage.appendAudit(
      auditEvent('otk.refused', { at, actor: `agent:${agentId}`, siteId, requestId, detail: { reason } }),
    );
  }

  /** Mints a detokenize OTK for the request's sender only, while the room is open. */
  async mintDetokenizeOtk(site: SiteRow, requestId: string, agentId: string): Promise<MintOtkResponse> {
    const { storage, clock, ttl } = this.deps;
    const request = await this.owned(site, requestId);
    const now = clock();
    if (parseSpec(request.spec).relay) {
      await this.auditRefusedMint(site.siteId, requestId, agentId, now, 'relay_bound');
      throw relayBound();
    }
    if (agentId !== request.agentId) {
      await this.auditRefusedMint(site.siteId, requestId, agentId, now, 'not_sender');
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
      auditEvent('otk.mint', {
        at: now,
        actor: `agent:${agentId}`,
        siteId: site.siteId,
        requestId,
        detail: { purpose: 'detokenize' },
      }),
    );
    this.deps.events?.otk?.('detokenize', 'minted');
    return { otk: minted.otk, expiresAt: iso(expiresAt) };
  }

  /**
   * Redeems a detokenize OTK once and returns the values; every failure is the same 403. One read
   * finds the request, its record and the record's key; the values are decrypted before anything is
   * written, so a failed decrypt or a backend failure (503) leaves the OTK usable and writes nothing
   * but its `integrity.failed` entry; then one transaction consumes the OTK, marks the request
   * viewed and audits, re-checking everything the read saw that could have changed since.
   */
  async detokenize(site: SiteRow, otk: string, agentId: string): Promise<DetokenizeResponse> {
    const { storage, clock } = this.deps;
    const now = clock();
    const refuse = async (requestId: string | null): Promise<never> => {
      this.deps.events?.otk?.('detokenize', 'refused');
      await storage.appendAudit(
        auditEvent('detokenize.refused', { at: now, actor: `agent:${agentId}`, siteId: site.siteId, requestId }),
      );
      throw invalidOtk();
    };
    const hash = looksLikeOtk(otk) ? hashOtk(otk) : undefined;
    const target = hash ? await storage.findDetokenizeTarget(hash, site.siteId, agentId, now) : undefined;
    const request = target?.request;
    const spec = request ? parseSpec(request.spec) : undefined;
    if (
      !hash ||
      !target ||
      !request ||
      !spec ||
      request.agentId !== agentId ||
      request.status !== 'submitted' ||
      spec.relay !== undefined ||
      target.roomClosed
    ) {
      return refuse(request?.requestId ?? null);
    }
    // Only requests with off-the-record fields need the ephemeral store (so the rest reveal while Redis is down).
    const hasOffRecord = spec.fields.some((field) => field.offTheRecord);
    const values = await this.readValues(request, {
      offRecord: hasOffRecord,
      actor: `agent:${agentId}`,
      record: target.record ?? null,
      keyGeneration: target.keyGeneration,
    });
    const expired = expiredOffRecord(spec, values);
    const redeemed = await storage.redeemDetokenizeOtk(
      hash,
      site.siteId,
      agentId,
      request.requestId,
      now,
      auditEvent('detokenize.ok', {
        at: now,
        actor: `agent:${agentId}`,
        siteId: site.siteId,
        requestId: request.requestId,
        detail: expired.length > 0 ? { expired } : undefined,
      }),
    );
    if (!redeemed) return refuse(request.requestId);
    this.deps.events?.otk?.('detokenize', 'used');
    return { requestId: request.requestId, values: givenValues(values), expired };
  }

  /** Ends a room's session: its links and OTKs die, its off-the-record data is erased. */
  async closeSession(site: SiteRow, roomId: string): Promise<void> {
    const now = this.deps.clock();
    const ids = await this.deps.storage.closeRoom(
      site.siteId,
      roomId,
      now,
      auditEvent('session.close', { at: now, actor: `site:${site.siteId}`, siteId: site.siteId, detail: { roomId } }),
    );
    await this.deps.ephemeral.delete(ids.map(ephemeralKey));
  }

  /**
   * Marks requests whose window ended as expired and rings their doorbells, at most `limit` of them;
   * returns how many. One write transaction per EXPIRE_BATCH requests, and the event loop is served
   * between them: SQLite's run on the request thread, and 500 at once held it for 15–26 ms
   * (requests waited behind it; BENCHMARKS.md, the twenty-second box).
   */
  async expireDue(limit = EXPIRE_PER_SWEEP): Promise<number> {
    let total = 0;
    while (total < limit) {
      const now = this.deps.clock();
      const batch = Math.min(EXPIRE_BATCH, limit - total);
      const expired = await this.deps.storage.expireDue(
        now,
        batch,
        auditEvent('request.expire', { at: now, actor: 'system' }),
      );
      for (const request of expired) this.deps.doorbell.ring(request.callbackUrl, request.requestId, 'expired');
      total += expired.length;
      if (expired.length < batch) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return total;
  }

  /**
   * The on-record values of a submitted request, decrypted (empty when it has none). `record` is
   * the request's record when the caller read it already (null: it has none), `keyGeneration` the
   * key generation read with it (SiteService.keyById).
   */
  async readRecord(
    request: RequestRef,
    record?: RecordRow | null,
    keyGeneration?: number,
  ): Promise<Record<string, string>> {
    const stored = record === undefined ? await this.deps.storage.getRecord(request.requestId) : record;
    if (!stored) return {};
    const started = process.hrtime.bigint();
    let plaintext: Buffer;
    try {
      plaintext = await this.deps.tokenizer.decrypt(
        { siteId: request.siteId, recordId: stored.recordId },
        attachRecordKey(stored.token, stored.wrappedKey),
        (kid) => this.deps.sites.keyById(request.siteId, kid, keyGeneration),
      );
    } catch (error) {
      if (isStorageUnavailable(error)) throw error;
      // Anything else is the token or its wrapped site key not opening: altered, moved or foreign.
      throw new IntegrityError('record', error instanceof TokenizeError ? error.reason : 'site_key');
    }
    this.deps.events?.crypto?.('decrypt', Number(process.hrtime.bigint() - started) / 1e9);
    return JSON.parse(plaintext.toString('utf8')) as Record<string, string>;
  }

  /**
   * A request's values as the sender may see them: the record, and the off-the-record entry when
   * `offRecord` (its fields left blank as '': see expiredOffRecord and givenValues). Stored data
   * that fails its integrity check is audited (`integrity.failed`, with `actor`) before the error
   * goes on; the one read path for detokenize and the viewer. `record` and `keyGeneration`: as for
   * readRecord.
   */
  async readValues(
    request: RequestRef,
    options: { offRecord: boolean; actor: string; record?: RecordRow | null; keyGeneration?: number },
  ): Promise<Record<string, string>> {
    try {
      return {
        ...(await this.readRecord(request, options.record, options.keyGeneration)),
        ...(options.offRecord ? await this.readEphemeral(request, options.keyGeneration) : {}),
      };
    } catch (error) {
      if (error instanceof IntegrityError) {
        // If storage cannot take the audit row now, the log line (the error handler's) still says it.
        await this.deps.storage
          .appendAudit(
            auditEvent('integrity.failed', {
              at: this.deps.clock(),
              actor: options.actor,
              siteId: request.siteId,
              requestId: request.requestId,
              detail: { source: error.source, reason: error.reason },
            }),
          )
          .catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * A request's off-the-record values (or ID&V answers), or {} when they expired, were erased, or their site key is
   * gone (the site was removed: its entries are shredded).
   */
  async readEphemeral(request: RequestRef, keyGeneration?: number): Promise<Record<string, string>> {
    const key = ephemeralKey(request.requestId);
    const sealed = await this.deps.ephemeral.get(key);
    if (!sealed) return {};
    const envelope = siteSealedKid(sealed);
    if (!envelope) throw new IntegrityError('off_record', 'sealed_box');
    let plaintext: Buffer;
    try {
      const siteKey = await this.deps.sites.keyById(request.siteId, envelope.kid, keyGeneration);
      if (!siteKey) return {};
      plaintext = openForSite(siteKey, key, envelope.body);
    } catch (error) {
      if (isStorageUnavailable(error)) throw error;
      throw new IntegrityError('off_record', 'sealed_box');
    }
    return JSON.parse(plaintext.toString('utf8')) as Record<string, string>;
  }

  /** A form naming a relay: the relay must exist for the site and the form must have what its template reads. */
  private async checkRelayBinding(site: SiteRow, relayId: string, spec: RequestSpec): Promise<void> {
    const row = await this.deps.storage.getRelay(site.siteId, relayId);
    if (!row) throw new VaultError('bad_request', `There is no relay "${relayId}" for this site.`);
    const problem = bindingProblem(JSON.parse(row.config) as RelayConfig, spec.fields);
    if (problem) throw new VaultError('bad_request', `The form cannot use relay "${relayId}": ${problem}.`);
  }

  private async owned(site: SiteRow, requestId: string): Promise<RequestRow> {
    const request = await this.deps.storage.getRequest(requestId);
    // Another site's request is as unknown as a missing one.
    if (!request || request.siteId !== site.siteId) throw new VaultError('not_found', 'There is no such request.');
    return request;
  }

  /** What the API says about a request: state, labels and times, never a value. */
  describe(request: RequestRow): RequestStateResponse {
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
    if (spec.relay) state.relay = { relayId: spec.relay };
    return state;
  }
}

/** A relay-bound request's state gains its send's outcome and kept fields, once a send began. */
function withOutcome(state: RequestStateResponse, send: RelaySendRow | undefined): void {
  if (!state.relay || !send) return;
  state.relay.outcome = send.state;
  state.relay.kept = send.kept ? (JSON.parse(send.kept) as Record<string, string | number | boolean>) : {};
}

/** A pending or opened request past its window reads as expired even before the sweep marks it. */
export function effectiveStatus(request: RequestRow, now: number): RequestStatus {
  if ((request.status === 'pending' || request.status === 'opened') && request.expiresAt <= now) return 'expired';
  return request.status;
}

/** A relay-bound request's values go only to the processor: nobody views them. */
export function relayBound(): VaultError {
  return new VaultError(
    'relay_bound',
    'This request goes to the payment processor: nobody views its values. Send it to the processor instead.',
  );
}
