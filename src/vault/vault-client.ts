/**
 * The app's only way to the vault: one method per API call of VAULT-API.md, each with a timeout,
 * typed by the shared contract, failing with a VaultCallError whose code says what went wrong.
 *
 * @example
 * const vault = new VaultClient(http, { baseUrl, apiKey, siteId, timeoutMs: 5000 });
 * const { requestId, visitorUrl } = await vault.createRequest(body);
 */
import type { IHttp, IHttpResponse } from '@rocket.chat/apps-engine/definition/accessors';

import type {
  ClaimableEvent,
  CompliancePosture,
  CreateRequestBody,
  CreateRequestResponse,
  CreateViewerBody,
  CreateViewerResponse,
  DetokenizeResponse,
  EraseVisitorResponse,
  ErrorBody,
  ExportVisitorResponse,
  MintOtkResponse,
  RelayOutcomeName,
  RelaySendBody,
  RelaySendResponse,
  RequestStateResponse,
  VisitorDataBody,
} from './contract';
import { isLinkUrl, isSiteId, LIMITS } from './contract';
import { isVaultCallError, VaultCallError } from './vault-call-error';
import type { VaultCallErrorCode } from './vault-call-error';

export interface VaultConnection {
  baseUrl: string;
  apiKey: string;
  siteId: string;
  timeoutMs: number;
}

type Method = 'get' | 'post';

/** The longest the app waits for the vault: the Apps-Engine cuts any call into the app at 30 s. */
export const LONGEST_VAULT_WAIT_MS = 25000;

/**
 * How long a job waits for a send to a payment processor: the vault waits for the processor (a
 * relay's `timeoutMs`, 10 s by default) before it answers. A later send answers the stored
 * outcome, or reconciles, without charging twice.
 */
export const PROCESSOR_SEND_TIMEOUT_MS = LONGEST_VAULT_WAIT_MS;
const RELAY_OUTCOMES: readonly RelayOutcomeName[] = ['approved', 'declined', 'failed', 'unknown'];

/** A send's answer: `sending` is only ever a state another call may see, never this call's outcome. */
export type ProcessorOutcome = Omit<RelaySendResponse, 'outcome'> & { outcome: RelayOutcomeName };

/** What an API key or a site ID may hold: both go in headers, which carry visible ASCII only. */
const HEADER_TOKEN = /^[\x21-\x7e]*$/;

/**
 * What keeps the app from calling the vault, one phrase per setting, for the admin: the URL blank or
 * not an http(s) URL, the key blank, a key or site ID holding what a header cannot carry (a line
 * break or curly quote pasted with it would fail every call as "unreachable"). Never a value.
 */
export function vaultConnectionProblems(connection: Pick<VaultConnection, 'baseUrl' | 'apiKey' | 'siteId'>): string[] {
  const problems: string[] = [];
  if (connection.baseUrl === '') problems.push('the Vault URL setting is empty');
  else if (!isLinkUrl(connection.baseUrl)) problems.push('the Vault URL setting is not an http(s) URL');
  if (connection.apiKey === '') problems.push('the Vault API key setting is empty');
  else if (!HEADER_TOKEN.test(connection.apiKey))
    problems.push('the Vault API key setting holds a space, a line break or a character outside ASCII');
  else if (connection.apiKey.length > LIMITS.apiKey)
    problems.push(`the Vault API key setting is longer than any vault API key (${LIMITS.apiKey} characters)`);
  if (!HEADER_TOKEN.test(connection.siteId))
    problems.push('the Site ID setting holds a space, a line break or a character outside ASCII');
  else if (connection.siteId !== '' && !isSiteId(connection.siteId))
    problems.push(
      `the Site ID setting is not a vault site ID (up to ${LIMITS.siteId} letters, digits, '.', '_' and '-', starting with a letter or digit)`,
    );
  return problems;
}

/** Whether the app can call the vault at all (vaultConnectionProblems finds nothing). */
export function isVaultConfigured(connection: Pick<VaultConnection, 'baseUrl' | 'apiKey' | 'siteId'>): boolean {
  return vaultConnectionProblems(connection).length === 0;
}

