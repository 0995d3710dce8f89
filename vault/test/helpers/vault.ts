import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig, type VaultConfig } from '../../src/config';
import type { CreateRequestBody, DoorbellBody } from '../../src/contract';
import { buildApp, type BuildOptions } from '../../src/http/app';
import { tempDir } from '../../../testkit/vault-process';

import { freePort } from '../../../testkit/ports';

export { freePort, tempDir };

/** A config for tests: its own data dir, a random master key, generous rate limits. */
export function testConfig(env: Record<string, string> = {}): VaultConfig {
  return loadConfig({
    VAULT_DATA_DIR: tempDir(),
    VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
    VAULT_PUBLIC_URL: 'http://vault.test',
    VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '100000',
    VAULT_RATE_LIMIT_VISITOR_IP_PER_MINUTE: '100000',
    VAULT_RATE_LIMIT_OTK_PER_MINUTE: '100000',
    VAULT_RATE_LIMIT_API_PER_MINUTE: '100000',
    ...env,
  });
}

/** Collects every log line the vault writes. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

/** A settable clock for expiry tests. */
export class TestClock {
  constructor(public ms = Date.now()) {}
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface TestSite {
  siteId: string;
  apiKey: string;
}

export interface TestVault {
  app: FastifyInstance;
  config: VaultConfig;
  logs: LogCapture;
  site: TestSite;
  /** Every response body the vault sent through `call`, for leak scans. */
  responses: string[];
  call(
    method: string,
    url: string,
    body?: unknown,
    apiKey?: string | null,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  addSite(siteId: string, origin?: string): Promise<TestSite>;
  close(): Promise<void>;
}

export const ORIGIN = 'http://chat.test';
export const CALLBACK = `${ORIGIN}/api/apps/public/app-id/vault-events`;

/** A TestVault for `app`, acting as `site` (a second instance on shared backends has no site to add). */
export function attach(app: FastifyInstance, config: VaultConfig, logs: LogCapture, site: TestSite): TestVault {
  const responses: string[] = [];
  const vault: TestVault = {
    app,
    config,
    logs,
    responses,
    site,
    async call(method, url, body, apiKey, headers = {}) {
      const key = apiKey === undefined ? vault.site.apiKey : apiKey;
      // `vault.app`, not `app`: a restart test swaps in the new instance.
      const response = await vault.app.inject({
        method: method as 'GET',
        url,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        payload:
          body === undefined
            ? undefined
            : typeof body === 'string' || Buffer.isBuffer(body)
              ? body
              : JSON.stringify(body),
      });
      responses.push(response.body);
      return response;
    },
    addSite: (siteId, origin = ORIGIN) => vault.app.vault.sites.addSite(siteId, origin, 'test'),
    close: () => vault.app.close(),
  };
  return vault;
}

/** Builds a vault app on a temp SQLite file with one registered site. */
export async function startTestVault(options: BuildOptions & { config?: VaultConfig } = {}): Promise<TestVault> {
  const config = options.config ?? testConfig();
  const logs = new LogCapture();
  const app = await buildApp(config, { logStream: logs, doorbell: { retryDelaysMs: [] }, ...options });
  const vault = attach(app, config, logs, { siteId: '', apiKey: '' });
  vault.site = await vault.addSite('site-a');
  return vault;
}

export interface ClockedVault {
  vault: TestVault;
  clock: TestClock;
}

/** A test vault on its own TestClock: advancing the clock moves the vault's time (expiry tests). */
export async function startClockedVault(options: BuildOptions & { config?: VaultConfig } = {}): Promise<ClockedVault> {
  const clock = new TestClock();
  return { vault: await startTestVault({ ...options, clock: clock.now }), clock };
}

/**
 * For a describe block: before each test a fresh clocked vault, handed to `onStart` (which may set
 * the test up further); closed after each test. `options` is called per test, so that each vault
 * gets a config of its own (its own data directory and master key).
 */
export function useClockedVault(
  onStart: (started: ClockedVault) => void | Promise<void>,
  options: () => BuildOptions & { config?: VaultConfig } = () => ({}),
): void {
  let started: ClockedVault | undefined;
  beforeEach(async () => {
    started = await startClockedVault(options());
    await onStart(started);
  });
  afterEach(() => started?.vault.close());
}

/**
 * For a describe block: one test vault listening on a free loopback port, for raw-socket tests;
 * `onStart` gets it and its port. Closed after the block.
 */
export function useListeningTestVault(onStart: (vault: TestVault, port: number) => void): void {
  let vault: TestVault | undefined;
  beforeAll(async () => {
    vault = await startTestVault();
    await vault.app.listen({ host: '127.0.0.1', port: 0 });
    onStart(vault, (vault.app.server.address() as { port: number }).port);
  });
  afterAll(() => vault?.close());
}

export function cardForm(overrides: Partial<CreateRequestBody> = {}): CreateRequestBody {
  return {
    kind: 'form',
    roomId: 'room-1',
    agentId: 'agent-1',
    locale: 'en',
    callbackUrl: CALLBACK,
    form: {
      id: 'card',
      title: 'Card payment',
      fields: [
        { id: 'name', label: 'Name on card', type: 'text', required: true },
        { id: 'pan', label: 'Card number', type: 'card_number', required: true, masked: true },
        { id: 'exp', label: 'Expiry date', type: 'expiry', required: true },
        { id: 'cvv', label: 'Security code', type: 'cvv', required: true },
      ],
    },
    ...overrides,
  };
}

export function idvRequest(overrides: Partial<CreateRequestBody> = {}): CreateRequestBody {
  return {
    kind: 'idv',
    roomId: 'room-1',
    agentId: 'agent-1',
    callbackUrl: CALLBACK,
    idv: { label: 'PIN', positions: [2, 4] },
    ...overrides,
  };
}

/** A future expiry "MM/YY". */
export function futureExpiry(): string {
  const date = new Date();
  return `${String(date.getUTCMonth() + 1).padStart(2, '0')}/${String((date.getUTCFullYear() + 2) % 100).padStart(2, '0')}`;
}

/** The path of a visitor URL (inject takes paths). */
export function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

export interface CreatedAndOpened {
  requestId: string;
  visitorPath: string;
  submitPath: string;
  cancelPath: string;
}

/** Creates a request and opens its link as the visitor's JSON front end would. */
export async function createAndOpen(vault: TestVault, body: CreateRequestBody): Promise<CreatedAndOpened> {
  const created = await vault.call('POST', '/v1/requests', body);
  if (created.statusCode !== 201) throw new Error(`create failed: ${created.statusCode} ${created.body}`);
  const { requestId, visitorUrl } = created.json() as { requestId: string; visitorUrl: string };
  const opened = await vault.call('GET', pathOf(visitorUrl), undefined, null, { accept: 'application/json' });
  if (opened.statusCode !== 200) throw new Error(`open failed: ${opened.statusCode} ${opened.body}`);
  const view = opened.json() as { submitUrl: string; cancelUrl: string };
  return {
    requestId,
    visitorPath: pathOf(visitorUrl),
    submitPath: pathOf(view.submitUrl),
    cancelPath: pathOf(view.cancelUrl),
  };
}

/** A vault listening on a free loopback port, for a real browser: its links point at `base`. */
export interface ListeningVault {
  app: FastifyInstance;
  base: string;
  apiKey: string;
  /** Calls the API over HTTP with the site's key; answers the JSON body ({} for a 204). */
  api(method: string, path: string, body?: unknown): Promise<Record<string, string>>;
}

/** Starts a vault on a free port (chosen first, so visitor links point where the browser reaches it). */
export async function listeningVault(siteId: string, env: Record<string, string> = {}): Promise<ListeningVault> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = await buildApp(testConfig({ VAULT_PUBLIC_URL: base, ...env }), {
    logStream: new LogCapture(),
    doorbell: { retryDelaysMs: [] },
  });
  await app.listen({ host: '127.0.0.1', port });
  const { apiKey } = await app.vault.sites.addSite(siteId, ORIGIN);
  const api = async (method: string, path: string, body?: unknown): Promise<Record<string, string>> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        accept: 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.status === 204 ? {} : (response.json() as Promise<Record<string, string>>);
  };
  return { app, base, apiKey, api };
}

