/**
 * The vault's outside interface: the one contract both the vault and the Rocket.Chat app use, so
 * the two sides cannot drift. This file holds the API's types; its neighbours hold the rules
 * (limits.ts, form-rules.ts, field-rules.ts, card.ts, pattern.ts, locale.ts), which the vault,
 * the visitor page's script and the app all run. Everything here is written for TypeScript 4.9
 * and lib es2017 (the app's packager pins them) and uses no Node or DOM API.
 */

export type RequestKind = 'idv' | 'form';

export type FieldType = 'text' | 'number' | 'card_number' | 'expiry' | 'cvv' | 'ssn' | 'date' | 'email' | 'select';

export const FIELD_TYPES: readonly FieldType[] = [
  'text',
  'number',
  'card_number',
  'expiry',
  'cvv',
  'ssn',
  'date',
  'email',
  'select',
];

/**
 * The HTML autofill field names a form field may ask the browser for (WCAG 1.3.5), from the HTML
 * standard's list. Passwords and one-time codes are left out on purpose: a page reached from a chat
 * link must not teach password managers to fill secrets into it.
 */
export const AUTOFILL_TOKENS = [
  'name',
  'honorific-prefix',
  'given-name',
  'additional-name',
  'family-name',
  'honorific-suffix',
  'nickname',
  'username',
  'organization-title',
  'organization',
  'street-address',
  'address-line1',
  'address-line2',
  'address-line3',
  'address-level4',
  'address-level3',
  'address-level2',
  'address-level1',
  'country',
  'country-name',
  'postal-code',
  'cc-name',
  'cc-given-name',
  'cc-additional-name',
  'cc-family-name',
  'cc-number',
  'cc-exp',
  'cc-exp-month',
  'cc-exp-year',
  'cc-csc',
  'cc-type',
  'transaction-currency',
  'transaction-amount',
  'language',
  'bday',
  'bday-day',
  'bday-month',
  'bday-year',
  'sex',
  'url',
  'tel',
  'tel-country-code',
  'tel-national',
  'tel-area-code',
  'tel-local',
  'tel-extension',
  'email',
] as const;
export type AutofillToken = (typeof AUTOFILL_TOKENS)[number];

/** A choice of a `select` field; a bare string means the same value and label. */
export type SelectOption = string | { value: string; label: string };