function errorCodeFor(status: number, vaultCode: string | undefined): VaultCallErrorCode {
  // A 403 `forbidden` is the key presented under another site's ID (X-Vault-Site-Id): for the admin,
  // the same fix as a wrong key. (A manager's viewer refused while manager viewing is off is told
  // apart by its caller, from the vault's own code.)
  if (status === 401 || (status === 403 && vaultCode === 'forbidden')) {
    return 'unauthorized';
  }
  if (status === 429) {
    return 'rate_limited';
  }
  if (status >= 500) {
    return 'unavailable';
  }
  switch (vaultCode) {
    case 'not_sender':
    case 'invalid_otk':
    case 'session_closed':
    case 'not_submitted':
    case 'not_found':
    case 'relay_bound':
    case 'relay_in_progress':
    case 'off_record_gone':
      return vaultCode;
    default:
      return status === 404 ? 'not_found' : 'rejected';
  }
}

function vaultCodeOf(response: IHttpResponse): string | undefined {
  const body = answerJson(response) as Partial<ErrorBody> | undefined;
  const code = body && body.error && body.error.code;
  return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : undefined;
}

export class VaultClient {
  constructor(
    private readonly http: IHttp,
    private readonly connection: VaultConnection,
  ) {}

  /** `POST /v1/requests` → the request's ID and the visitor's link. */
  public async createRequest(body: CreateRequestBody): Promise<CreateRequestResponse> {
    const response = await this.call<CreateRequestResponse>('post', '/v1/requests', body, [201]).catch((err) => {
      // No request is named yet: a 404 here is a vault URL that does not lead to the vault's API.
      if (isVaultCallError(err) && err.code === 'not_found') {
        throw new VaultCallError(
          'rejected',
          'POST /v1/requests answered 404: check that the vault URL setting leads to the vault',
          err.status,
          err.vaultCode,
        );
      }
      throw err;
    });
    if (
      !response ||
      typeof response.requestId !== 'string' ||
      typeof response.visitorUrl !== 'string' ||
      !isLinkUrl(response.visitorUrl)
    ) {
      throw new VaultCallError('bad_response', 'POST /v1/requests answered without a request ID or visitor URL');
    }
    return response;
  }

  /** `GET /v1/requests/:id` → state and field labels, never values. */
  public async getRequest(requestId: string): Promise<RequestStateResponse> {
    const response = await this.call<RequestStateResponse>(
      'get',
      `/v1/requests/${encodeURIComponent(requestId)}`,
      undefined,
      [200],
    );
    if (!response || response.requestId !== requestId || typeof response.status !== 'string') {
      throw new VaultCallError('bad_response', 'GET /v1/requests/:id answered with another or no request');
    }
    return response;
  }

  /** `POST /v1/requests/:id/otk` → a detokenize OTK for the sending agent only. */
  public async mintDetokenizeOtk(requestId: string, agentId: string): Promise<MintOtkResponse> {
    const response = await this.call<MintOtkResponse>(
      'post',
      `/v1/requests/${encodeURIComponent(requestId)}/otk`,
      { agentId },
      [200, 201],
    );
    if (!response || typeof response.otk !== 'string') {
      throw new VaultCallError('bad_response', 'POST /v1/requests/:id/otk answered without an OTK');
    }
    return response;
  }

  /** `POST /v1/detokenize` → the values, once. */
  public async detokenize(otk: string, agentId: string): Promise<DetokenizeResponse> {
    const response = await this.call<DetokenizeResponse>('post', '/v1/detokenize', { otk, agentId }, [200]);
    if (!response || typeof response.values !== 'object' || response.values === null) {
      throw new VaultCallError('bad_response', 'POST /v1/detokenize answered without values');
    }
    return {
      requestId: response.requestId,
      values: response.values,
      expired: Array.isArray(response.expired) ? response.expired : [],
    };
  }

  /** Mints a detokenize OTK and redeems it at once: the OTK never leaves this function. */
  public async revealValues(requestId: string, agentId: string): Promise<DetokenizeResponse> {
    const { otk } = await this.mintDetokenizeOtk(requestId, agentId);
    return this.detokenize(otk, agentId);
  }

  /**
   * `POST /v1/requests/:id/viewer` → a single-use link to the vault's viewer page, for that user
   * only (strict viewing: the values go from the vault to the agent's browser, never through here).
   * A bearer link: hand it to that user privately, never in a stored message or a log.
   */
  public async createViewer(requestId: string, body: CreateViewerBody): Promise<CreateViewerResponse> {
    const response = await this.call<CreateViewerResponse>(
      'post',
      `/v1/requests/${encodeURIComponent(requestId)}/viewer`,
      body,
      [201],
    );
    if (!response || typeof response.viewerUrl !== 'string' || !isLinkUrl(response.viewerUrl)) {
      throw new VaultCallError('bad_response', 'POST /v1/requests/:id/viewer answered without a viewer URL');
    }
    return response;
  }