/** A card with a valid number and expiry, as a visitor types it; `overrides` change fields. */
export function cardValues(overrides: Record<string, string> = {}): Record<string, string> {
  return { name: 'N', pan: '4111111111111111', exp: futureExpiry(), cvv: '123', ...overrides };
}

/** A visitor submits a card form (`cardValues`) in a new request; fails unless it is stored. */
export async function submitCard(
  vault: TestVault,
  values: Record<string, string> = {},
  body: Partial<CreateRequestBody> = {},
): Promise<string> {
  const { requestId, submitPath } = await createAndOpen(vault, cardForm(body));
  const submitted = await vault.call('POST', submitPath, { values: cardValues(values) }, null);
  if (submitted.statusCode !== 200) throw new Error(`submit failed: ${submitted.statusCode} ${submitted.body}`);
  return requestId;
}

/**
 * Opens a visitor link as a browser does: the GET shows the start step (using nothing up), and
 * its button posts back to the link, which answers the request page.
 */
export async function openPage(vault: TestVault, visitorUrl: string): Promise<LightMyRequestResponse> {
  const start = await vault.call('GET', pathOf(visitorUrl), undefined, null, { accept: 'text/html' });
  if (start.statusCode !== 200) return start;
  const action = /<form[^>]*id="start-form"[^>]*action="([^"]+)"/.exec(start.body)?.[1];
  if (!action) throw new Error('the start step has no form');
  return vault.app.inject({
    method: 'POST',
    url: action,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    payload: 'action=start',
  });
}

/** Mints a detokenize OTK for `agentId` and redeems it at once. */
export async function reveal(
  vault: TestVault,
  requestId: string,
  agentId = 'agent-1',
): Promise<LightMyRequestResponse> {
  const minted = await vault.call('POST', `/v1/requests/${requestId}/otk`, { agentId });
  if (minted.statusCode !== 201) return minted;
  return vault.call('POST', '/v1/detokenize', { otk: (minted.json() as { otk: string }).otk, agentId });
}

/** A loopback HTTP server standing in for the app's doorbell endpoint. */
export class DoorbellReceiver {
  readonly received: { body: DoorbellBody; raw: string; headers: http.IncomingHttpHeaders }[] = [];
  private readonly server: http.Server;
  /** Status codes to answer with, in turn; 204 once they run out. */
  answers: number[] = [];

  constructor() {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      req.on('end', () => {
        this.received.push({ body: JSON.parse(raw) as DoorbellBody, raw, headers: req.headers });
        res.statusCode = this.answers.shift() ?? 204;
        res.end();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
