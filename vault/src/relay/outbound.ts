import dns from 'node:dns';
import https from 'node:https';
import net from 'node:net';
import type { LookupFunction } from 'node:net';

/**
 * Sends one relay request to a payment processor, once, and says what came of it. The rules a
 * card number's one trip out must keep:
 * - HTTPS only, to a host on the relay's allow-list, with the relay's own trusted CA when set;
 * - the address is checked when connecting, after DNS resolution (a name that resolves to a
 *   private, loopback or link-local address is refused, so DNS rebinding cannot reach inside),
 *   unless the relay allows private addresses (tests, a processor inside the network);
 * - redirects are not followed (a 3xx is a failure: the body must not go anywhere else);
 * - an answer is read up to a bound and must be JSON;
 * - a timeout or a connection lost after the body was written is an *unknown* outcome, not a
 *   failure: the processor may have charged; reconcile before any retry.
 */

export interface RelayDestination {
  url: string;
  method: 'POST' | 'PUT';
  /** Headers to send, the secret one included (opened from its sealed form just before). */
  headers: Readonly<Record<string, string>>;
  /** Host names the relay may reach (exact, lower-case). */
  allowHosts: readonly string[];
  /** Only for tests and processors inside the network: skips the private-address check. */
  allowPrivateAddresses?: boolean;
  /** PEM of the CA(s) to trust instead of the system's, e.g. a local processor's in tests. */
  trustedCa?: string;
  timeoutMs: number;
}

export type RelayOutcome =
  /** The processor answered with JSON (any status: 2xx approved or 4xx declined is for the caller to read). */
  | { kind: 'answered'; status: number; body: unknown }
  /** Nothing was sent (refused here, DNS, connect, TLS): safe to try again. */
  | { kind: 'not_sent'; reason: NotSentReason }
  /** Sent, and the processor's answer was a redirect, too large or not JSON: do not retry blindly. */
  | { kind: 'bad_answer'; status: number; reason: 'redirect' | 'too_large' | 'not_json' }
  /** Sent (or maybe sent) and no answer: the processor may have acted. Reconcile before any retry. */
  | { kind: 'unknown'; reason: 'timeout' | 'connection_lost' };

export type NotSentReason = 'not_https' | 'host_not_allowed' | 'private_address' | 'dns' | 'connect' | 'tls';

export const MAX_ANSWER_BYTES = 64 * 1024;

const PRIVATE = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 96], // unspecified and IPv4-compatible
  ['::1', 128],
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo: an IPv4 address inside
  ['2002::', 16], // 6to4: an IPv4 address inside
  ['fec0::', 10], // deprecated site-local
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
] as const) {
  PRIVATE.addSubnet(address, prefix, 'ipv6');
}

/** Whether `address` is one a relay must not reach: private, loopback, link-local, multicast, reserved. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  return PRIVATE.check(address, 'ipv6');
}

class RefusedAddress extends Error {
  readonly code = 'RELAY_PRIVATE_ADDRESS';
}

/** dns.lookup, then the private-address check on what it resolved to: the check sees the address connected to. */
function checkedLookup(allowPrivate: boolean, resolve: typeof dns.lookup = dns.lookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as dns.LookupAddress[];
      const refused = !allowPrivate && list.some((a) => isPrivateAddress(a.address));
      if (refused || list.length === 0) return callback(new RefusedAddress('private address'), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}

/** Sends `body` once; never throws for what the network or the processor does. */
export function sendOnce(
  destination: RelayDestination,
  body: { contentType: string; body: string },
  idempotencyKey: string,
  options: { resolve?: typeof dns.lookup } = {},
): Promise<RelayOutcome> {
  let target: URL;
  try {
    target = new URL(destination.url);
  } catch {
    return Promise.resolve({ kind: 'not_sent', reason: 'not_https' });
  }
  if (target.protocol !== 'https:') return Promise.resolve({ kind: 'not_sent', reason: 'not_https' });
  if (!destination.allowHosts.includes(target.hostname.toLowerCase())) {
    return Promise.resolve({ kind: 'not_sent', reason: 'host_not_allowed' });
  }
  // An address written as the host never goes through the lookup below: check it here.
  const literal = target.hostname.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(literal) !== 0 && destination.allowPrivateAddresses !== true && isPrivateAddress(literal)) {
    return Promise.resolve({ kind: 'not_sent', reason: 'private_address' });
  }
  const payload = Buffer.from(body.body, 'utf8');
  return new Promise((resolve) => {
    let settled = false;
    let written = false;
    const finish = (outcome: RelayOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.destroy();
      resolve(outcome);
    };
    const request = https.request(target, {
      method: destination.method,
      headers: {
        ...destination.headers,
        'content-type': body.contentType,
        'content-length': payload.length,
        'idempotency-key': idempotencyKey,
        accept: 'application/json',
      },
      agent: false,
      ca: destination.trustedCa,
      lookup: checkedLookup(destination.allowPrivateAddresses === true, options.resolve),
    });
    const deadline = setTimeout(
      () => finish(written ? { kind: 'unknown', reason: 'timeout' } : { kind: 'not_sent', reason: 'connect' }),
      destination.timeoutMs,
    );
    request.on('socket', (socket) => {
      socket.on('secureConnect', () => {
        written = true;
      });
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400) return finish({ kind: 'bad_answer', status, reason: 'redirect' });
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) return finish({ kind: 'bad_answer', status, reason: 'too_large' });
        chunks.push(chunk);
      });
      response.on('end', () => {
        try {
          finish({ kind: 'answered', status, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
        } catch {
          finish({ kind: 'bad_answer', status, reason: 'not_json' });
        }
      });
      response.on('error', () => finish({ kind: 'unknown', reason: 'connection_lost' }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof RefusedAddress) return finish({ kind: 'not_sent', reason: 'private_address' });
      if (written) return finish({ kind: 'unknown', reason: 'connection_lost' });
      if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return finish({ kind: 'not_sent', reason: 'dns' });
      const tls = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(`${error.code ?? ''} ${error.message}`);
      return finish({ kind: 'not_sent', reason: tls ? 'tls' : 'connect' });
    });
    request.end(payload);
  });
}

