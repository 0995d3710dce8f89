/**
 * VAULT_WORKERS=2 as an operator runs it (`node dist/main.js`): one port, a primary and two worker
 * processes, each a full vault on the same database (SQLite in WAL mode, or PostgreSQL) and Redis.
 * node's cluster hands each new connection to the next worker, so requests on fresh connections
 * alternate; every request's log line names the worker's pid, which is how the test tells who served it.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../src/config';
import type { Readiness } from '../src/http/ops-routes';
import { REDIS_URL, redisPrefix, requirePostgres, requireRedis, wipeRedisPrefix } from './helpers/backends';
import { addSiteByCli, ensureVaultBuilt, VaultProcess } from './helpers/processes';
import { SharedBackends } from './helpers/scale-out';
import { cardForm, freePort, futureExpiry, tempDir } from './helpers/vault';

jest.setTimeout(90_000);

const VALUES = { name: 'Ada Lovelace', pan: '4111111111111111', exp: futureExpiry(), cvv: '737' };
const RACERS = 12;

interface Answer {
  status: number;
  json: Record<string, unknown> | null;
}

/** One request on a connection of its own (so the cluster hands it to the next worker). */
function send(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return new Promise<Answer>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      `${base}${path}`,
      {
        method,
        agent: false,
        headers: {
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, json: text ? JSON.parse(text) : null }));
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** The request log lines of the vault so far: which worker (pid) answered which route with which status. */
function served(vault: VaultProcess): { pid: number; method: string; route: string; statusCode: number }[] {
  return vault.output
    .split('\n')
    .filter((line) => line.includes('"msg":"request"'))
    .map((line) => JSON.parse(line) as { pid: number; method: string; route: string; statusCode: number });
}

/** Whether a logged route pattern (`/f/:otk`) is the route `path` took. */
function routeMatches(route: string, path: string): boolean {
  const want = path.split('?')[0].split('/');
  const have = route.split('/');
  return want.length === have.length && have.every((part, i) => part.startsWith(':') || part === want[i]);
}

/** The worker processes of a primary, from /proc. */
function workerPids(primaryPid: number): number[] {
  const children = fs.readFileSync(`/proc/${primaryPid}/task/${primaryPid}/children`, 'utf8').trim();
  return children ? children.split(/\s+/).map(Number) : [];
}

const alive = (pid: number) => fs.existsSync(`/proc/${pid}`);

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A two-worker vault with one site, on SQLite (its own data dir) or the test PostgreSQL, and Redis. */
class TwoWorkers {
  vault!: VaultProcess;
  apiKey = '';
  opsPort = 0;
  private readonly backends = new SharedBackends();
  private readonly prefix = redisPrefix();
  private readonly dataDir = tempDir();

  constructor(private readonly storage: 'sqlite' | 'postgres') {}

  env(): Record<string, string> {
    const shared = this.backends.env();
    return {
      VAULT_DATA_DIR: this.dataDir,
      VAULT_MASTER_KEY: shared.VAULT_MASTER_KEY,
      VAULT_REDIS_URL: `${REDIS_URL}?prefix=${encodeURIComponent(this.prefix)}`,
      ...(this.storage === 'postgres' ? { VAULT_DATABASE_URL: shared.VAULT_DATABASE_URL } : {}),
    };
  }

  async start(): Promise<void> {
    if (this.storage === 'postgres') await requirePostgres();
    await requireRedis();
    ensureVaultBuilt();
    this.apiKey = addSiteByCli('acme', this.env());
    this.opsPort = await freePort();
    this.vault = await VaultProcess.start({
      ...this.env(),
      VAULT_WORKERS: '2',
      VAULT_LOG_LEVEL: 'info',
      VAULT_OPS_PORT: String(this.opsPort),
      VAULT_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3',
    });
    await until('both workers', async () =>
      (await this.ops('/readyz')).json?.workers?.listening === 2 ? true : undefined,
    );
  }

  /** A request to the API with the site's key; resolves once its log line is in, with the pid that served it. */
  async call(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
    const before = served(this.vault).length;
    const answer = await send(this.vault.url, method, path, body, {
      authorization: `Bearer ${this.apiKey}`,
      ...headers,
    });
    // Its own line, not merely the next one: a start-up /healthz line may still be on its way.
    const line = await until('the log line', () =>
      served(this.vault)
        .slice(before)
        .find((entry) => entry.method === method && routeMatches(entry.route, path)),
    );
    return { ...answer, pid: line.pid };
  }

