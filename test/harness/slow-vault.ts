/**
 * A vault that takes its time: a loopback proxy that holds every app → vault call for `delayMs`
 * before passing it to the real vault (or, with no upstream, answering `{}`). Measures nothing
 * itself: the harness's trigger rules do, on the server's clock.
 */
import * as http from 'http';
import { URL } from 'url';

import type { StubServer } from './stub-server';
import { startStubServer } from './stub-server';

/**
 * `E2E_VAULT_DELAY_MS=4000 npx jest test/e2e` runs the end-to-end suite with every app → vault
 * call held that long (the stage puts this proxy between the app and the vault); unset, 0.
 * Waits and windows that a slow vault stretches scale with it (see `allowing`).
 */
export function e2eVaultDelayMs(): number {
  const value = Number(process.env.E2E_VAULT_DELAY_MS || 0);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(
      `E2E_VAULT_DELAY_MS must be a whole number of milliseconds, not "${process.env.E2E_VAULT_DELAY_MS}"`,
    );
  }
  return value;
}

/** A time limit `ms` with room for `vaultCalls` calls to the e2e vault at its delay. */
export function allowing(ms: number, vaultCalls: number): number {
  return ms + vaultCalls * e2eVaultDelayMs();
}

export interface SlowVault extends StubServer {
  delayMs: number;
}

export async function startSlowVault(options: { delayMs: number; upstream?: string }): Promise<SlowVault> {
  let slow: SlowVault | undefined;
  const server = await startStubServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(
        () => {
          if (!options.upstream) {
            res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
            return;
          }
          const target = new URL(req.url || '/', options.upstream);
          const forward = http.request(
            target,
            { method: req.method, headers: { ...req.headers, host: target.host }, agent: false },
            (answer) => {
              res.writeHead(answer.statusCode || 502, answer.headers);
              answer.pipe(res);
            },
          );
          forward.on('error', () => res.writeHead(502).end());
          forward.end(Buffer.concat(chunks));
        },
        (slow as SlowVault).delayMs,
      );
    });
  });
  slow = Object.assign(server, { delayMs: options.delayMs });
  return slow;
}
