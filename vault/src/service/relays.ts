import { auditEvent } from '../audit/events';
import type { RelayOutcomeName, RelaySendResponse } from '../contract';
import { openForSite, sealForSite, siteSealedKid } from '../crypto/sealed-box';
import { VaultError } from '../errors';
import { isRelayId } from '../contract/limits';
import {
  checkSecretHeaderName,
  checkSecretHeaderValue,
  MAX_RELAY_TIMEOUT_MS,
  parseRelayConfig,
  RelayConfigError,
  type RelayConfig,
} from '../relay/config';
import { keepFields, sendOnce, withoutSubmitted, type RelayOutcome } from '../relay/outbound';
import { renderTemplate, TemplateError } from '../relay/template';
import type { RelayRow, RelaySendState, RequestRow, SiteRow, Storage } from '../storage/types';
import type { Clock } from './clock';
import { ephemeralKey, parseSpec, type RequestSpec } from './request-spec';
import type { RequestService } from './requests';
import type { SiteService } from './sites';
import type { EphemeralStore } from '../ephemeral/types';

export interface RelayServiceDeps {
  storage: Storage;
  ephemeral: EphemeralStore;
  sites: SiteService;
  requests: RequestService;
  clock: Clock;
}

/** What `relay list` shows: never the secret, only its header's name. */
export interface RelaySummary {
  relayId: string;
  url: string;
  allowHosts: string[];
  allowPrivateAddresses: boolean;
  template: 'json' | 'form';
  keep: string[];
  secretHeader: string | null;
  updatedAt: string;
}

interface SealedSecret {
  name: string;
  value: string;
}

/**
 * Payment-processor relays (issue 17's vault side): the admin configures them per site; a form
 * request may name one; the sender asks the vault to send; the vault reads the values itself,
 * renders the relay's template, sends once with the request ID as idempotency key, keeps only the
 * answer fields the relay names, and erases the off-the-record values (the CVV) once the outcome is
 * final. Nobody, sender or manager, ever detokenizes a relay-bound request.
 */
export class RelayService {
  constructor(private readonly deps: RelayServiceDeps) {}