  async ops(path: string): Promise<{ status: number; text: string; json?: Readiness }> {
    const response = await fetch(`http://127.0.0.1:${this.opsPort}${path}`);
    const text = await response.text();
    return { status: response.status, text, json: path === '/metrics' ? undefined : JSON.parse(text) };
  }

  async stop(): Promise<number | null> {
    const code = await this.vault?.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    await this.backends.drop();
    await wipeRedisPrefix(this.prefix);
    return code;
  }
}

describe.each(['sqlite', 'postgres'] as const)('VAULT_WORKERS=2 on %s and Redis', (storage) => {
  const vault = new TwoWorkers(storage);
  beforeAll(() => vault.start());
  afterAll(() => vault.stop());

  it('a request created through one worker is opened, submitted and detokenized through the other; the link and the OTK work once across both', async () => {
    const created = await vault.call('POST', '/v1/requests', cardForm());
    expect(created.status).toBe(201);
    const visitorPath = new URL(String(created.json!.visitorUrl)).pathname;
    const opened = await vault.call('GET', visitorPath);
    expect(opened.status).toBe(200);
    expect(opened.pid).not.toBe(created.pid);
    const submitPath = new URL(String(opened.json!.submitUrl)).pathname;

    // The submit link works once, whichever worker each racer reaches.
    const submitsBefore = served(vault.vault).length;
    const submits = await Promise.all(
      Array.from({ length: RACERS }, () => send(vault.vault.url, 'POST', submitPath, { values: VALUES })),
    );
    expect(submits.map((s) => s.status).sort()).toEqual([200, ...Array(RACERS - 1).fill(404)]);
    const submitLines = await until('the submit lines', () => {
      const lines = served(vault.vault).slice(submitsBefore);
      return lines.length === RACERS ? lines : undefined;
    });
    expect(new Set(submitLines.map((line) => line.pid)).size).toBe(2);
    const submittedBy = submitLines.find((line) => line.statusCode === 200)!.pid;

    // The OTK is single-use across workers, and the CVV sealed in Redis by one worker opens in the other.
    const minted = await vault.call('POST', `/v1/requests/${created.json!.requestId}/otk`, { agentId: 'agent-1' });
    expect(minted.status).toBe(201);
    const redeem = () => vault.call('POST', '/v1/detokenize', { otk: minted.json!.otk, agentId: 'agent-1' });
    // The cluster alternates: step once more when the next connection would reach the submitting worker.
    if (minted.pid !== submittedBy) await vault.call('GET', '/healthz');
    const shown = await redeem();
    expect([shown.status, shown.pid === submittedBy]).toEqual([200, false]);
    expect(shown.json!.values).toEqual(VALUES);
    const again = [await redeem(), await redeem()];
    expect(again.map((r) => [r.status, (r.json!.error as { code: string }).code])).toEqual([
      [403, 'invalid_otk'],
      [403, 'invalid_otk'],
    ]);
    expect(new Set([shown.pid, ...again.map((r) => r.pid)]).size).toBe(2);
  });

  it('the operations listener on the primary speaks for both workers', async () => {
    const ready = await vault.ops('/readyz');
    expect([ready.status, ready.json]).toEqual([
      200,
      {
        status: 'ready',
        checks: { [`storage:${storage}`]: 'ok', 'ephemeral:redis': 'ok' },
        workers: { configured: 2, listening: 2 },
      },
    ]);
    const metrics = (await vault.ops('/metrics')).text;
    expect(metrics).toMatch(/^vault_workers_listening 2$/m);
    // Summed over both workers: every create this file made, whichever worker took it.
    expect(metrics).toMatch(/^vault_http_requests_total\{method="POST",route="\/v1\/requests",status="201"\} 1$/m);
    const detokenized = served(vault.vault).filter((l) => l.route === '/v1/detokenize').length;
    const counted = [
      ...metrics.matchAll(/^vault_http_requests_total\{method="POST",route="\/v1\/detokenize",status="\d+"\} (\d+)$/gm),
    ];
    expect(counted.reduce((sum, m) => sum + Number(m[1]), 0)).toBe(detokenized);
  });

  if (storage === 'sqlite') {
    it('a killed worker is replaced while the other keeps answering', async () => {
      const primary = vault.vault.child.pid!;
      const [victim, survivor] = workerPids(primary);
      process.kill(victim, 'SIGKILL');
      await until('the victim gone', () => (alive(victim) ? undefined : true));
      await until('the primary to notice', () =>
        vault.vault.output.includes('starting a replacement') ? true : undefined,
      );
      for (let i = 0; i < 4; i++) expect((await vault.call('POST', '/v1/requests', cardForm())).status).toBe(201);
      const replacement = await until('a replacement', async () => {
        const ready = await vault.ops('/readyz');
        const pids = workerPids(primary);
        return ready.json?.workers?.listening === 2 && pids.length === 2 ? pids.find((p) => p !== survivor) : undefined;
      });
      expect(replacement).not.toBe(victim);
      const answeredBy = new Set<number>();
      for (let i = 0; i < 2; i++) answeredBy.add((await vault.call('GET', '/v1/requests/nothing-here')).pid);
      expect(answeredBy).toEqual(new Set([survivor, replacement]));
      expect((await vault.ops('/metrics')).text).toMatch(/^vault_worker_restarts_total 1$/m);
    });
  }

  // Last but one: once the limit is reached, this IP is refused for a minute whatever key it sends.
  it('failed API keys are counted in Redis: three a minute for the box, not three per worker', async () => {
    const guesses = [];
    for (let i = 0; i < 5; i++)
      guesses.push(await vault.call('GET', '/v1/requests/x', undefined, { authorization: 'Bearer nope' }));
    expect(guesses.map((g) => g.status)).toEqual([401, 401, 401, 429, 429]);
    expect(new Set(guesses.map((g) => g.pid)).size).toBe(2);
  });

  it('SIGTERM to the primary stops every worker gracefully', async () => {
    const workers = workerPids(vault.vault.child.pid!);
    expect(workers).toHaveLength(2);
    expect(await vault.vault.stop({ keepData: true })).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
    const stopped = vault.vault.output.split('\n').filter((line) => line.includes('"msg":"vault stopped"'));
    expect(stopped).toHaveLength(3);
    expect(vault.vault.output).not.toMatch(/4111111111111111|Ada Lovelace/);
  });
});

