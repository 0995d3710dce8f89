/**
 * The real vault (vault/dist) as child processes on loopback, for both test trees: the server
 * (`node dist/main.js`) and the admin CLI (`node dist/cli.js`), as an operator runs them.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';

import { freePort } from './ports';

export const VAULT_PACKAGE = path.resolve(__dirname, '..', 'vault');

/** Generous limits: load tests come from one IP. */
export const NO_RATE_LIMITS: Record<string, string> = {
  VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '1000000',
  VAULT_RATE_LIMIT_VISITOR_IP_PER_MINUTE: '1000000',
  VAULT_RATE_LIMIT_OTK_PER_MINUTE: '1000000',
  VAULT_RATE_LIMIT_API_PER_MINUTE: '10000000',
};

/** Builds vault/dist when it is stale, as `npm start` does. */
export function ensureVaultBuilt(): void {
  execFileSync(process.execPath, ['scripts/ensure-built.js'], { cwd: VAULT_PACKAGE, stdio: 'inherit' });
}

/** This process's environment without any VAULT_* variable: a test says what the vault gets. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('VAULT_')) env[name] = value;
  }
  return env;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with `env` on top of `baseEnv()`; `input` is its stdin (a relay's secret). */
export function vaultCli(args: string[], env: Record<string, string>, input?: string): CliResult {
  const result = spawnSync(process.execPath, ['dist/cli.js', ...args], {
    cwd: VAULT_PACKAGE,
    env: { ...baseEnv(), ...env },
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the built CLI without blocking this process (so load generated here goes on meanwhile). */
export function vaultCliAsync(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli.js', ...args], {
      cwd: VAULT_PACKAGE,
      env: { ...baseEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Registers a site through the CLI (creating the vault when there is none: `--init`) and returns its API key. */
export function addSiteByCli(siteId: string, env: Record<string, string>, origin = 'http://chat.test'): string {
  const added = vaultCli(['site', 'add', siteId, '--origin', origin, '--init'], env);
  if (added.status !== 0) throw new Error(`site add failed (${added.status}): ${added.stderr}`);
  return (JSON.parse(added.stdout.trim().split('\n').pop() as string) as { apiKey: string }).apiKey;
}

/** A fresh, empty folder under the OS temp dir. */
export function tempDir(prefix = 'idv-vault-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/healthz`, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export interface SiteVaultOptions {
  /** The Rocket.Chat origin the site is registered with (its doorbell URLs must start with it). */
  origin: string;
  siteId?: string;
  env?: Record<string, string>;
}

export class VaultProcess {
  /** Everything the process wrote to stdout and stderr. */
  output = '';
  /** Set by `withSite`: the registered site and its API key. */
  siteId = '';
  apiKey = '';

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    /** The SQLite file, its WAL and the dev master key live here (when the test set one). */
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    /** What the test gave the vault's environment: the CLI gets the same, so it works on this vault. */
    private readonly env: Record<string, string>,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
  }

  /** Starts `node dist/main.js` with `env` on a free port (or `port`) and waits for /healthz. */
  static async start(
    env: Record<string, string>,
    options: { port?: number; ownsDataDir?: boolean } = {},
  ): Promise<VaultProcess> {
    if (!fs.existsSync(path.join(VAULT_PACKAGE, 'dist', 'main.js'))) ensureVaultBuilt();
    const port = options.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: VAULT_PACKAGE,
      env: {
        ...baseEnv(),
        NODE_ENV: 'test',
        VAULT_HOST: '127.0.0.1',
        VAULT_PUBLIC_URL: url,
        VAULT_LOG_LEVEL: 'warn',
        // Several vaults run at once here: each operations listener takes a free port.
        VAULT_OPS_PORT: '0',
        ...NO_RATE_LIMITS,
        ...env,
        VAULT_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const vault = new VaultProcess(child, url, env.VAULT_DATA_DIR || '', options.ownsDataDir === true, env);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the vault exited with ${child.exitCode}: ${vault.output}`);
      if (Date.now() > deadline) {
        await vault.stop();
        throw new Error(`the vault did not answer /healthz within 20 s: ${vault.output}`);
      }
      if (await healthy(url)) return vault;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * A vault of its own (temp data dir, random master key, info logs) with one site registered
   * through the CLI, as an admin would; `stop()` removes its data dir.
   */
  static async withSite(options: SiteVaultOptions): Promise<VaultProcess> {
    const dataDir = tempDir();
    const env = {
      VAULT_DATA_DIR: dataDir,
      VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
      VAULT_LOG_LEVEL: 'info',
      ...options.env,
    };
    const siteId = options.siteId || 'rc-test';
    let apiKey: string;
    try {
      apiKey = addSiteByCli(siteId, env, options.origin);
    } catch (err) {
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
    const vault = await VaultProcess.start(env, { ownsDataDir: true });
    vault.siteId = siteId;
    vault.apiKey = apiKey;
    return vault;
  }

  /** Runs a CLI command on this vault's data, as its admin would; returns its stdout (throws when it fails). */
  cli(args: string[], input?: string): string {
    const run = vaultCli(args, this.env, input);
    if (run.status !== 0) throw new Error(`vault CLI "${args.join(' ')}" failed (${run.status}): ${run.stderr}`);
    return run.stdout.trim();
  }

  /**
   * SIGTERM, then SIGKILL if it has not exited within `timeoutMs`; resolves to its exit code (null
   * when killed). Removes the data dir it owns unless `keepData` (call `removeData` after).
   */
  async stop(options: { keepData?: boolean; timeoutMs?: number } = {}): Promise<number | null> {
    const code = await this.signal('SIGTERM', options.timeoutMs ?? 10_000);
    if (this.ownsDataDir && !options.keepData) this.removeData();
    return code;
  }

  /** SIGKILL and wait: no shutdown code runs, in-flight work is cut wherever it is. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL', 10_000);
  }

  removeData(): void {
    if (this.dataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals, timeoutMs: number): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    if (timer) clearTimeout(timer);
    if (late) {
      this.child.kill('SIGKILL');
      await exited;
    }
    return this.child.exitCode;
  }
}
