import { loadConfig } from '../src/config';
import { ConfigError } from '../src/errors';
import { cardForm, createAndOpen, openPage, pathOf, startTestVault, type TestVault } from './helpers/vault';

describe('operations endpoints and headers', () => {
  let vault: TestVault;
  beforeEach(async () => {
    vault = await startTestVault();
  });
  afterEach(() => vault.close());

  it('every response carries the security headers: API, pages, assets, errors, 404s', async () => {
    const created = (await vault.call('POST', '/v1/requests', cardForm())).json();
    const responses = [
      await vault.call('GET', '/healthz', undefined, null),
      await vault.call('GET', pathOf(created.visitorUrl), undefined, null),
      await vault.call('GET', '/assets/visitor.js', undefined, null),
      await vault.call('GET', '/assets/visitor.css', undefined, null),
      await vault.call('GET', '/nowhere', undefined, null),
      await vault.call('GET', '/v1/requests/not-a-uuid'),
      await vault.call('POST', '/v1/requests', '{broken'),
    ];
    for (const response of responses) {
      expect(response.headers['content-security-policy']).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
    }
    expect(responses[2].headers['content-type']).toMatch(/javascript/);
    expect(responses[2].body.length).toBeGreaterThan(100);
    expect((await vault.call('GET', '/assets/../../package.json', undefined, null)).statusCode).toBe(404);
  });

  it('the page has no inline script or style and loads only its own assets', async () => {
    const created = (await vault.call('POST', '/v1/requests', cardForm())).json();
    const start = (await vault.call('GET', pathOf(created.visitorUrl), undefined, null)).body;
    const page = (await openPage(vault, created.visitorUrl)).body;
    expect(start).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>/);
    expect(page).not.toMatch(/\sstyle=|\son[a-z]+=/i);
    expect(page).not.toMatch(/(src|href)="https?:/);
    expect(page).toMatch(/<label[^>]+for=/);
  });

  it('healthz, readyz and metrics answer', async () => {
    expect((await vault.call('GET', '/healthz', undefined, null)).json()).toEqual({ status: 'ok' });
    expect((await vault.app.ops.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
      checks: { 'storage:sqlite': 'ok', 'ephemeral:memory': 'ok' },
    });
    const { submitPath } = await createAndOpen(vault, cardForm());
    await vault.call('POST', submitPath, { values: { name: 'x' } }, null);
    await vault.call('POST', '/v1/detokenize', { otk: 'x', agentId: 'a' });
    const metrics = (await vault.app.ops.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/vault_http_requests_total\{method="POST",route="\/v1\/requests",status="201"\} 1/);
    expect(metrics).toMatch(/vault_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/f\/:otk"\}/);
    expect(metrics).toMatch(/vault_otk_outcomes_total\{purpose="detokenize",outcome="refused"\} 1/);
    expect(metrics).toMatch(/vault_otk_outcomes_total\{purpose="open",outcome="used"\} 1/);
    expect(metrics).toMatch(/vault_ephemeral_entries 0/);
    expect(metrics).toMatch(/^vault_doorbell_backlog \d+$/m);
    expect(metrics).toMatch(/vault_process_resident_memory_bytes/);
  });

  it('readyz says 503 when storage is gone', async () => {
    await vault.app.vault.storage.close();
    const ready = await vault.app.ops.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks['storage:sqlite']).toBe('unreachable');
  });

  it('logs are JSON lines naming routes, never URLs, headers or bodies', async () => {
    const created = (await vault.call('POST', '/v1/requests', cardForm())).json();
    await vault.call('GET', pathOf(created.visitorUrl), undefined, null);
    const lines = vault.logs.lines.map((line) => JSON.parse(line));
    expect(lines.some((l) => l.route === '/f/:otk' && l.statusCode === 200)).toBe(true);
    // One access line per request, written without the redaction pass: only its fixed fields.
    const access = lines.filter((l) => l.msg === 'request');
    expect(access).toHaveLength(2);
    for (const line of access)
      expect(Object.keys(line).sort()).toEqual(
        ['level', 'time', 'service', 'reqId', 'method', 'route', 'statusCode', 'ms', 'msg'].sort(),
      );
    expect(new Set(access.map((l) => l.reqId)).size).toBe(2);
    expect(vault.logs.text).not.toContain(pathOf(created.visitorUrl).split('/')[2]);
    expect(vault.logs.text).not.toMatch(/authorization|Bearer|ivk\./i);
  });

  it('a refused request writes one line, its access line with the error code', async () => {
    await vault.call('POST', '/v1/requests', cardForm());
    await vault.call('POST', '/v1/requests', '{broken');
    await vault.call('GET', '/v1/requests/not-a-uuid');
    await vault.call('POST', '/v/s/no-such-handle/reveal', '{broken', null);
    expect((await vault.call('GET', '/f/%E0%A4%A', undefined, null)).statusCode).toBe(400);
    const lines = vault.logs.lines.map((line) => JSON.parse(line));
    // A URL that does not decode never reaches the hooks that write access lines (framework-errors.ts).
    expect(lines.map((l) => [l.msg, l.statusCode, l.code])).toEqual([
      ['request', 201, undefined],
      ['request', 400, 'invalid_json'],
      ['request', 400, 'bad_request'],
      ['request', 400, 'invalid_json'],
      ['request refused', undefined, 'FST_ERR_BAD_URL'],
    ]);
  });

  it("a failed request's own log line carries the request ID of its access line", async () => {
    // Request loggers are made only when a request logs (lazyRequestLogger); they still bind reqId.
    const created = (await vault.call('POST', '/v1/requests', cardForm())).json();
    await vault.app.vault.storage.close();
    await vault.call('GET', `/v1/requests/${created.requestId}`);
    const lines = vault.logs.lines.map((line) => JSON.parse(line));
    const failed = lines.filter((l) => l.msg === 'request failed');
    expect(failed).toHaveLength(1);
    const access = lines.filter((l) => l.msg === 'request' && l.reqId === failed[0].reqId);
    expect(access).toMatchObject([{ statusCode: 500, route: failed[0].route }]);
  });
});

