/**
 * The real vault (vault/, built into vault/dist) as a child process on loopback, with its own
 * data folder and master key, and one site registered through its CLI, as an admin would.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

import { httpJson, waitFor } from './http-json';

const VAULT_DIR = path.resolve(__dirname, '..', '..', 'vault');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface VaultOptions {
  /** The Rocket.Chat origin the site is registered with (its doorbell URLs must start with it). */
  origin: string;
  siteId?: string;
  env?: Record<string, string>;
}

export class VaultProcess {
  public output = '';

  private constructor(
    public readonly url: string,
    public readonly siteId: string,
    public readonly apiKey: string,
    private readonly child: ChildProcess,
    /** The SQLite file, its WAL and the vault's other files live here. */
    public readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {}

  public static async start(options: VaultOptions): Promise<VaultProcess> {
    const main = path.join(VAULT_DIR, 'dist', 'main.js');
    if (!fs.existsSync(main)) {
      throw new Error('vault/dist is missing: the test global setup builds it (node vault/scripts/ensure-built.js)');
    }
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'idv-vault-'));
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH || '',
      NODE_ENV: 'test',
      VAULT_HOST: '127.0.0.1',
      VAULT_PORT: String(port),
      // The operations listener (/metrics, /readyz) on a free port, so several vaults can run at once.
      VAULT_OPS_PORT: '0',
      VAULT_DATA_DIR: dataDir,
      VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
      VAULT_LOG_LEVEL: 'info',
      ...options.env,
    };
    const siteId = options.siteId || 'rc-test';
    const cli = spawnSync(
      process.execPath,
      [path.join(VAULT_DIR, 'dist', 'cli.js'), 'site', 'add', siteId, '--origin', options.origin],
      { env, encoding: 'utf8' },
    );
    if (cli.status !== 0) {
      throw new Error(`vault CLI "site add" failed (${cli.status}): ${cli.stderr}`);
    }
    const { apiKey } = JSON.parse(cli.stdout.trim().split('\n').pop() as string) as { apiKey: string };
    const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const vault = new VaultProcess(`http://127.0.0.1:${port}`, siteId, apiKey, child, dataDir, env);
    child.stdout?.on('data', (c: Buffer) => {
      vault.output += c.toString('utf8');
    });
    child.stderr?.on('data', (c: Buffer) => {
      vault.output += c.toString('utf8');
    });
    try {
      await waitFor(
        'the vault to be ready',
        async () => {
          if (child.exitCode !== null) {
            throw new Error(`the vault exited with ${child.exitCode}: ${vault.output}`);
          }
          try {
            return (await httpJson('GET', `${vault.url}/healthz`)).status === 200;
          } catch {
            return false;
          }
        },
        15000,
      );
    } catch (err) {
      await vault.stop();
      throw err;
    }
    return vault;
  }

  /** Runs a vault CLI command on this vault's data, as its admin would; returns its output line. */
  public cli(args: string[]): string {
    const run = spawnSync(process.execPath, [path.join(VAULT_DIR, 'dist', 'cli.js'), ...args], {
      env: this.env,
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      throw new Error(`vault CLI "${args.join(' ')}" failed (${run.status}): ${run.stderr}`);
    }
    return run.stdout.trim();
  }

  /** Stops the vault; `keepData` leaves its data folder for inspection (call `removeData` after). */
  public async stop(options: { keepData?: boolean } = {}): Promise<void> {
    if (this.child.exitCode === null) {
      let timer: NodeJS.Timeout | undefined;
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await Promise.race([
        exited,
        new Promise((resolve) => {
          timer = setTimeout(resolve, 5000);
        }),
      ]);
      clearTimeout(timer as NodeJS.Timeout);
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.child.kill('SIGKILL');
      }
    }
    if (!options.keepData) {
      this.removeData();
    }
  }

  public removeData(): void {
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