/** One field of a secure form, as the app sends it. */
export interface FormFieldSpec {
  id: string;
  label: string;
  type: FieldType;
  required?: boolean;
  masked?: boolean;
  /** Kept only in memory for a short time, never stored. Always true for `cvv`. */
  offTheRecord?: boolean;
  options?: SelectOption[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  hint?: string;
  /** What the browser may fill in; defaults by type (card number → `cc-number`, …). */
  autocomplete?: AutofillToken;
}

export interface FormSpec {
  id: string;
  title: string;
  fields: FormFieldSpec[];
  /**
   * A payment-processor relay the vault's admin configured for the site: the values go to the
   * processor through the vault and are never shown to anyone (no detokenize, no viewer).
   */
  relay?: string;
}

/** A relay-bound request's send: `approved`, `declined`, `failed` (nothing charged) or `unknown` (reconcile). */
export type RelayOutcomeName = 'approved' | 'declined' | 'failed' | 'unknown';

/** `POST /v1/requests/:id/relay` body: the sender, and plain parameters the relay's template reads. */
export interface RelaySendBody {
  agentId: string;
  params?: Record<string, string>;
}

/** The outcome of a send: only the answer fields the relay keeps, and the card's last 4 when known. */
export interface RelaySendResponse {
  requestId: string;
  relayId: string;
  outcome: RelayOutcomeName | 'sending';
  kept: Record<string, string | number | boolean>;
  last4?: string;
}

export interface IdvSpec {
  /** What the characters come from: "PIN", "password", "memorable word", … */
  label: string;
  /** 1-based character positions, distinct. */
  positions: number[];
}

/** `POST /v1/requests` body. */
export interface CreateRequestBody {
  kind: RequestKind;
  roomId: string;
  agentId: string;
  visitorToken?: string;
  locale?: string;
  callbackUrl: string;
  idv?: IdvSpec;
  form?: FormSpec;
}

/** `POST /v1/requests` → 201. */
export interface CreateRequestResponse {
  requestId: string;
  visitorUrl: string;
  expiresAt: string;
}

export type RequestStatus = 'pending' | 'opened' | 'submitted' | 'cancelled' | 'expired' | 'closed';

/** A field as the vault describes it back: never a value. */
export interface FieldSummary {
  id: string;
  label: string;
  offTheRecord: boolean;
}

/** `GET /v1/requests/:id` → 200. */
export interface RequestStateResponse {
  requestId: string;
  kind: RequestKind;
  status: RequestStatus;
  roomId: string;
  agentId: string;
  createdAt: string;
  openedAt?: string;
  submittedAt?: string;
  /** When the request's current window (open, then submit) ends. */
  expiresAt?: string;
  /** Last time the sender detokenized it. */
  viewedAt?: string;
  /** Form title, or the ID&V label. */
  title: string;
  idv?: IdvSpec;
  fields: FieldSummary[];
  /** A relay-bound form: its relay, and once a send began its outcome and the kept answer fields. */
  relay?: { relayId: string; outcome?: RelayOutcomeName | 'sending'; kept?: Record<string, string | number | boolean> };
}

/** `POST /v1/requests/:id/otk` body and → 201. */
export interface MintOtkBody {
  agentId: string;
}
export interface MintOtkResponse {
  otk: string;
  expiresAt: string;
}

/** `POST /v1/detokenize` body and → 200. */
export interface DetokenizeBody {
  otk: string;
  agentId: string;
}
export interface DetokenizeResponse {
  requestId: string;
  /** Form: keyed by field id. ID&V: keyed by position ("2", "4"). */
  values: Record<string, string>;
  /** Off-the-record fields (or ID&V positions) whose memory window has ended. */
  expired: string[];
}

/**
 * `POST /v1/requests/:id/viewer` body: a viewer link for the sending agent (`purpose` "sender",
 * the default) or, where the vault admin switched manager viewing on for the site, for a manager
 * with the reason they typed.
 */
export type ViewerPurpose = 'sender' | 'manager';
export interface CreateViewerBody {
  agentId: string;
  purpose?: ViewerPurpose;
  /** Required for "manager": why they look; kept in the audit trail. */
  reason?: string;
}
/** → 201: a single-use link to the vault's viewer page. A bearer link: hand it only to `agentId`. */
export interface CreateViewerResponse {
  viewerUrl: string;
  expiresAt: string;
}

/** `POST /v1/sessions/close` body → 204. */
export interface CloseSessionBody {
  roomId: string;
}

/**
 * `POST /v1/visitors/erase` and `POST /v1/visitors/export` (GDPR Art. 17 and 20): one visitor's
 * requests, by the livechat visitor's token or by room (exactly one of the two), and the user who
 * asked, for the audit.
 */
export interface VisitorDataBody {
  visitorToken?: string;
  roomId?: string;
  adminId: string;
}

export interface EraseVisitorResponse {
  erased: { requests: number; records: number; otks: number };
  requestIds: string[];
  /** The rooms the erased requests belonged to. */
  roomIds: string[];
  /** The deleted bytes were also scrubbed from the database files (false: deleted, not yet scrubbed). */
  scrubbed: boolean;
}

/**
 * `GET /v1/compliance`: what the vault's own configuration says about the PCI DSS lines the app's
 * readiness check reports (audit retention and shipping, TLS of the links it hands out).
 */
export interface CompliancePosture {
  /** Audit entries are kept this long (0: for ever). */
  auditRetentionDays: number;
  /** Tokenized data is kept this long. */
  retentionDays: number;
  /** Whether the audit trail is shipped as it is written (VAULT_AUDIT_SINK_FILE / _SYSLOG). */
  auditSink: { file: boolean; syslog: boolean };
  /** Whether VAULT_PUBLIC_URL, the base of visitors' and agents' links, is https. */
  publicUrlHttps: boolean;
}

/** Request metadata only: states, labels, times. Values never leave through the API. */
export interface ExportVisitorResponse {
  exportedAt: string;
  requests: RequestStateResponse[];
}

/** What the vault POSTs to the app's `callbackUrl`: nothing else, ever. */
export type DoorbellEvent = 'opened' | 'submitted' | 'cancelled' | 'expired';
export interface DoorbellBody {
  requestId: string;
  event: DoorbellEvent;
}

/**
 * `POST /v1/requests/:id/events/:event/claim` (no body) → 201 for the first claim of that request's
 * event, 409 `conflict` for every later one. App persistence has no atomic insert, so app instances
 * that heard the same event let the vault say which one acts on it.
 */
export const CLAIMABLE_EVENTS = ['opened', 'submitted', 'cancelled', 'expired', 'closed'] as const;
export type ClaimableEvent = (typeof CLAIMABLE_EVENTS)[number];
export interface ClaimEventResponse {
  requestId: string;
  event: ClaimableEvent;
  claimed: true;
}

/** Every error body. */
export interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

/** Stable error codes the app can match on. */
export type ErrorCode =
  | 'bad_request'
  | 'invalid_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_sender'
  | 'invalid_otk'
  | 'not_found'
  | 'method_not_allowed'
  | 'session_closed'
  | 'not_submitted'
  | 'relay_bound'
  | 'relay_in_progress'
  | 'off_record_gone'
  | 'conflict'
  | 'payload_too_large'
  | 'request_timeout'
  | 'rate_limited'
  | 'invalid_fields'
  | 'unavailable'
  | 'internal';

/** `GET /f/<otk>` with `Accept: application/json`: the request as a visitor front end needs it. */
export interface VisitorFieldView {
  id: string;
  label: string;
  type: FieldType;
  required: boolean;
  masked: boolean;
  offTheRecord: boolean;
  options?: { value: string; label: string }[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  hint?: string;
  autocomplete?: AutofillToken;
  /**
   * An ID&V box: a space typed alone is the answer, not an empty box (a password may hold one;
   * NIST SP 800-63B lets memorized secrets have spaces). Page data only, never in an API answer.
   */
  keepsSpace?: boolean;
}
export interface VisitorRequestView {
  requestId: string;
  kind: RequestKind;
  title: string;
  locale: string;
  fields: VisitorFieldView[];
  idv?: IdvSpec;
  submitUrl: string;
  cancelUrl: string;
  expiresAt: string;
}

/** `POST <submitUrl>` body. */
export interface VisitorSubmitBody {
  values: Record<string, string>;
}