  /** Creates or replaces a relay; the secret header's value is sealed with the site's key. */
  async configure(
    siteId: string,
    relayId: string,
    rawConfig: unknown,
    secret?: { name: string; value: string },
  ): Promise<RelaySummary> {
    if (!isRelayId(relayId))
      throw new VaultError('bad_request', 'A relay ID is lower-case letters, digits, "_" and "-" (at most 40).');
    let config: RelayConfig;
    let sealed: SealedSecret | undefined;
    try {
      config = parseRelayConfig(rawConfig);
      sealed = secret
        ? { name: checkSecretHeaderName(secret.name), value: checkSecretHeaderValue(secret.value) }
        : undefined;
    } catch (error) {
      if (error instanceof RelayConfigError)
        throw new VaultError('bad_request', `Relay "${relayId}": ${error.message}.`);
      throw error;
    }
    if (sealed && config.headers[sealed.name] !== undefined) {
      throw new VaultError('bad_request', `Relay "${relayId}": the header ${sealed.name} is both plain and secret.`);
    }
    const now = this.deps.clock();
    const existing = await this.deps.storage.getRelay(siteId, relayId);
    let sealedSecret: string | null = existing?.sealedSecret ?? null;
    if (sealed) {
      const { kid, key } = await this.deps.sites.activeKey(siteId);
      sealedSecret = sealForSite(
        kid,
        key,
        secretName(siteId, relayId),
        Buffer.from(JSON.stringify(sealed), 'utf8'),
      ).toString('base64');
    }
    const row: RelayRow = {
      siteId,
      relayId,
      config: JSON.stringify(config),
      sealedSecret,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    const host = new URL(config.url).host;
    const stored = await this.deps.storage.putRelay(
      row,
      auditEvent('relay.configure', {
        at: now,
        actor: 'cli',
        siteId,
        detail: {
          relayId,
          host,
          secretHeader: sealed?.name ?? null,
          allowPrivateAddresses: config.allowPrivateAddresses,
        },
      }),
    );
    if (!stored) throw new VaultError('not_found', `There is no site "${siteId}".`);
    return summary(row, config, sealed?.name ?? (await this.secretName(row)));
  }

  async list(siteId: string): Promise<RelaySummary[]> {
    const rows = await this.deps.storage.listRelays(siteId);
    return Promise.all(
      rows.map(async (row) => summary(row, JSON.parse(row.config) as RelayConfig, await this.secretName(row))),
    );
  }

  async remove(siteId: string, relayId: string): Promise<boolean> {
    return this.deps.storage.removeRelay(
      siteId,
      relayId,
      auditEvent('relay.remove', { at: this.deps.clock(), actor: 'cli', siteId, detail: { relayId } }),
    );
  }

  /**
   * The sender's "Send to processor". Sends at most once per outcome: a final outcome (approved,
   * declined) is answered again without sending; an unknown one is reconciled by replaying the
   * same request with the same idempotency key (the processor answers what it did the first
   * time, and charges nothing more); a failure before sending may be tried again.
   */
  async send(
    site: SiteRow,
    requestId: string,
    agentId: string,
    params: Record<string, string>,
  ): Promise<RelaySendResponse> {
    const { storage, clock } = this.deps;
    const request = await storage.getRequest(requestId);
    if (!request || request.siteId !== site.siteId) throw new VaultError('not_found', 'There is no such request.');
    const spec = parseSpec(request.spec);
    const now = clock();
    const refuse = async (reason: string, error: VaultError): Promise<never> => {
      await storage.appendAudit(
        auditEvent('relay.refused', {
          at: now,
          actor: `agent:${agentId}`,
          siteId: site.siteId,
          requestId,
          detail: { reason },
        }),
      );
      throw error;
    };
    if (!spec.relay)
      return refuse('not_relay_bound', new VaultError('conflict', 'This request is not bound to a payment processor.'));
    if (agentId !== request.agentId) {
      return refuse(
        'not_sender',
        new VaultError('not_sender', 'Only the agent who sent this request can send it to the processor.'),
      );
    }
    if (await storage.isRoomClosed(site.siteId, request.roomId)) {
      throw new VaultError('session_closed', 'The chat is closed; its secure data can no longer be sent.');
    }
    if (request.status !== 'submitted')
      throw new VaultError('not_submitted', 'The visitor has not submitted this request.');
    const relay = await storage.getRelay(site.siteId, spec.relay);
    if (!relay)
      throw new VaultError('conflict', `The relay "${spec.relay}" is no longer configured; ask the vault's admin.`);
    const config = JSON.parse(relay.config) as RelayConfig;
    // Relays stored before the 20 s limit keep working, within it (the app's job is cut at 30 s).
    config.timeoutMs = Math.min(config.timeoutMs, MAX_RELAY_TIMEOUT_MS);

    const last = await storage.getRelaySend(requestId);
    if (last && (last.state === 'approved' || last.state === 'declined'))
      return this.answer(request, spec, last.state, last.kept);
    // Everything that can fail without sending comes before the send is claimed, so it leaves no state.
    const values = await this.deps.requests.readValues(request, { offRecord: true, actor: `agent:${agentId}` });
    let body: { contentType: string; body: string };
    try {
      body = renderTemplate(config.template, {
        requestId,
        fields: values,
        types: Object.fromEntries(spec.fields.map((f) => [f.id, f.type])),
        params,
      });
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      const offRecordGone = spec.fields.some((f) => f.offTheRecord && values[f.id] === undefined);
      throw new VaultError(
        offRecordGone ? 'off_record_gone' : 'conflict',
        offRecordGone
          ? 'The security code is no longer kept (it lives only minutes): send the form again.'
          : `The request cannot be sent: ${error.message}.`,
      );
    }
    const secret = await this.openSecret(relay);
    // A sender that crashed mid-send left `sending`: after twice the timeout it counts as unknown.
    const began = await storage.beginRelaySend(requestId, spec.relay, now, now - 2 * config.timeoutMs);
    if (!began) throw new VaultError('relay_in_progress', 'A send to the processor is under way for this request.');
    const outcome = await sendOnce(
      {
        url: config.url,
        method: config.method,
        headers: { ...config.headers, ...(secret ? { [secret.name]: secret.value } : {}) },
        allowHosts: config.allowHosts,
        allowPrivateAddresses: config.allowPrivateAddresses,
        trustedCa: config.trustedCa,
        timeoutMs: config.timeoutMs,
      },
      body,
      requestId,
    );
    const reconciling = began.previous === 'unknown' || began.previous === 'sending';
    // A replay the processor refuses (e.g. the same key with other parameters) tells nothing about
    // the first attempt: it may still have charged, so the outcome stays unknown, never "failed".
    const refusedReplay = reconciling && outcome.kind === 'answered' && stateOf(outcome) === 'failed';
    const state = refusedReplay ? 'unknown' : stateOf(outcome);
    const submitted = spec.fields.flatMap((f) =>
      values[f.id] === undefined || values[f.id] === ''
        ? []
        : [
            {
              type: f.type,
              value: values[f.id],
              secret: f.type === 'cvv' || f.type === 'ssn' || f.masked || f.offTheRecord,
            },
          ],
    );
    const answered =
      outcome.kind === 'answered' ? withoutSubmitted(keepFields(outcome.body, config.keep), submitted) : undefined;
    const kept = answered ? JSON.stringify(answered.kept) : null;
    await this.finish(request, state, kept, agentId, {
      ...(answered && answered.withheld.length > 0 ? { withheld: answered.withheld } : {}),
      outcome: outcome.kind,
      ...('status' in outcome ? { httpStatus: outcome.status } : {}),
      ...('reason' in outcome ? { reason: outcome.reason } : {}),
      attempt: began.attempt,
      reconciled: reconciling,
    });
    // The card's security code served its one purpose: erase it now, not when its TTL ends.
    if (state === 'approved' || state === 'declined') await this.deps.ephemeral.delete([ephemeralKey(requestId)]);
    return this.answer(request, spec, state, kept);
  }

  private async finish(
    request: RequestRow,
    state: Exclude<RelaySendState, 'sending'>,
    kept: string | null,
    agentId: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    const now = this.deps.clock();
    await this.deps.storage.finishRelaySend(
      request.requestId,
      state,
      kept,
      now,
      auditEvent('relay.send', {
        at: now,
        actor: `agent:${agentId}`,
        siteId: request.siteId,
        requestId: request.requestId,
        detail: { state, ...detail },
      }),
    );
  }

  private answer(
    request: RequestRow,
    spec: RequestSpec,
    state: RelaySendState,
    kept: string | null,
  ): RelaySendResponse {
    const fields = kept ? (JSON.parse(kept) as Record<string, string | number | boolean>) : {};
    const last4 = typeof fields.last4 === 'string' && /^\d{4}$/.test(fields.last4) ? fields.last4 : undefined;
    return {
      requestId: request.requestId,
      relayId: spec.relay as string,
      outcome: state as RelayOutcomeName,
      kept: fields,
      ...(last4 ? { last4 } : {}),
    };
  }

  private async openSecret(row: RelayRow): Promise<SealedSecret | undefined> {
    if (!row.sealedSecret) return undefined;
    const sealed = Buffer.from(row.sealedSecret, 'base64');
    const envelope = siteSealedKid(sealed);
    const key = envelope ? await this.deps.sites.keyById(row.siteId, envelope.kid) : undefined;
    if (!envelope || !key)
      throw new VaultError('internal', `The relay "${row.relayId}"'s secret cannot be opened; set it again.`);
    return JSON.parse(
      openForSite(key, secretName(row.siteId, row.relayId), envelope.body).toString('utf8'),
    ) as SealedSecret;
  }

  private async secretName(row: RelayRow): Promise<string | null> {
    try {
      return (await this.openSecret(row))?.name ?? null;
    } catch {
      return null;
    }
  }
}

function secretName(siteId: string, relayId: string): string {
  return `relay-secret:${siteId}:${relayId}`;
}

/**
 * A 2xx answer whose `status` says the payment did not go through (some processors answer 200 to a
 * decline). A payment still waiting for the cardholder's authentication (3-D Secure) or confirmation
 * did not go through either: a relay cannot give either, so it is not approved.
 */
function declinedIn(body: unknown): boolean {
  const status = body && typeof body === 'object' ? (body as { status?: unknown }).status : undefined;
  return (
    typeof status === 'string' &&
    /declin|fail|requires_payment_method|requires_action|requires_confirmation|canceled/i.test(status)
  );
}

/**
 * 2xx: approved (unless its status says declined). 402: declined. Other 4xx: failed (the processor said no; its code is in the kept fields). 5xx, an
 * unreadable answer, a redirect or no answer: unknown (the processor may have acted). Not sent: failed.
 */
function stateOf(outcome: RelayOutcome): Exclude<RelaySendState, 'sending'> {
  if (outcome.kind === 'not_sent') return 'failed';
  if (outcome.kind !== 'answered') return 'unknown';
  if (outcome.status >= 200 && outcome.status < 300) return declinedIn(outcome.body) ? 'declined' : 'approved';
  // 402 is the card being refused; any other 4xx is the request refused, so nothing was charged.
  if (outcome.status === 402) return 'declined';
  if (outcome.status >= 400 && outcome.status < 500) return 'failed';
  return 'unknown';
}

function summary(row: RelayRow, config: RelayConfig, secretHeader: string | null): RelaySummary {
  return {
    relayId: row.relayId,
    url: config.url,
    allowHosts: config.allowHosts,
    allowPrivateAddresses: config.allowPrivateAddresses,
    template: config.template.format,
    keep: Object.keys(config.keep),
    secretHeader,
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}
