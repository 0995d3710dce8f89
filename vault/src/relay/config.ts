import {
  checkTemplate,
  placeholdersOf,
  STRIPE_KEEP,
  STRIPE_PAYMENT_INTENT,
  TemplateError,
  type RelayTemplate,
} from './template';

/**
 * A relay as the vault admin configures it (`vault:cli relay set`), checked here before it is
 * stored: where card data may go and in what shape. The processor's secret header is not part of
 * it: the CLI reads it apart, and it is stored sealed.
 */
export interface RelayConfig {
  /** `https://host[:port]/path`: the processor's endpoint. */
  url: string;
  method: 'POST' | 'PUT';
  /** Hosts this relay may reach; the URL's host must be one of them. */
  allowHosts: string[];
  /** Tests and processors inside the network only: skip the private-address check. */
  allowPrivateAddresses: boolean;
  /** PEM of the CA to trust for this processor instead of the system's. */
  trustedCa?: string;
  timeoutMs: number;
  /** Headers that are not secret (e.g. `Stripe-Version`). */
  headers: Record<string, string>;
  template: RelayTemplate;
  /** Answer fields to keep, by name → dotted path; all else of the answer is dropped. */
  keep: Record<string, string>;
}

/** Built-in templates a config may name instead of writing its own (with their kept fields). */
export const BUILTIN_TEMPLATES: Record<string, { template: RelayTemplate; keep: Record<string, string> }> = {
  stripe_payment_intent: { template: STRIPE_PAYMENT_INTENT, keep: STRIPE_KEEP },
};

/** At most 20 s: the app asks from a Rocket.Chat job, which the Apps-Engine cuts at 30 s. */
export const MAX_RELAY_TIMEOUT_MS = 20_000;

export class RelayConfigError extends Error {
  readonly code = 'relay_config';
}

const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
const HEADER_VALUE = /^[\x20-\x7e]{0,1024}$/;
const KEEP_PATH = /^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64}){0,5}$/;
/** Set by the relay itself: a config may not override them. */
const RESERVED_HEADERS = ['content-type', 'content-length', 'idempotency-key', 'host', 'accept', 'transfer-encoding'];

/** Checks a relay config (parsed JSON) and fills its defaults; throws RelayConfigError naming the problem. */
export function parseRelayConfig(input: unknown): RelayConfig {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new RelayConfigError('a relay config is a JSON object');
  const raw = input as Record<string, unknown>;
  const known = [
    'url',
    'method',
    'allowHosts',
    'allowPrivateAddresses',
    'trustedCa',
    'timeoutMs',
    'headers',
    'template',
    'keep',
  ];
  const unknown = Object.keys(raw).filter((key) => !known.includes(key));
  if (unknown.length) throw new RelayConfigError(`unknown key ${unknown.join(', ')}`);

  let url: URL;
  try {
    url = new URL(String(raw.url));
  } catch {
    throw new RelayConfigError('url must be an https:// URL');
  }
  if (url.protocol !== 'https:') throw new RelayConfigError('url must be https:// (card data never goes out in clear)');
  if (url.username || url.password)
    throw new RelayConfigError('url must not carry credentials (use the secret header)');
  if (url.hash) throw new RelayConfigError('url must not have a #fragment');

  if (!Array.isArray(raw.allowHosts) || raw.allowHosts.length === 0) {
    throw new RelayConfigError('allowHosts must list the host names this relay may reach');
  }
  const allowHosts = raw.allowHosts.map((host) => String(host));
  const badHost = allowHosts.find((host) => !HOST.test(host));
  if (badHost !== undefined) throw new RelayConfigError(`allowHosts: "${badHost}" is not a lower-case host name`);
  if (!allowHosts.includes(url.hostname)) throw new RelayConfigError(`url's host ${url.hostname} is not in allowHosts`);

  const method = raw.method ?? 'POST';
  if (method !== 'POST' && method !== 'PUT') throw new RelayConfigError('method must be POST or PUT');
  if (raw.allowPrivateAddresses !== undefined && typeof raw.allowPrivateAddresses !== 'boolean') {
    throw new RelayConfigError('allowPrivateAddresses must be true or false');
  }
  const timeoutMs = raw.timeoutMs ?? 10_000;
  if (
    typeof timeoutMs !== 'number' ||
    !Number.isInteger(timeoutMs) ||
    timeoutMs < 100 ||
    timeoutMs > MAX_RELAY_TIMEOUT_MS
  ) {
    throw new RelayConfigError(`timeoutMs must be an integer from 100 to ${MAX_RELAY_TIMEOUT_MS}`);
  }
  let trustedCa: string | undefined;
  if (raw.trustedCa !== undefined) {
    if (typeof raw.trustedCa !== 'string' || !raw.trustedCa.includes('-----BEGIN CERTIFICATE-----')) {
      throw new RelayConfigError('trustedCa must be PEM (-----BEGIN CERTIFICATE-----)');
    }
    trustedCa = raw.trustedCa;
  }
  const headers = checkHeaders(raw.headers ?? {});

  let template: RelayTemplate;
  let keep: Record<string, string>;
  if (typeof raw.template === 'string') {
    const builtin = BUILTIN_TEMPLATES[raw.template];
    if (!builtin)
      throw new RelayConfigError(
        `template "${raw.template}" is not built in (${Object.keys(BUILTIN_TEMPLATES).join(', ')})`,
      );
    template = builtin.template;
    keep = builtin.keep;
  } else {
    template = raw.template as RelayTemplate;
    try {
      checkTemplate(template ?? ({} as RelayTemplate));
    } catch (error) {
      throw new RelayConfigError(`template: ${error instanceof TemplateError ? error.message : 'malformed'}`);
    }
    keep = {};
  }
  if (raw.keep !== undefined) keep = checkKeep(raw.keep);
  if (Object.keys(keep).length === 0) throw new RelayConfigError('keep must name at least one answer field to keep');

  return {
    url: url.toString(),
    method,
    allowHosts,
    allowPrivateAddresses: raw.allowPrivateAddresses === true,
    ...(trustedCa ? { trustedCa } : {}),
    timeoutMs,
    headers,
    template,
    keep,
  };
}

