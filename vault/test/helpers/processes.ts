import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { CreateRequestBody } from '../../src/contract';
import { freePort } from './vault';

/**
 * The vault as real processes (`node dist/main.js`, `node dist/cli.js`), for what only a real
 * process shows: two instances on different ports, and a `kill -9`.
 */
export const VAULT_PACKAGE = path.resolve(__dirname, '../..');

/** Builds dist/ when it is stale, as `npm start` does. */
export function ensureBuilt(): void {
  execFileSync(process.execPath, ['scripts/ensure-built.js'], { cwd: VAULT_PACKAGE, stdio: 'inherit' });
}

/** Generous limits: load tests come from one IP. */
export const NO_RATE_LIMITS = {
  VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '1000000',
  VAULT_RATE_LIMIT_OTK_PER_MINUTE: '1000000',
  VAULT_RATE_LIMIT_API_PER_MINUTE: '10000000',
};

/** Runs the built CLI; returns its exit code and output. */
export function vaultCli(
  args: string[],
  env: Record<string, string>,
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['dist/cli.js', ...args], {
    cwd: VAULT_PACKAGE,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Registers a site through the CLI and returns its API key. */
export function addSiteByCli(siteId: string, env: Record<string, string>): string {
  const added = vaultCli(['site', 'add', siteId, '--origin', 'http://chat.test'], env);
  if (added.status !== 0) throw new Error(`site add failed: ${added.stderr}`);
  return (JSON.parse(added.stdout.trim()) as { apiKey: string }).apiKey;
}

export class VaultProcess {
  output = '';
  private constructor(
    readonly child: ChildProcess,
    readonly base: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
  }

  /** Starts `node dist/main.js` on a free port and waits until it listens. */
  static async start(env: Record<string, string>, port?: number): Promise<VaultProcess> {
    const listenPort = port ?? (await freePort());
    const base = `http://127.0.0.1:${listenPort}`;
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: VAULT_PACKAGE,
      env: {
        ...process.env,
        VAULT_PUBLIC_URL: base,
        VAULT_LOG_LEVEL: 'warn',
        // Several vaults run at once here: each operations listener takes a free port.
        VAULT_OPS_PORT: '0',
        ...NO_RATE_LIMITS,
        ...env,
        VAULT_PORT: String(listenPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const vault = new VaultProcess(child, base);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the vault exited with ${child.exitCode}: ${vault.output}`);
      if (Date.now() > deadline) throw new Error(`the vault did not answer /healthz within 20 s: ${vault.output}`);
      const up = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return vault;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGTERM and wait: the clean stop. */
  async stop(): Promise<number | null> {
    return this.signal('SIGTERM');
  }

  /** SIGKILL and wait: no shutdown code runs, in-flight work is cut wherever it is. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  private async signal(signal: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    await exited;
    return this.child.exitCode;
  }
}

/** A small HTTP client for one vault process and one site. */
export class VaultHttp {
  constructor(
    readonly base: string,
    private readonly apiKey: string,
  ) {}

  async api(
    method: string,
    route: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> | null }> {
    const response = await fetch(`${this.base}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  }

  async create(body: CreateRequestBody): Promise<{ requestId: string; visitorPath: string }> {
    const created = await this.api('POST', '/v1/requests', body);
    if (created.status !== 201) throw new Error(`create answered ${created.status}`);
    return {
      requestId: String(created.json!.requestId),
      visitorPath: new URL(String(created.json!.visitorUrl)).pathname,
    };
  }

  /** Opens a visitor link (its path) as the JSON front end does; returns the submit path. */
  async open(visitorPath: string): Promise<string> {
    const opened = await fetch(`${this.base}${visitorPath}`, { headers: { accept: 'application/json' } });
    if (opened.status !== 200) throw new Error(`open answered ${opened.status}`);
    return new URL(String(((await opened.json()) as { submitUrl: string }).submitUrl), this.base).pathname;
  }

  async submit(submitPath: string, values: Record<string, string>): Promise<number> {
    const response = await fetch(`${this.base}${submitPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ values }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** Mints a detokenize OTK for agent-1 and redeems it; returns the status and values. */
  async reveal(requestId: string): Promise<{ status: number; values?: Record<string, string> }> {
    const minted = await this.api('POST', `/v1/requests/${requestId}/otk`, { agentId: 'agent-1' });
    if (minted.status !== 201) return { status: minted.status };
    const shown = await this.api('POST', '/v1/detokenize', { otk: minted.json!.otk, agentId: 'agent-1' });
    return { status: shown.status, values: shown.json?.values as Record<string, string> | undefined };
  }
}
