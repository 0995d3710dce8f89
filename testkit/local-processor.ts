import * as https from 'https';
import type { AddressInfo } from 'net';
import { URLSearchParams } from 'url';
import { selfSignedCertificate } from './self-signed-certificate';

/**
 * A local HTTPS server that speaks the shape of Stripe's PaymentIntents API (form-encoded,
 * `Authorization: Bearer sk_…`, `Idempotency-Key` replays), for relay tests: the network here
 * reaches no processor. Its certificate is self-signed for the test, and the relay trusts it
 * through its configurable CA. It records every request it received, raw.
 */
export const PROCESSOR_HOST = 'processor.test';
export const PROCESSOR_SECRET = 'sk_test_local_processor_secret_51Hx';

/**
 * `charge_then_500`: charges, then answers 500 once (the outcome the vault cannot know). `echo`:
 * charges and puts what it was sent in its answer (`echo`, the raw body; `message`, the code).
 */
export type ProcessorMode = 'normal' | 'slow_once' | 'redirect' | 'garbage' | 'error_500' | 'charge_then_500' | 'echo';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export class LocalProcessor {
  readonly received: ReceivedRequest[] = [];
  /** PaymentIntents created (a replayed idempotency key creates none). */
  charges = 0;
  mode: ProcessorMode = 'normal';
  slowMs = 1500;
  /** Slow answers not sent yet: stop() drops them, so no timer outlives the test. */
  private readonly slow = new Set<NodeJS.Timeout>();
  private readonly byKey = new Map<string, { status: number; body: string; request: string }>();

  private constructor(
    private readonly server: https.Server,
    readonly ca: string,
  ) {}

  static async start(): Promise<LocalProcessor> {
    const { key, cert: ca } = selfSignedCertificate(PROCESSOR_HOST);
    let processor: LocalProcessor | undefined;
    const server = https.createServer({ key, cert: ca }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => processor?.answer(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    processor = new LocalProcessor(server, ca);
    return processor;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Through the name `processor.test` (tests resolve it themselves). */
  get url(): string {
    return `https://${PROCESSOR_HOST}:${this.port}/v1/payment_intents`;
  }

  /** Through `localhost`, which the system resolves to loopback (a private address). */
  get localUrl(): string {
    return `https://localhost:${this.port}/v1/payment_intents`;
  }

  async stop(): Promise<void> {
    for (const timer of this.slow) clearTimeout(timer);
    this.slow.clear();
    // Node 18.2+; the app's tests compile against older Node types.
    (this.server as https.Server & { closeAllConnections(): void }).closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: import('http').IncomingMessage, body: string, res: import('http').ServerResponse): void {
    this.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const send = (status: number, payload: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(payload);
    };
    if (req.headers.authorization !== `Bearer ${PROCESSOR_SECRET}`) {
      send(401, JSON.stringify({ error: { type: 'invalid_request_error', code: 'api_key_invalid' } }));
      return;
    }
    if (this.mode === 'redirect') {
      res.writeHead(307, { location: 'https://elsewhere.test/v1/payment_intents' });
      res.end();
      return;
    }
    if (this.mode === 'garbage') {
      send(200, '<html>gateway</html>', 'text/html');
      return;
    }
    if (this.mode === 'error_500') {
      send(500, JSON.stringify({ error: { type: 'api_error' } }));
      return;
    }
    const key = String(req.headers['idempotency-key'] ?? '');
    const replay = key ? this.byKey.get(key) : undefined;
    if (replay && replay.request !== body) {
      // As Stripe does: a key reused with other parameters is refused, never charged.
      send(400, JSON.stringify({ error: { type: 'idempotency_error', code: 'idempotency_key_in_use' } }));
      return;
    }
    if (replay) {
      send(replay.status, replay.body);
      return;
    }
    const form = this.asForm(String(req.headers['content-type'] ?? ''), body);
    let result = this.charge(form);
    if (this.mode === 'echo') {
      const message = `The security code ${form.get('payment_method_data[card][cvc]') ?? ''} was checked.`;
      result = { ...result, body: JSON.stringify({ ...JSON.parse(result.body), echo: body, message }) };
    }
    if (key) this.byKey.set(key, { ...result, request: body });
    if (this.mode === 'charge_then_500') {
      this.mode = 'normal';
      send(500, JSON.stringify({ error: { type: 'api_error' } }));
      return;
    }
    if (this.mode === 'slow_once') {
      this.mode = 'normal';
      const timer = setTimeout(() => {
        this.slow.delete(timer);
        send(result.status, result.body);
      }, this.slowMs);
      this.slow.add(timer);
      return;
    }
    send(result.status, result.body);
  }

  /** A generic JSON processor's body ({amount, currency, card: {number, exp_month, exp_year, cvc}}) read as Stripe's form. */
  private asForm(contentType: string, body: string): URLSearchParams {
    if (!contentType.startsWith('application/json')) return new URLSearchParams(body);
    const json = JSON.parse(body) as { amount?: string; currency?: string; card?: Record<string, string> };
    const form = new URLSearchParams({ amount: json.amount ?? '', currency: json.currency ?? '' });
    for (const [name, value] of Object.entries(json.card ?? {})) form.set(`payment_method_data[card][${name}]`, value);
    return form;
  }

  private charge(form: URLSearchParams): { status: number; body: string } {
    const number = form.get('payment_method_data[card][number]') ?? '';
    const last4 = number.slice(-4);
    const id = `pi_${(this.charges + 1).toString().padStart(6, '0')}`;
    if (!/^\d{12,19}$/.test(number) || !form.get('payment_method_data[card][cvc]') || !form.get('amount')) {
      return {
        status: 400,
        body: JSON.stringify({ error: { type: 'invalid_request_error', code: 'parameter_missing' } }),
      };
    }
    this.charges += 1;
    const paymentMethod = { id: `pm_${id.slice(3)}`, object: 'payment_method', card: { brand: 'visa', last4 } };
    if (number === '4000000000000002') {
      return {
        status: 402,
        body: JSON.stringify({
          error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' },
          id,
          status: 'requires_payment_method',
          payment_method: paymentMethod,
          last_payment_error: { code: 'card_declined', decline_code: 'generic_decline' },
        }),
      };
    }
    return {
      status: 200,
      body: JSON.stringify({
        id,
        object: 'payment_intent',
        amount: Number(form.get('amount')),
        currency: form.get('currency'),
        // Stripe's test card that asks for 3-D Secure: answered 200, not paid.
        status: number === '4000002760003184' ? 'requires_action' : 'succeeded',
        payment_method: paymentMethod,
        metadata: { vault_request_id: form.get('metadata[vault_request_id]') },
      }),
    };
  }
}