/**
 * A value the visitor submitted, with its field's type: what a kept answer must not repeat when it is
 * card data or a secret (`secret`: a CVV, an SSN, a masked or off-the-record field).
 */
export interface SubmittedValue {
  type: string;
  value: string;
  secret: boolean;
}

/** Digits of a card number in a row that say more than its BIN (6) or last four: card data. */
const CARD_DIGITS_IN_A_ROW = 7;

/**
 * Whether `text` repeats card data or a secret the visitor submitted: any 7 digits in a row of the
 * card number, with or without one separator between digits (a cut echo holds part of it, while
 * "424242••••4242" is no more than may be shown); a secret of up to four digits (a CVV) only as a
 * token of its own, so an id such as "pi_3OaB737x" is not one; any other secret of four or more
 * characters as written. A name, an expiry or a choice from a list may be kept.
 */
export function repeatsSubmitted(text: string, submitted: readonly SubmittedValue[]): boolean {
  const joined = text.replace(/(?<=\d)[^0-9A-Za-z](?=\d)/g, '');
  return submitted.some(({ type, value, secret }) => {
    const written = value.trim();
    if (type === 'card_number') {
      const digits = written.replace(/\D/g, '');
      for (let i = 0; i + CARD_DIGITS_IN_A_ROW <= digits.length; i += 1)
        if (joined.includes(digits.slice(i, i + CARD_DIGITS_IN_A_ROW))) return true;
      return false;
    }
    if (!secret) return false;
    if (/^\d{1,4}$/.test(written)) return new RegExp(`(^|[^0-9A-Za-z])${written}([^0-9A-Za-z]|$)`).test(text);
    return written.length >= 4 && text.includes(written);
  });
}

/**
 * The kept fields less any that repeats a submitted value (a processor's error message or echo the
 * admin's `keep` names): kept answers are stored and shown, and must never carry card data.
 */
export function withoutSubmitted(
  kept: Record<string, string | number | boolean>,
  submitted: readonly SubmittedValue[],
): { kept: Record<string, string | number | boolean>; withheld: string[] } {
  const withheld = Object.keys(kept).filter((name) => repeatsSubmitted(String(kept[name]), submitted));
  return { kept: Object.fromEntries(Object.entries(kept).filter(([name]) => !withheld.includes(name))), withheld };
}

/**
 * The answer's fields the relay keeps, by dotted path (`payment_method.card.last4`): scalars only,
 * strings cut to 64 characters; everything else of the answer is dropped.
 */
export function keepFields(
  answer: unknown,
  keep: Readonly<Record<string, string>>,
): Record<string, string | number | boolean> {
  const kept: Record<string, string | number | boolean> = {};
  for (const [name, path] of Object.entries(keep)) {
    let node: unknown = answer;
    for (const step of path.split('.')) {
      node =
        node && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>)[step] : undefined;
    }
    if (typeof node === 'string') kept[name] = node.slice(0, 64);
    else if (typeof node === 'number' || typeof node === 'boolean') kept[name] = node;
  }
  return kept;
}