  /**
   * `POST /v1/requests/:id/events/:event/claim`: true when this app instance is the first to claim
   * that event of the request (and so acts on it), false when another instance already did.
   */
  public async claimEvent(requestId: string, event: ClaimableEvent): Promise<boolean> {
    try {
      await this.call<void>(
        'post',
        `/v1/requests/${encodeURIComponent(requestId)}/events/${encodeURIComponent(event)}/claim`,
        // A POST without content leaves Rocket.Chat as an empty form; an empty JSON object says what it is.
        {},
        [201],
      );
      return true;
    } catch (err) {
      if (err instanceof VaultCallError && err.status === 409) {
        return false;
      }
      throw err;
    }
  }

  /**
   * `POST /v1/requests/:id/relay`: the vault sends the submitted card data to the form's payment
   * processor itself; the answer is the outcome and the fields the relay keeps, never a value.
   */
  public async sendToProcessor(requestId: string, body: RelaySendBody): Promise<ProcessorOutcome> {
    const response = await this.call<RelaySendResponse>(
      'post',
      `/v1/requests/${encodeURIComponent(requestId)}/relay`,
      body,
      [200],
      PROCESSOR_SEND_TIMEOUT_MS,
    );
    if (
      !response ||
      response.requestId !== requestId ||
      RELAY_OUTCOMES.indexOf(response.outcome as RelayOutcomeName) < 0
    ) {
      throw new VaultCallError('bad_response', 'POST /v1/requests/:id/relay answered without an outcome');
    }
    return {
      requestId,
      relayId: String(response.relayId),
      outcome: response.outcome as RelayOutcomeName,
      kept: typeof response.kept === 'object' && response.kept !== null ? response.kept : {},
      ...(typeof response.last4 === 'string' && /^\d{4}$/.test(response.last4) ? { last4: response.last4 } : {}),
    };
  }

  /** `POST /v1/sessions/close`: the room's links, OTKs and off-the-record data die. */
  public async closeSession(roomId: string): Promise<void> {
    await this.call<void>('post', '/v1/sessions/close', { roomId }, [200, 204]);
  }

  /** `GET /v1/compliance`: what the vault's configuration says for the readiness check. */
  public async compliance(): Promise<CompliancePosture> {
    const response = await this.call<CompliancePosture>('get', '/v1/compliance', undefined, [200]);
    if (!response || typeof response.auditRetentionDays !== 'number' || !response.auditSink) {
      throw new VaultCallError('bad_response', 'GET /v1/compliance answered without the vault posture');
    }
    return response;
  }

  /**
   * `POST /v1/visitors/erase`: one visitor's (or room's) requests erased for good in the vault
   * (GDPR Art. 17); `adminId` is who asked, for the vault's audit.
   */
  public async eraseVisitor(body: VisitorDataBody): Promise<EraseVisitorResponse> {
    const response = await this.call<EraseVisitorResponse>('post', '/v1/visitors/erase', body, [200]);
    if (!response || !response.erased || !Array.isArray(response.roomIds) || !Array.isArray(response.requestIds)) {
      throw new VaultCallError('bad_response', 'POST /v1/visitors/erase answered without what it erased');
    }
    return response;
  }

  /** `POST /v1/visitors/export`: that visitor's (or room's) request metadata, never a value (Art. 20). */
  public async exportVisitor(body: VisitorDataBody): Promise<ExportVisitorResponse> {
    const response = await this.call<ExportVisitorResponse>('post', '/v1/visitors/export', body, [200]);
    if (!response || !Array.isArray(response.requests)) {
      throw new VaultCallError('bad_response', 'POST /v1/visitors/export answered without requests');
    }
    return response;
  }

  private async call<T>(
    method: Method,
    path: string,
    body: object | undefined,
    expected: number[],
    timeoutMs = this.connection.timeoutMs,
  ): Promise<T> {
    const problems = vaultConnectionProblems(this.connection);
    if (problems.length > 0) throw new VaultCallError('not_configured', problems.join('; '));
    const what = `${method.toUpperCase()} ${path.replace(/\/v1\/requests\/[^/]+/, '/v1/requests/:id')}`;
    const response = await this.send(method, path, body, what, timeoutMs);
    if (expected.indexOf(response.statusCode) < 0) {
      throw refusal(response, what);
    }
    if (response.statusCode === 204) {
      return undefined as unknown as T;
    }
    return jsonBody<T>(response, what);
  }