/** A secret header's name (the value is read apart and sealed). */
export function checkSecretHeaderName(name: string): string {
  if (!HEADER_NAME.test(name) || RESERVED_HEADERS.includes(name.toLowerCase())) {
    throw new RelayConfigError(`"${name}" cannot be the secret header`);
  }
  return name.toLowerCase();
}

/** A secret header's value: one line of printable characters. */
export function checkSecretHeaderValue(value: string): string {
  if (!value || !HEADER_VALUE.test(value))
    throw new RelayConfigError('the secret header value must be one line of printable characters');
  return value;
}

/**
 * The form fields (by ID, with the type each needs) a relay's template reads, so a form naming the
 * relay can be checked when a request is created: `{{pan}}` needs a field `pan`, `{{exp.month}}`
 * an expiry field `exp`.
 */
export function fieldsNeeded(config: Pick<RelayConfig, 'template'>): { id: string; type?: 'expiry' }[] {
  const needed = new Map<string, 'expiry' | undefined>();
  for (const name of placeholdersOf(config.template)) {
    if (name === 'request_id' || name.startsWith('param.')) continue;
    const [id, part] = name.split('.', 2);
    needed.set(id, part ? 'expiry' : needed.get(id));
  }
  return [...needed].map(([id, type]) => (type ? { id, type } : { id }));
}

function checkHeaders(input: unknown): Record<string, string> {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new RelayConfigError('headers must be an object');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    if (
      !HEADER_NAME.test(name) ||
      RESERVED_HEADERS.includes(name.toLowerCase()) ||
      name.toLowerCase() === 'authorization'
    ) {
      throw new RelayConfigError(
        `header "${name}" cannot be set here${name.toLowerCase() === 'authorization' ? ' (it is the secret header: --secret-header)' : ''}`,
      );
    }
    if (typeof value !== 'string' || !HEADER_VALUE.test(value))
      throw new RelayConfigError(`header "${name}" must be one line of printable characters`);
    headers[name.toLowerCase()] = value;
  }
  return headers;
}

function checkKeep(input: unknown): Record<string, string> {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new RelayConfigError('keep must be an object of name → answer path');
  const keep: Record<string, string> = {};
  for (const [name, path] of Object.entries(input)) {
    if (!/^[A-Za-z0-9_]{1,32}$/.test(name) || typeof path !== 'string' || !KEEP_PATH.test(path)) {
      throw new RelayConfigError(`keep: "${name}" must map to a dotted answer path like payment_method.card.last4`);
    }
    keep[name] = path;
  }
  return keep;
}

/** Why a form (its fields with their types) cannot feed this relay's template, or undefined when it can. */
export function bindingProblem(
  config: Pick<RelayConfig, 'template'>,
  fields: { id: string; type: string }[],
): string | undefined {
  for (const need of fieldsNeeded(config)) {
    const field = fields.find((f) => f.id === need.id);
    if (!field) return `it needs a field "${need.id}", which the form lacks`;
    if (need.type && field.type !== need.type)
      return `it reads "${need.id}" as an expiry date; the form's field is ${field.type}`;
  }
  return undefined;
}