describe('VAULT_WORKERS', () => {
  it('a worker that cannot start stops the vault, with 2 for a port in use, instead of being restarted in a loop', async () => {
    await requireRedis();
    ensureVaultBuilt();
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const dataDir = tempDir();
    try {
      const port = (taken.address() as net.AddressInfo).port;
      const run = spawnSync(process.execPath, ['dist/main.js'], {
        cwd: `${__dirname}/..`,
        env: {
          PATH: process.env.PATH,
          VAULT_WORKERS: '2',
          VAULT_PORT: String(port),
          VAULT_OPS_PORT: '0',
          VAULT_DATA_DIR: dataDir,
          VAULT_MASTER_KEY: Buffer.alloc(32, 2).toString('base64'),
          VAULT_REDIS_URL: `${REDIS_URL}?prefix=${encodeURIComponent(redisPrefix())}`,
        },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(
        `vault: configuration error: VAULT_PORT: 127.0.0.1:${port} is already in use: stop what listens there, or choose another port.`,
      );
      const exited = run.stdout
        .split('\n')
        .filter((line) => line.includes('vault worker exited while starting; stopping the vault'));
      expect(exited).toHaveLength(1);
      // Each key once, so a log pipeline keeps both processes' ids.
      expect(exited[0].match(/"pid":/g)).toHaveLength(1);
      expect(JSON.parse(exited[0])).toMatchObject({ process: 'primary', workerPid: expect.any(Number) });
      expect(run.stdout).not.toMatch(/starting a replacement/);
    } finally {
      taken.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('is 1 by default, a number or auto, and more than one without Redis is refused with the fix named', () => {
    expect(loadConfig({}).workers).toBe(1);
    const redis = { VAULT_REDIS_URL: REDIS_URL, VAULT_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') };
    expect(loadConfig({ ...redis, VAULT_WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ ...redis, VAULT_WORKERS: 'auto' }).workers).toBeGreaterThanOrEqual(1);
    expect(() => loadConfig({ VAULT_WORKERS: 'many' })).toThrow(
      /VAULT_WORKERS: must be a whole number from 1 to 64 or "auto"/,
    );
    expect(() => loadConfig({ VAULT_WORKERS: '0' })).toThrow(/VAULT_WORKERS/);

    ensureVaultBuilt();
    const refused = spawnSync(process.execPath, ['dist/main.js'], {
      cwd: `${__dirname}/..`,
      env: { PATH: process.env.PATH, VAULT_WORKERS: '2', VAULT_DATA_DIR: tempDir() },
      encoding: 'utf8',
    });
    expect(refused.status).toBe(2);
    const lines = refused.stderr.trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/VAULT_WORKERS: 2 needs VAULT_REDIS_URL: .* Set VAULT_REDIS_URL/)]);
  });
});
