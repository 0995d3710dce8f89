/**
 * `kill -TERM <pid of npm start>` stops everything: npm passes the signal to scripts/start.js,
 * which passes it to the vault; the vault finishes a request that was in flight, closes its
 * database and exits within its bound, leaving no process and no listener behind.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

import { freePort } from '../../testkit/ports';
import { addSiteByCli, baseEnv, tempDir } from '../../testkit/vault-process';

jest.setTimeout(180000);

const ROOT = path.resolve(__dirname, '..', '..');

/** Waits for `pattern` in what the child printed; fails at once if the child exits first (a port taken, say). */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number, seen: { text: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${seen.text}`)), timeoutMs);
    const check = () => {
      if (pattern.test(seen.text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    const exitedFirst = (code: number | null) => {
      check();
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before ${pattern}: ${seen.text}`));
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('close', exitedFirst);
    check();
  });
}

/** Every process below `pid`, from /proc (Linux): npm's shell-less child, then the vault. */
function descendants(pid: number): Array<{ pid: number; cmd: string }> {
  const parentOf = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: Array<{ pid: number; cmd: string }> = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parentOf) {
      if (ppid !== parent) continue;
      let cmd = '';
      try {
        cmd = fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ').trim();
      } catch {
        continue;
      }
      found.push({ pid: child, cmd });
      walk(child);
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A raw HTTP request whose body arrives in two parts, `between` running after the first. */
function requestInTwoParts(port: number, head: string, body: string, between: () => Promise<void>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.once('connect', () => {
      const half = Math.floor(body.length / 2);
      socket.write(head + body.slice(0, half));
      between().then(() => socket.write(body.slice(half)), reject);
    });
  });
}

describe('kill -TERM <pid of npm start>', () => {
  it('stops npm, start.js and the vault; the in-flight request completes; the database is closed; the port is free', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const env = {
      VAULT_DATA_DIR: dataDir,
      VAULT_PORT: String(port),
      // Any free port: a vault already running on this machine holds the default 8201.
      VAULT_OPS_PORT: '0',
      VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
      VAULT_LOG_LEVEL: 'info',
    };
    try {
      const apiKey = addSiteByCli('acme', env);
      const npm = spawn('npm', ['start'], {
        cwd: ROOT,
        env: { ...baseEnv(), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const seen = { text: '' };
      npm.stdout?.on('data', (chunk: Buffer) => (seen.text += chunk.toString('utf8')));
      npm.stderr?.on('data', (chunk: Buffer) => (seen.text += chunk.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
      await waitForOutput(npm, /vault listening/, 120000, seen);
      const below = descendants(npm.pid as number);
      expect(below.map((p) => p.cmd)).toEqual([
        expect.stringMatching(/scripts\/start\.js$/),
        expect.stringMatching(/dist\/main\.js$/),
      ]);

      const body = JSON.stringify({
        kind: 'idv',
        roomId: 'room-1',
        agentId: 'agent-1',
        callbackUrl: 'http://chat.test/api/apps/public/x/vault-events',
        idv: { label: 'PIN', positions: [2, 4] },
      });
      const head =
        `POST /v1/requests HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${apiKey}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
      let signalledAt = 0;
      const answer = await requestInTwoParts(port, head, body, async () => {
        // Let the vault route the request first: from then on it is in flight.
        await new Promise((resolve) => setTimeout(resolve, 500));
        signalledAt = Date.now();
        process.kill(npm.pid as number, 'SIGTERM');
        await waitForOutput(npm, /vault stopping/, 10000, seen);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 201 /);

      const code = await exited;
      const stopMs = Date.now() - signalledAt;
      expect(code).toBe(0);
      expect(seen.text).toMatch(/vault stopped/);
      expect(below.filter((p) => alive(p.pid))).toEqual([]);
      expect(await connects(port)).toBe(false);
      // better-sqlite3 checkpoints and removes the WAL when the last connection closes.
      expect(fs.existsSync(path.join(dataDir, 'vault.sqlite-wal'))).toBe(false);
      expect(stopMs).toBeLessThan(10000);
      console.log(`kill -TERM <npm start>: everything stopped ${stopMs} ms after the signal`);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