describe('configuration', () => {
  const cases: [Record<string, string>, string][] = [
    [{ VAULT_PORT: 'eighty' }, 'VAULT_PORT'],
    [{ VAULT_PORT: '70000' }, 'VAULT_PORT'],
    [{ VAULT_PUBLIC_URL: 'ftp://x' }, 'VAULT_PUBLIC_URL'],
    [{ VAULT_PUBLIC_URL: 'https://vault.example.com/?site=1' }, 'VAULT_PUBLIC_URL'],
    [{ VAULT_PUBLIC_URL: 'https://vault.example.com/#top' }, 'VAULT_PUBLIC_URL'],
    [{ VAULT_PUBLIC_URL: 'https://admin:secret@vault.example.com' }, 'VAULT_PUBLIC_URL'],
    // Port 0 is no port a browser opens (the URL parser takes it).
    [{ VAULT_PUBLIC_URL: 'https://vault.example.com:0' }, 'VAULT_PUBLIC_URL'],
    [{ VAULT_MASTER_KEY: 'dG9vIHNob3J0' }, 'VAULT_MASTER_KEY'],
    [{ NODE_ENV: 'production' }, 'VAULT_MASTER_KEY'],
    [{ VAULT_DATABASE_URL: 'mysql://x' }, 'VAULT_DATABASE_URL'],
    [{ VAULT_REDIS_URL: 'not a url' }, 'VAULT_REDIS_URL'],
    [{ VAULT_REDIS_URL: 'redis://127.0.0.1:6379/abc' }, 'VAULT_REDIS_URL'],
    [{ VAULT_LOG_LEVEL: 'loud' }, 'VAULT_LOG_LEVEL'],
    [{ VAULT_RETENTION_DAYS: '0' }, 'VAULT_RETENTION_DAYS'],
    [{ VAULT_TRUST_PROXY: 'maybe' }, 'VAULT_TRUST_PROXY'],
  ];
  it.each(cases)('%j is refused, naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${variable}:`));
  });

  it('defaults match VAULT-API.md', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8200,
      publicUrl: 'http://127.0.0.1:8200',
      logLevel: 'info',
      ttl: { openSeconds: 300, submitSeconds: 1800, detokenizeSeconds: 30, offRecordSeconds: 300 },
    });
    expect(config.dataDir).toMatch(/\/data$/);
  });
});
