/**
 * deploy/nginx.conf, run by the real nginx in front of a stand-in upstream: its access log names
 * neither a visitor's nor an agent's one-time key (/f/<otk>, /v/<otk>), and it passes a form as
 * large as the vault takes (1 MiB) instead of answering 413 and losing it. Machines without nginx
 * skip these checks and say so.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

const CONF = path.resolve(__dirname, '..', '..', 'deploy', 'nginx.conf');
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((file) => fs.existsSync(file));

/** A one-time key's shape (43 base64url characters). */
const otk = (letter: string): string => letter.repeat(43);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The shipped file with only what this machine needs changed: addresses, log files, temp dirs. */
function localCopy(text: string, dir: string, port: number, upstream: number): string {
  const local = text
    .replace(/ {4}server vault-a:8200[^\n]*\n/, `    server 127.0.0.1:${upstream};\n`)
    .replace(/ {4}server vault-b:8200[^\n]*\n/, '')
    .replace('listen 8080;', `listen 127.0.0.1:${port};`)
    .replace('access_log /dev/stdout vault;', `access_log ${dir}/access.log vault;`)
    .replace('error_log /dev/stderr crit;', `error_log ${dir}/error.log crit;`)
    // Bodies up to the cap stay in memory: nginx's temp files need its own dirs, which this copy lacks.
    .replace(
      'http {',
      `http {\n  client_body_buffer_size 2m;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;`,
    );
  if (local.includes('vault-a') || local.includes('vault-b') || local.includes('/dev/std'))
    throw new Error('deploy/nginx.conf changed shape: update this copy');
  return `pid ${dir}/nginx.pid;\n${local}`;
}

function request(port: number, method: string, urlPath: string, body = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      (answer) => {
        answer.resume();
        answer.on('end', () => resolve(answer.statusCode ?? 0));
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

(NGINX ? describe : describe.skip)('deploy/nginx.conf in front of the vault', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-'));
  const received: Array<{ url: string; bytes: number }> = [];
  const upstream = http.createServer((incoming, answer) => {
    let bytes = 0;
    incoming.on('data', (chunk: Buffer) => (bytes += chunk.length));
    incoming.on('end', () => {
      received.push({ url: incoming.url ?? '', bytes });
      answer.end('ok');
    });
  });
  let nginx: ChildProcess | undefined;
  let port = 0;

  beforeAll(async () => {
    // nginx's workers drop root: they must reach the temp dirs made here.
    fs.chmodSync(dir, 0o755);
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    port = await freePort();
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(
      conf,
      localCopy(fs.readFileSync(CONF, 'utf8'), dir, port, (upstream.address() as net.AddressInfo).port),
    );
    const checked = spawnSync(NGINX as string, ['-t', '-p', dir, '-c', conf, '-e', `${dir}/error.log`], {
      encoding: 'utf8',
    });
    expect(checked.stderr).toMatch(/syntax is ok/);
    nginx = spawn(NGINX as string, ['-p', dir, '-c', conf, '-e', `${dir}/error.log`, '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    for (let tries = 0; tries < 100; tries += 1) {
      if (await request(port, 'GET', '/healthz').catch(() => 0)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('nginx did not start');
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx?.once('exit', resolve));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await new Promise((resolve) => upstream.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('logs visitor and viewer paths without their one-time keys', async () => {
    expect(await request(port, 'GET', `/f/${otk('A')}`)).toBe(200);
    expect(await request(port, 'POST', `/f/${otk('B')}/submit`, 'v.name=Ada')).toBe(200);
    expect(await request(port, 'GET', `/v/${otk('C')}`)).toBe(200);
    expect(await request(port, 'POST', `/v/${otk('D')}`)).toBe(200);
    expect(received.map((each) => each.url)).toEqual(expect.arrayContaining([`/f/${otk('A')}`, `/v/${otk('C')}`]));
    // nginx writes a line when the request ends; give it the moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const log = fs.readFileSync(path.join(dir, 'access.log'), 'utf8');
    for (const letter of ['A', 'B', 'C', 'D']) expect(log).not.toContain(otk(letter));
    expect(log).toContain('"GET /f/[redacted]" 200');
    expect(log).toContain('"GET /v/[redacted]" 200');
  });

  it('passes a form as large as the vault takes, and refuses one over its 1 MiB', async () => {
    // Eight answers of 1000 Japanese characters: 72 KiB urlencoded, which a 64 KiB cap refused.
    const answer = encodeURIComponent('あ'.repeat(1000));
    const body = Array.from({ length: 8 }, (_, index) => `v.f${index}=${answer}`).join('&');
    expect(Buffer.byteLength(body)).toBeGreaterThan(64 * 1024);
    const status = await request(port, 'POST', `/f/${otk('E')}/submit`, body);
    // On a failure, nginx's own words say why.
    expect({ status, errors: status === 200 ? '' : fs.readFileSync(path.join(dir, 'error.log'), 'utf8') }).toEqual({
      status: 200,
      errors: '',
    });
    expect(received.find((each) => each.url === `/f/${otk('E')}/submit`)?.bytes).toBe(Buffer.byteLength(body));
    expect(await request(port, 'POST', `/f/${otk('F')}/submit`, 'x'.repeat(1024 * 1024 + 1))).toBe(413);
  });
});

if (!NGINX) {
  it('says why the nginx checks were skipped', () => {
    console.log('nginx is not installed here: deploy/nginx.conf was not run (apt-get install nginx).');
  });
}
