/**
 * Redis configured to persist (AOF with fsync on every write, plus RDB snapshots) is where a
 * plaintext CVV would outlive its TTL on disk. The vault only ever hands Redis sealed bytes, so
 * neither Redis's memory nor its files hold a submitted value: read them directly and look.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { ephemeralKey } from '../src/service/request-spec';
import {
  cardForm,
  createAndOpen,
  freePort,
  idvRequest,
  reveal,
  startTestVault,
  tempDir,
  testConfig,
  type TestVault,
} from './helpers/vault';
import { scanKeys } from './helpers/backends';

jest.setTimeout(60_000);

const CANARY_TEXT = 'CANARY-ZEBRA-4471';
const CANARY_CVV = '9173';
const CANARY_PAN = '4000056655665556';
/** What a plaintext JSON of the values would contain, whatever the value. */
const JSON_MARKERS = ['"cvv"', '"memorable"', '"2":"', '"4":"'];

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? files(full) : [full];
  });
}

function leaks(haystack: Buffer): string[] {
  return [CANARY_TEXT, CANARY_CVV, CANARY_PAN, ...JSON_MARKERS].filter((needle) =>
    haystack.includes(Buffer.from(needle)),
  );
}

describe('a persisting Redis never holds plaintext', () => {
  const dir = tempDir('vault-redis-');
  let server: ChildProcess;
  let redis: Redis;
  let vault: TestVault;
  const offRecordSeconds = 120;

  beforeAll(async () => {
    const port = await freePort();
    server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '3600 1',
        '--daemonize',
        'no',
        '--logfile',
        path.join(dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    const spawned = await new Promise<Error | undefined>((resolve) => {
      server.once('error', resolve);
      server.once('spawn', () => resolve(undefined));
    });
    if (spawned)
      throw new Error(
        `this test starts its own persisting redis-server and could not (${spawned.message}); install Redis (apt-get install redis-server)`,
      );
    redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    for (let i = 0; ; i += 1) {
      if (
        await redis.ping().then(
          () => true,
          () => false,
        )
      )
        break;
      if (i > 100) throw new Error('the test redis-server did not start');
      await sleep(50);
    }
    vault = await startTestVault({
      config: testConfig({
        VAULT_REDIS_URL: `redis://127.0.0.1:${port}`,
        VAULT_OFF_RECORD_TTL_SECONDS: String(offRecordSeconds),
      }),
    });
  });
  afterAll(async () => {
    await vault?.close();
    redis?.disconnect();
    server?.kill('SIGKILL');
  });

  it('keys carry a TTL and sealed bytes only, in memory and in the AOF and RDB files; closing the room deletes them', async () => {
    const form = await createAndOpen(
      vault,
      cardForm({
        roomId: 'room-canary',
        form: {
          id: 'f',
          title: 'F',
          fields: [
            { id: 'pan', label: 'Card', type: 'card_number', required: true },
            { id: 'cvv', label: 'CVV', type: 'cvv', required: true },
            { id: 'memorable', label: 'Memorable word', type: 'text', required: true, offTheRecord: true },
          ],
        },
      }),
    );
    expect(
      (
        await vault.call(
          'POST',
          form.submitPath,
          { values: { pan: CANARY_PAN, cvv: CANARY_CVV, memorable: CANARY_TEXT } },
          null,
        )
      ).statusCode,
    ).toBe(200);
    const idv = await createAndOpen(vault, idvRequest({ roomId: 'room-canary' }));
    expect((await vault.call('POST', idv.submitPath, { values: { 2: 'Q', 4: 'Z' } }, null)).statusCode).toBe(200);
    const other = await createAndOpen(vault, idvRequest({ roomId: 'room-other' }));
    await vault.call('POST', other.submitPath, { values: { 2: 'K', 4: 'J' } }, null);

    // Positive control: the values are there, through the vault.
    expect((await reveal(vault, form.requestId)).json().values).toEqual({
      pan: CANARY_PAN,
      cvv: CANARY_CVV,
      memorable: CANARY_TEXT,
    });
    expect((await reveal(vault, idv.requestId)).json().values).toEqual({ 2: 'Q', 4: 'Z' });

    const keys = await scanKeys(redis, '');
    // Besides the sealed entries, only the shared rate-limit counters (route and client IP or site).
    const sealed = keys.filter((key) => !key.startsWith('idv-vault:rate-limit:'));
    expect(sealed.sort()).toEqual([form, idv, other].map((r) => `idv-vault:${ephemeralKey(r.requestId)}`).sort());
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(Math.max(offRecordSeconds, 60) * 1000);
      expect(leaks((await redis.getBuffer(key))!)).toEqual([]);
      expect(leaks((await redis.dumpBuffer(key))!)).toEqual([]);
    }

    // A snapshot now (SAVE waits for it); the AOF is already on disk (appendfsync always).
    expect(await redis.save()).toBe('OK');
    const onDisk = Buffer.concat(
      files(dir)
        .filter((f) => !f.endsWith('.log'))
        .map((f) => fs.readFileSync(f)),
    );
    // The files did capture the vault's writes (its key names are there)…
    expect(onDisk.includes(Buffer.from(ephemeralKey(form.requestId)))).toBe(true);
    expect(files(dir).some((f) => f.endsWith('.rdb'))).toBe(true);
    expect(files(dir).some((f) => f.includes('.aof'))).toBe(true);
    // …and not one value.
    expect(leaks(onDisk)).toEqual([]);

    expect((await vault.call('POST', '/v1/sessions/close', { roomId: 'room-canary' })).statusCode).toBe(204);
    expect(await scanKeys(redis, 'idv-vault:eph:')).toEqual([`idv-vault:${ephemeralKey(other.requestId)}`]);
  });
});
