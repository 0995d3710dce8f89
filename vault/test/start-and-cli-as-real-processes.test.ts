/**
 * What an admin runs: the built CLI and `npm start`'s server as real processes on a temp data dir,
 * driven over loopback, the way VAULT-API.md describes and a curl session would.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { cardForm, freePort, futureExpiry, tempDir } from './helpers/vault';
import { runtimeV8Flags } from '../src/v8-runtime-flags';

jest.setTimeout(180_000);

const pkg = path.resolve(__dirname, '..');

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no "${pattern}" within ${timeoutMs} ms; output: ${seen}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

/** `site add acme --init` by the built CLI, on `env`'s data dir. */
function addSite(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, ['dist/cli.js', 'site', 'add', 'acme', '--origin', 'http://chat.test', '--init'], {
    cwd: pkg,
    env,
    encoding: 'utf8',
  });
}

describe('the vault as processes', () => {
  beforeAll(() => {
    // The same build `npm start` runs when dist/ is stale.
    execFileSync(process.execPath, ['scripts/ensure-built.js'], { cwd: pkg, stdio: 'inherit' });
  });

  it('bad configuration stops start-up with one clear line naming the variable', () => {
    const result = spawnSync(process.execPath, ['dist/main.js'], {
      cwd: pkg,
      env: { ...process.env, VAULT_PORT: 'abc', VAULT_DATA_DIR: tempDir() },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/VAULT_PORT/)]);
  });

  it('site add, start, create, open, submit, reveal, close; stop on SIGTERM; audit verify', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const opsPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      VAULT_DATA_DIR: dataDir,
      VAULT_PORT: String(port),
      VAULT_OPS_PORT: String(opsPort),
      VAULT_LOG_LEVEL: 'info',
    };
    delete env.VAULT_MASTER_KEY;
    const added = addSite(env);
    expect(added.status).toBe(0);
    const { apiKey } = JSON.parse(added.stdout.trim());
    expect(added.stderr).toMatch(/VAULT_MASTER_KEY is not set/);
    expect(added.stderr).toContain(`using SQLite ${path.join(dataDir, 'vault.sqlite')}`);

    const server = spawn(process.execPath, ['dist/main.js'], { cwd: pkg, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      await waitForLine(server, /vault listening/, 20_000);
      // The start-up line names the V8 flags main.ts set on itself, those this node's V8 knows.
      const listening = JSON.parse(output.split('\n').find((line) => line.includes('vault listening')) ?? '{}');
      expect(listening.v8Flags).toEqual(runtimeV8Flags(process.versions.v8));
      const base = `http://127.0.0.1:${port}`;
      const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
      const created = await (
        await fetch(`${base}/v1/requests`, { method: 'POST', headers, body: JSON.stringify(cardForm()) })
      ).json();
      expect(created.visitorUrl.startsWith(`${base}/f/`)).toBe(true);
      const view = await (await fetch(created.visitorUrl, { headers: { accept: 'application/json' } })).json();
      const submit = await fetch(view.submitUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ values: { name: 'N', pan: '6011111111111117', exp: futureExpiry(), cvv: '555' } }),
      });
      expect(await submit.json()).toEqual({ status: 'submitted' });
      const minted = await (
        await fetch(`${base}/v1/requests/${created.requestId}/otk`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ agentId: 'agent-1' }),
        })
      ).json();
      const shown = await (
        await fetch(`${base}/v1/detokenize`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ otk: minted.otk, agentId: 'agent-1' }),
        })
      ).json();
      expect(shown.values).toMatchObject({ pan: '6011111111111117', cvv: '555' });
      expect(
        (
          await fetch(`${base}/v1/sessions/close`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ roomId: 'room-1' }),
          })
        ).status,
      ).toBe(204);
      expect((await fetch(`http://127.0.0.1:${opsPort}/metrics`)).status).toBe(200);
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
    expect(server.exitCode).toBe(0);
    expect(output).toMatch(/vault stopping/);
    expect(output).not.toContain('6011111111111117');
    expect(output).not.toContain(apiKey.split('.')[2]);

    const verified = spawnSync(process.execPath, ['dist/cli.js', 'audit', 'verify'], {
      cwd: pkg,
      env,
      encoding: 'utf8',
    });
    expect(verified.status).toBe(0);
    const report = JSON.parse(verified.stdout.trim());
    expect(report).toMatchObject({ ok: true });
    // Stopping signed the chain's head and logged the checkpoint: every entry is anchored.
    expect(output).toMatch(/"msg":"audit checkpoint"/);
    expect(report.signedThrough).toBe(report.lastSeq);
  });

  it('VAULT_PORT=0 without VAULT_PUBLIC_URL listens on a free port and builds every link with it', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      VAULT_DATA_DIR: tempDir(),
      VAULT_PORT: '0',
      VAULT_OPS_PORT: '0',
      VAULT_LOG_LEVEL: 'info',
    };
    delete env.VAULT_MASTER_KEY;
    delete env.VAULT_PUBLIC_URL;
    const added = addSite(env);
    expect(added.status).toBe(0);
    const { apiKey } = JSON.parse(added.stdout.trim());
    const server = spawn(process.execPath, ['dist/main.js'], { cwd: pkg, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      await waitForLine(server, /vault listening/, 20_000);
      const { publicUrl } = JSON.parse(output.split('\n').find((line) => line.includes('vault listening')) ?? '{}');
      expect(publicUrl).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
      const created = await (
        await fetch(`${publicUrl}/v1/requests`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(cardForm()),
        })
      ).json();
      expect(created.visitorUrl.startsWith(`${publicUrl}/f/`)).toBe(true);
      const page = await fetch(created.visitorUrl);
      expect(page.status).toBe(200);
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  });

  it('SIGTERM under keep-alive load: each client ends on a 503 with Retry-After: 1 or a refused connect, never a cut', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      VAULT_DATA_DIR: tempDir(),
      VAULT_PORT: String(port),
      VAULT_OPS_PORT: '0',
      VAULT_LOG_LEVEL: 'info',
    };
    delete env.VAULT_MASTER_KEY;
    const added = addSite(env);
    const { apiKey } = JSON.parse(added.stdout.trim());
    const server = spawn(process.execPath, ['dist/main.js'], { cwd: pkg, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    await waitForLine(server, /vault listening/, 20_000);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const body = JSON.stringify(cardForm());
    const post = () =>
      new Promise<string>((resolve) => {
        const request = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/v1/requests',
            method: 'POST',
            agent,
            headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          },
          (response) => {
            response.resume();
            const retry = response.headers['retry-after'];
            response.on('end', () => resolve(`${response.statusCode}${retry ? ` retry-after ${retry}` : ''}`));
          },
        );
        request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        request.end(body);
      });
    const lastAnswers: string[] = [];
    let created = 0;
    // Eight clients that send their next request as soon as the last is answered, until one is not 201.
    const client = async () => {
      for (;;) {
        const answer = await post();
        if (answer !== '201') return lastAnswers.push(answer);
        created += 1;
      }
    };
    const clients = Array.from({ length: 8 }, client);
    while (created < 200) await new Promise((resolve) => setTimeout(resolve, 20));
    server.kill('SIGTERM');
    await Promise.all(clients);
    expect(await exited).toBe(0);
    // A client whose answer was under way at the signal was told to close, so its next connect is
    // refused (nothing sent); the rest are refused on their open connection. None is cut.
    expect(lastAnswers).toHaveLength(8);
    expect(lastAnswers.filter((answer) => !['503 retry-after 1', 'ECONNREFUSED'].includes(answer))).toEqual([]);
    expect(lastAnswers).toContain('503 retry-after 1');
  });
});
