/**
 * The bench's own helpers, whose mistakes would pass as figures: its command-line rules (garbage
 * stops the bench instead of running on NaN), the stolen-CPU share every run reports, the
 * allocation a window of a server's life reports, what a process's memory is made of, and the floor's
 * hand-made compact JWE (node-jose must read it, and it must refuse what GCM refuses).
 */
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';

/* eslint-disable @typescript-eslint/no-require-imports */
type Args = Record<string, string | true>;
const cli = require('../../bench/lib/cli') as {
  flags(argv: string[]): Args;
  wholeNumber(args: Args, name: string, fallback: number | undefined, min?: number): number;
  wholeNumbers(args: Args, name: string, fallback: number[]): number[];
  filePath(args: Args, name: string, fallback: string | undefined): string;
};
const steal = require('../../bench/lib/steal') as {
  cpuTicks(): { steal: number; total: number } | undefined;
  stolenPercent(before?: { steal: number; total: number }, after?: { steal: number; total: number }): number | null;
};
const byHand = require('../../bench/lib/jwe-by-hand') as {
  encrypt(kek: Buffer, header: object, plaintext: Buffer): string;
  decrypt(kek: Buffer, token: string): Buffer;
};
const { vaultRequire } = require('../../bench/lib/paths') as { vaultRequire: NodeRequire };
type Regions = Record<'binary' | 'otherFiles' | 'mainArena' | 'threadArenas' | 'anonymous' | 'total', number>;
const memoryRegions = require('../../bench/lib/memory-regions') as {
  regionsOf(smaps: string, binary: string): Regions;
  sampleRegions(
    pid: number,
    binary: string,
    phase?: () => string,
    everyMs?: number,
  ): () => (Regions & { phase: string }) | undefined;
};
interface AllocationFigures {
  allocatedBytes: number;
  promotedBytes: number;
  scavenges: number;
  markCompacts: number;
}
const { allocationWindow } = require('../../bench/lib/child-control') as {
  allocationWindow(): () => AllocationFigures;
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** node-jose's key, opaque here: only handed back to node-jose. */
type JoseKey = object;
interface Jose {
  JWK: { asKey(jwk: object): Promise<JoseKey> };
  JWE: {
    createDecrypt(key: JoseKey): { decrypt(token: string): Promise<{ plaintext: Buffer }> };
    createEncrypt(
      options: { format: 'compact'; contentAlg: string; fields: object },
      key: JoseKey,
    ): { update(data: Buffer): { final(): Promise<string> } };
  };
}
const jose = vaultRequire('node-jose') as Jose;
const HEADER = { alg: 'A256KW', enc: 'A256GCM' };
// This package's @types/node predates 'base64url'; node's 'base64' decoder reads both alphabets.
const base64url = (bytes: Buffer) => bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').split('=')[0];

describe('the bench command line', () => {
  it('reads --name=value and bare --flag, and nothing else', () => {
    expect(cli.flags(['--a=1', '--b', 'c', '-d=2', '--e='])).toEqual({ a: '1', b: true, e: '' });
  });

  it('takes a whole number at or above its minimum, and stops on anything else', () => {
    expect(cli.wholeNumber({}, 'n', 5)).toBe(5);
    expect(cli.wholeNumber({ n: '12' }, 'n', 5)).toBe(12);
    expect(cli.wholeNumber({ n: '0' }, 'n', 5, 0)).toBe(0);
    for (const raw of [true, '', 'x', '1.5', '-1', '0', '1e3', '99999999999999999999'] as const) {
      expect(() => cli.wholeNumber({ n: raw }, 'n', 5)).toThrow('--n: a whole number ≥ 1');
    }
    expect(cli.wholeNumbers({ r: '150,300' }, 'r', [1])).toEqual([150, 300]);
    expect(() => cli.wholeNumbers({ r: '150,,300' }, 'r', [1])).toThrow('--r: a whole number ≥ 1');
  });

  it('resolves a file path, and stops on a bare or empty one', () => {
    expect(cli.filePath({ out: 'x.json' }, 'out', undefined)).toBe(path.resolve('x.json'));
    expect(cli.filePath({}, 'out', '/fallback')).toBe('/fallback');
    expect(() => cli.filePath({ out: true }, 'out', undefined)).toThrow('--out: a file path');
    expect(() => cli.filePath({ out: '' }, 'out', undefined)).toThrow('--out: a file path');
  });
});

describe("the hypervisor's share of the box", () => {
  it('is the stolen ticks over all ticks between two readings, and unknown without both', () => {
    expect(steal.stolenPercent({ steal: 10, total: 1000 }, { steal: 30, total: 2000 })).toBe(2);
    expect(steal.stolenPercent(undefined, { steal: 1, total: 2 })).toBeNull();
    expect(steal.stolenPercent({ steal: 1, total: 2 }, { steal: 1, total: 2 })).toBeNull();
  });

  it("is read from this box's /proc/stat", () => {
    const ticks = steal.cpuTicks();
    expect(ticks && ticks.total).toBeGreaterThan(0);
    expect(ticks && ticks.steal).toBeGreaterThanOrEqual(0);
  });
});

describe("the floor's compact JWE by hand", () => {
  const kek = crypto.randomBytes(32);
  const joseKey = () => jose.JWK.asKey({ kty: 'oct', k: base64url(kek), alg: 'A256KW' });

  it('is read by node-jose, and reads what node-jose makes', async () => {
    const token = byHand.encrypt(kek, HEADER, Buffer.from('4111111111111111'));
    expect(token.split('.')).toHaveLength(5);
    const key = await joseKey();
    expect((await jose.JWE.createDecrypt(key).decrypt(token)).plaintext.toString()).toBe('4111111111111111');

    const theirs = await jose.JWE.createEncrypt({ format: 'compact', contentAlg: 'A256GCM', fields: HEADER }, key)
      .update(Buffer.from('123'))
      .final();
    expect(byHand.decrypt(kek, theirs).toString()).toBe('123');
  });

  it('refuses a changed header, a flipped ciphertext bit, a truncated tag and another key', () => {
    const [header, wrapped, iv, ciphertext, tag] = byHand.encrypt(kek, HEADER, Buffer.from('secret')).split('.');
    const flipped = Buffer.from(ciphertext, 'base64');
    flipped[0] ^= 1;
    const otherHeader = base64url(Buffer.from(JSON.stringify({ enc: 'A256GCM', alg: 'A256KW' })));
    for (const token of [
      [otherHeader, wrapped, iv, ciphertext, tag],
      [header, wrapped, iv, base64url(flipped), tag],
      [header, wrapped, iv, ciphertext, base64url(Buffer.from(tag, 'base64').subarray(0, 12))],
    ]) {
      expect(() => byHand.decrypt(kek, token.join('.'))).toThrow();
    }
    expect(() => byHand.decrypt(crypto.randomBytes(32), [header, wrapped, iv, ciphertext, tag].join('.'))).toThrow();
  });
});

describe('the allocation window (bench/allocation.js)', () => {
  it('counts the bytes allocated, and what outlived the scavenges into the old generation', () => {
    const stop = allocationWindow();
    // 8 MB kept across the window's scavenges, and about 64 MB of garbage made around them.
    const kept: number[][] = [];
    let garbage = 0;
    for (let i = 0; i < 8 * 1024; i += 1) {
      kept.push(new Array(126).fill(i));
      for (let j = 0; j < 8; j += 1) garbage += new Array(126).fill(j).length;
    }
    const figures = stop();
    expect(kept.length).toBe(8 * 1024);
    expect(garbage).toBe(8 * 8 * 1024 * 126);
    const MB = 1024 * 1024;
    expect(figures.allocatedBytes).toBeGreaterThan(60 * MB);
    expect(figures.allocatedBytes).toBeLessThan(120 * MB);
    // Scavenges of the load itself (the window leaves out any it forces): Node 20 makes several, but
    // a jest worker's young generation on Node 24 can grow to take most of the 72 MB, and one is
    // what it made in a full run there; the promoted bytes below need at least that one.
    expect(figures.scavenges).toBeGreaterThanOrEqual(1);
    expect(figures.promotedBytes).toBeGreaterThan(4 * MB);
    expect(figures.promotedBytes).toBeLessThan(40 * MB);
  });
});

describe("a process's memory by region (bench/lib/memory-regions.js)", () => {
  const mapping = (range: string, perms: string, name: string, rssKb: number) =>
    `${range} ${perms} 00000000 00:00 0                          ${name}\nSize:  4 kB\nRss:  ${rssKb} kB\nPss:  1 kB\n`;
  it("sorts every mapping's RSS into node's binary, other files, glibc's arenas and the rest", () => {
    const smaps = [
      mapping('55d0c0000000-55d0c4000000', 'r-xp', '/opt/node/bin/node', 40960),
      mapping('7f1000000000-7f1000100000', 'r--p', '/usr/lib/libc.so.6', 1024),
      mapping('55d0c8000000-55d0c9000000', 'rw-p', '[heap]', 10240),
      // A thread's arena: 64 MiB-aligned, read-write, then reserved up to 64 MiB.
      mapping('7f2004000000-7f2004800000', 'rw-p', '', 5120),
      mapping('7f2004800000-7f2008000000', '---p', '', 0),
      // Anonymous and aligned, but not followed by its reserve: V8's, not an arena.
      mapping('7f3008000000-7f3009000000', 'rw-p', '', 2048),
      mapping('7f300a000000-7f300a100000', 'rw-p', '', 3072),
      mapping('7ffd00000000-7ffd00021000', 'rw-p', '[stack]', 1024),
    ].join('');
    expect(memoryRegions.regionsOf(smaps, '/opt/node/bin/node')).toEqual({
      binary: 40,
      otherFiles: 1,
      mainArena: 10,
      threadArenas: 5,
      anonymous: 6,
      total: 62,
    });
  });

  // A quiet child, not this jest worker: the worker's own garbage, returned to the system while the
  // test holds its 64 MB, once hid most of that growth (CI: 29 MB more instead of 48).
  it('reads a live process, whose RSS it accounts for, and keeps its highest sample', async () => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        "const held = []; process.stdin.on('data', () => { held.push(Buffer.alloc(64 << 20, 1)); console.log('held'); }); console.log('ready');",
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    try {
      expect((await lines.next()).value).toBe('ready');
      const binary = fs.realpathSync(process.execPath);
      const now = memoryRegions.regionsOf(fs.readFileSync(`/proc/${child.pid}/smaps`, 'utf8'), binary);
      const rssMb = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
      expect(now.binary).toBeGreaterThan(1);
      expect(Math.abs(now.total - rssMb)).toBeLessThan(8);
      let phase = 'quiet';
      const stop = memoryRegions.sampleRegions(child.pid!, binary, () => phase, 5);
      phase = 'holding';
      child.stdin!.write('\n');
      expect((await lines.next()).value).toBe('held');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const peak = stop();
      expect(peak?.phase).toBe('holding');
      expect(peak?.total).toBeGreaterThan(now.total + 56);
    } finally {
      child.kill();
    }
  });
});