  /** Sends one request and waits for its answer: at most `timeoutMs`, plus a second's grace. */
  private async send(
    method: Method,
    path: string,
    body: object | undefined,
    what: string,
    timeoutMs: number,
  ): Promise<IHttpResponse> {
    const { baseUrl } = this.connection;
    const request = this.http[method](`${baseUrl}${path}`, {
      headers: this.headers(body !== undefined),
      timeout: timeoutMs,
      ...(body === undefined ? {} : { content: JSON.stringify(body) }),
    });

    let timer: ReturnType<typeof setTimeout> | undefined;
    // The host enforces `timeout` too; this guard also covers a host that does not.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new VaultCallError('timeout', `${what}: no answer within ${timeoutMs} ms`)),
        timeoutMs + 1000,
      );
    });
    const started = Date.now();
    try {
      return await Promise.race([request, deadline]);
    } catch (err) {
      throw transportError(err, what, timeoutMs, Date.now() - started);
    } finally {
      if (timer) {
        clearTimeout(timer);
      }
    }
  }

  private headers(hasBody: boolean): { [name: string]: string } {
    const { apiKey, siteId } = this.connection;
    const headers: { [name: string]: string } = {
      Authorization: `Bearer ${apiKey}`,
      Accept: 'application/json',
    };
    if (siteId) {
      headers['X-Vault-Site-Id'] = siteId;
    }
    if (hasBody) {
      headers['Content-Type'] = 'application/json';
    }
    return headers;
  }
}

/**
 * The host's words for a connection that was never made (refused, no such host, no route, a
 * certificate refused in the TLS handshake): the request never left, so the vault did nothing.
 * Rocket.Chat's fetch says "request to … failed, reason: connect ECONNREFUSED …", node's http
 * "connect ECONNREFUSED …". Other TLS errors can come after the request left, so they do not count.
 */
const NEVER_CONNECTED = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EAI_NONAME|EHOSTUNREACH|ENETUNREACH)\b|certificate/i;

/** A failure before any answer, as a code that says whether the vault may have acted; never the host's own error text. */
function transportError(err: unknown, what: string, timeoutMs: number, elapsedMs: number): VaultCallError {
  if (err instanceof VaultCallError) {
    return err;
  }
  const detail = err instanceof Error ? err.message : '';
  if (elapsedMs >= timeoutMs * 0.9 || /time.?out|timed out|abort/i.test(detail)) {
    return new VaultCallError('timeout', `${what}: no answer within ${timeoutMs} ms`);
  }
  if (NEVER_CONNECTED.test(detail)) {
    return new VaultCallError('unreachable', `${what}: the vault could not be reached`);
  }
  // Reset, hung up, or words this app does not know: the request may have been carried out.
  return new VaultCallError('connection_lost', `${what}: the connection broke before the vault answered`);
}

/** An answer with an unexpected status, as the code the app matches on. */
function refusal(response: IHttpResponse, what: string): VaultCallError {
  const vaultCode = vaultCodeOf(response);
  return new VaultCallError(
    errorCodeFor(response.statusCode, vaultCode),
    `${what}: the vault answered ${response.statusCode}${vaultCode ? ` ${vaultCode}` : ''}`,
    response.statusCode,
    vaultCode,
  );
}

/** The answer's JSON; a body that is not JSON is a bad answer. */
function jsonBody<T>(response: IHttpResponse, what: string): T {
  const data = answerJson(response);
  if (data === undefined && response.content) {
    throw new VaultCallError(
      'bad_response',
      `${what}: the vault answered ${response.statusCode} with a body that is not JSON`,
      response.statusCode,
    );
  }
  return data as T;
}

/**
 * The answer's JSON, or undefined. Rocket.Chat parses an answer only under a JSON content type
 * (`data` null otherwise), so one a proxy relabelled is read from its text.
 */
function answerJson(response: IHttpResponse): unknown {
  if (response.data !== undefined && response.data !== null) return response.data;
  if (!response.content) return undefined;
  try {
    return JSON.parse(response.content) as unknown;
  } catch {
    return undefined;
  }
}
