import { AUTOFILL_TOKENS } from '../contract';
import { LIMITS } from '../contract/limits';
import { fieldTypeAndSwitches } from './schemas';

/**
 * What every route answers, as JSON schemas. Fastify serializes JSON answers through them, so a
 * property not listed here is never sent: a value cannot leak through a field someone adds to a
 * service's result. They also document the API (`npm run openapi` writes docs/openapi.json from them).
 * Each route spreads its entry into its `schema`; a test fails for a route without one.
 */

const string = { type: 'string' } as const;
const isoTime = { type: 'string', format: 'date-time' } as const;
const html = { type: 'string', description: 'An HTML page.' } as const;
const noBody = { type: 'null', description: 'No body.' } as const;

const errorBody = {
  type: 'object',
  description: 'Every error: a stable `code` to match on and a message fit to show. Never a submitted value.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: string,
        message: string,
        fields: {
          type: 'object',
          description: 'Per field id, what to correct (422 `invalid_fields`).',
          additionalProperties: string,
        },
      },
    },
  },
} as const;

const idvSpec = {
  type: 'object',
  required: ['label', 'positions'],
  properties: { label: string, positions: { type: 'array', items: { type: 'integer' } } },
} as const;

const requestState = {
  type: 'object',
  required: ['requestId', 'kind', 'status', 'roomId', 'agentId', 'createdAt', 'title', 'fields'],
  properties: {
    requestId: string,
    kind: { type: 'string', enum: ['idv', 'form'] },
    status: { type: 'string', enum: ['pending', 'opened', 'submitted', 'cancelled', 'expired', 'closed'] },
    roomId: string,
    agentId: string,
    createdAt: isoTime,
    openedAt: isoTime,
    submittedAt: isoTime,
    expiresAt: { ...isoTime, description: "When the request's current window (open, then submit) ends." },
    viewedAt: { ...isoTime, description: 'Last time the sender looked at the values.' },
    title: { type: 'string', description: 'Form title, or the ID&V label.' },
    idv: idvSpec,
    relay: {
      type: 'object',
      description: 'A relay-bound form: its relay, and once a send began its outcome and the kept answer fields.',
      required: ['relayId'],
      properties: {
        relayId: string,
        outcome: { type: 'string', enum: ['sending', 'approved', 'declined', 'failed', 'unknown'] },
        kept: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      },
    },
    fields: {
      type: 'array',
      description: 'The fields, never their values.',
      items: {
        type: 'object',
        required: ['id', 'label', 'offTheRecord'],
        properties: { id: string, label: string, offTheRecord: { type: 'boolean' } },
      },
    },
  },
} as const;

const visitorField = {
  type: 'object',
  required: ['id', 'label', 'type', 'required', 'masked', 'offTheRecord'],
  properties: {
    id: string,
    label: string,
    ...fieldTypeAndSwitches,
    options: {
      type: 'array',
      items: { type: 'object', required: ['value', 'label'], properties: { value: string, label: string } },
    },
    minLength: { type: 'integer' },
    maxLength: { type: 'integer' },
    pattern: string,
    hint: string,
    autocomplete: { type: 'string', enum: AUTOFILL_TOKENS },
  },
} as const;

const visitorRequestView = {
  type: 'object',
  required: ['requestId', 'kind', 'title', 'locale', 'fields', 'submitUrl', 'cancelUrl', 'expiresAt'],
  properties: {
    requestId: string,
    kind: { type: 'string', enum: ['idv', 'form'] },
    title: string,
    locale: string,
    fields: { type: 'array', items: visitorField },
    idv: idvSpec,
    submitUrl: string,
    cancelUrl: string,
    expiresAt: isoTime,
  },
} as const;

const visitorOutcome = (status: 'submitted' | 'cancelled') =>
  ({ type: 'object', required: ['status'], properties: { status: { type: 'string', enum: [status] } } }) as const;

/** An answer with what it means: OpenAPI shows `description` for its status. */
const answer = <T extends object>(description: string, schema: T) => ({ ...schema, description }) as const;

/** JSON for API clients, HTML for browsers, chosen by the request's Accept or Content-Type. */
const jsonOrHtml = (description: string, json: object) =>
  ({ description, content: { 'application/json': { schema: json }, 'text/html': { schema: html } } }) as const;
const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: html } } }) as const;
const redirect = (description: string) => answer(description, noBody);

const UNAVAILABLE =
  '503 `unavailable`: storage, Redis or the rate-limit counters are unreachable, or the vault is stopping (`Retry-After: 1`); nothing was lost.';

/** The API's errors: what `4xx` means on this route, and the server side's. */
const apiErrors = (refusals: string) =>
  ({
    '4xx': answer(
      `${refusals} 401 \`unauthorized\` without a valid API key; 400 \`bad_request\`/\`invalid_json\` for a body the schema refuses; 413 \`payload_too_large\`; 429 \`rate_limited\`.`,
      errorBody,
    ),
    '5xx': answer(`500 \`internal\` (an integrity failure is audited); ${UNAVAILABLE}`, errorBody),
  }) as const;
/** The pages' errors: a friendly HTML page, or the JSON error where the request asked for JSON. */
const pageErrors = (refusals: string) =>
  ({
    '4xx': jsonOrHtml(`${refusals} 429 \`rate_limited\` per client IP.`, errorBody),
    '5xx': jsonOrHtml(`500 \`internal\`; ${UNAVAILABLE}`, errorBody),
  }) as const;
const DEAD_LINK =
  'A used, expired, unknown or closed-chat link: the same 404 page (`not_found`) for every case; ' +
  'the browser that opened it sees the form again while its form session lives.';
const DEAD_LINK_AFTER_POST =
  'A dead link (used, expired, unknown, closed chat): 404 `not_found` for JSON clients; a browser is ' +
  'redirected (303) to `/done/invalid`, so the post, with the values typed, leaves no history entry.';
const DEAD_SESSION = 'A dead viewer session (ended, expired, or not this cookie): the same 404 refusal.';

interface RouteDoc {
  summary: string;
  description: string;
  response: object;
}
const docs = (tag: string) => (doc: RouteDoc) => ({ tags: [tag], ...doc }) as const;
const api = docs('app → vault (/v1)');
const visitor = docs('visitor (/f)');
const viewer = docs('agent viewer (/v)');
const ops = docs('operations');

/** Per route: its OpenAPI tag, summary and description, and its answers by status, each described. */
export const responses = {
  createRequest: api({
    summary: 'Create an ID&V or secure form request',
    description:
      "The app asks for a visitor's answer: an ID&V question (two positions of a secret) or a form. " +
      'The vault stores the request and answers with the single-use link to hand to the visitor. ' +
      "`callbackUrl` must lie under the site's origin; the doorbell rings there on every state change.",
    response: {
      201: answer('Created: the visitor link, to be opened before `expiresAt`.', {
        type: 'object',
        required: ['requestId', 'visitorUrl', 'expiresAt'],
        properties: {
          requestId: string,
          visitorUrl: { type: 'string', description: "The visitor's single-use link." },
          expiresAt: isoTime,
        },
      }),
      ...apiErrors(
        '400 `bad_request` for a form the field rules refuse (field ids, lengths, patterns) or a callback outside the origin; 409 `session_closed` for a closed room, `conflict` when the site was removed while the request ran (nothing written).',
      ),
    },
  }),
  requestState: api({
    summary: "A request's state (never its values)",
    description: "Status, times and field labels of one of this site's requests; what the app shows the agent.",
    response: {
      200: answer("The request's state.", requestState),
      ...apiErrors("404 `not_found`: no such request for this site (another site's request is not found either)."),
    },
  }),
  roomRequests: api({
    summary: 'The requests of a room, with their states',
    description:
      "The agent's *Secure data* list: the requests of one room of this site, oldest first; the newest " +
      `${LIMITS.roomList} when it holds more (then \`truncated\` is true).`,
    response: {
      200: answer("The room's requests (an empty list for an unknown room).", {
        type: 'object',
        required: ['requests', 'truncated'],
        properties: {
          requests: { type: 'array', items: requestState, maxItems: LIMITS.roomList },
          truncated: { type: 'boolean', description: 'The room holds older requests than these.' },
        },
      }),
      ...apiErrors(''),
    },
  }),
  mintOtk: api({
    summary: 'Mint a single-use key to read the values, for the sending agent',
    description:
      'A detokenize OTK for the agent who created the request, while its room is open; it lives ' +
      '`VAULT_DETOKENIZE_TTL_SECONDS` and works once. Refusals are audited.',
    response: {
      201: answer('The OTK (shown once; the vault keeps only its hash).', {
        type: 'object',
        required: ['otk', 'expiresAt'],
        properties: { otk: string, expiresAt: isoTime },
      }),
      ...apiErrors(
        '403 `not_sender` for anyone but the sender; 404 `not_found`; 409 `session_closed` after the room closed, `not_submitted` before the visitor submitted, `relay_bound` for a request whose values go only to a payment processor.',
      ),
    },
  }),
  relaySend: api({
    summary: 'Send a relay-bound form to its payment processor (sender only); answers the outcome, never a value',
    description:
      "The vault renders the relay's template with the submitted values and sends it once to the processor " +
      '(`vault:cli relay set`), with the request ID as idempotency key; it keeps only the answer fields the relay ' +
      'names and erases the security code. An `unknown` outcome is reconciled before any new send. Audited as ' +
      '`relay.send` / `relay.refused`. See docs/relays.md.',
    response: {
      200: answer('What the processor answered (approved, declined, failed or unknown), never a value.', {
        type: 'object',
        required: ['requestId', 'relayId', 'outcome', 'kept'],
        properties: {
          requestId: string,
          relayId: string,
          outcome: {
            type: 'string',
            enum: ['approved', 'declined', 'failed', 'unknown'],
            description:
              'failed: nothing was charged, try again. unknown: the processor may have acted; sending again reconciles first.',
          },
          kept: {
            type: 'object',
            description: 'Only the answer fields the relay keeps (e.g. id, status, brand, last4, decline_code).',
            additionalProperties: { type: ['string', 'number', 'boolean'] },
          },
          last4: { type: 'string', description: "The card's last four digits, when the processor answered them." },
        },
      }),
      ...apiErrors(
        '403 `not_sender` for anyone but the sender; 404 `not_found`; 409 `session_closed` after the room closed, `not_submitted` before the visitor submitted, `relay_in_progress` while another send of it is under way, `off_record_gone` once the security code it needs is no longer kept (send the form again), `conflict` for a request not bound to a relay, a relay no longer configured, or a template the values cannot fill.',
      ),
    },
  }),
  createViewer: api({
    summary: "Mint a single-use link to the vault's viewer page",
    description:
      "Strict viewing: a link for one user to the vault's own viewer page, to be opened within " +
      '`VAULT_VIEWER_OPEN_TTL_SECONDS`. The sender by default; a manager only where `site manager-view` ' +
      'is on and with a reason. Every mint and refusal is audited.',
    response: {
      201: answer('The viewer link for that user only.', {
        type: 'object',
        required: ['viewerUrl', 'expiresAt'],
        properties: {
          viewerUrl: { type: 'string', description: 'A bearer link: hand it only to the agent.' },
          expiresAt: isoTime,
        },
      }),
      ...apiErrors(
        '403 `not_sender` for anyone but the sender, `forbidden` where manager viewing is off; 404 `not_found`; 409 `session_closed`, `not_submitted`, `relay_bound` (nobody views a relay-bound request).',
      ),
    },
  }),
  detokenize: api({
    summary: 'Read the values with a single-use key',
    description:
      'Redeems a detokenize OTK, once, for the agent it was minted for, and answers the decrypted values. ' +
      'Audited; the values are never logged.',
    response: {
      200: answer('The values, and which off-the-record ones have expired.', {
        type: 'object',
        required: ['requestId', 'values', 'expired'],
        properties: {
          requestId: string,
          values: {
            type: 'object',
            description: 'Form: by field id. ID&V: by position ("2", "4").',
            additionalProperties: string,
          },
          expired: {
            type: 'array',
            description: 'Off-the-record fields (or positions) whose memory window has ended.',
            items: string,
          },
        },
      }),
      ...apiErrors(
        '403 `invalid_otk`, the same for every bad, used, expired, other-purpose, other-site or other-agent key, and after the room closed.',
      ),
    },
  }),
  claimEvent: api({
    summary: 'Claim a doorbell event once, so one Rocket.Chat instance acts on it',
    description: 'Several app instances may hear one doorbell; the first to claim `(requestId, event)` acts on it.',
    response: {
      201: answer('Claimed by this caller.', {
        type: 'object',
        required: ['requestId', 'event', 'claimed'],
        properties: { requestId: string, event: string, claimed: { type: 'boolean' } },
      }),
      ...apiErrors('404 `not_found`; 409 `conflict` once another instance claimed it.'),
    },
  }),
  closeSession: api({
    summary: "Close a room's requests and forget their off-the-record values",
    description:
      "The chat closed: the room's links and OTKs die at once, its off-the-record data is erased, " +
      'and later OTK or viewer mints answer 409 `session_closed`.',
    response: {
      204: answer('Closed (also for a room with no requests).', noBody),
      ...apiErrors(''),
    },
  }),

  visitorStart: visitor({
    summary: 'The start step behind a link (uses nothing up); JSON clients open the request',
    description:
      'Link previewers and scanners fetch links too, so a browser GET shows a start step and uses nothing up. ' +
      'With `Accept: application/json` the GET opens the request (the link is used up). ' +
      'A used link with the form session its opening set shows the form again.',
    response: {
      200: jsonOrHtml(
        'The start step or, for the browser that opened it, the form (HTML); the opened request (JSON).',
        visitorRequestView,
      ),
      ...pageErrors(DEAD_LINK),
    },
  }),
  visitorOpen: visitor({
    summary: 'Open the request: the form or the ID&V questions',
    description:
      "The start step's button: uses the link up, once, and shows the form with its submit and cancel URLs. " +
      'A browser is given a form session, the `form_session` cookie (`__Secure-form_session` under https): the ' +
      'submit key bound to this link by a MAC; HttpOnly, SameSite=Lax, on this path, a session cookie. With it, ' +
      'a reload or the link followed again shows the same form, using nothing up, until the form is ' +
      'submitted or cancelled, expires or its chat closes.',
    response: {
      200: jsonOrHtml('The form or the ID&V questions.', visitorRequestView),
      ...pageErrors(DEAD_LINK),
    },
  }),
  visitorDone: visitor({
    summary: 'The page after a submit or a cancel',
    description: 'A plain page the submit and cancel redirect to, so a reload re-posts nothing.',
    response: {
      200: htmlPage('Submitted, or cancelled.'),
      ...pageErrors('404: `invalid`, the dead-link page a post to a dead link is sent to; any other kind.'),
    },
  }),
  visitorSubmit: visitor({
    summary: 'Submit the values (form post or JSON)',
    description:
      'Checks every field by its rules, tokenizes the values (off-the-record ones go to memory only), ' +
      'stores them, and rings the doorbell. Bad values leave the request open for a corrected try.',
    response: {
      200: answer('Stored (JSON clients).', visitorOutcome('submitted')),
      303: redirect('Stored: to `/done/submitted` (browsers); a dead link: to `/done/invalid`.'),
      422: jsonOrHtml("`invalid_fields`: the form again with each field's error; the request stays open.", errorBody),
      ...pageErrors(
        `${DEAD_LINK_AFTER_POST} 400 \`bad_request\` for a body that is neither a form post nor JSON, or a value that is not text; the request stays open.`,
      ),
    },
  }),
  visitorCancel: visitor({
    summary: 'Cancel the request',
    description:
      'The visitor declines; the submit and cancel URLs die and the doorbell rings. It carries no body, the ' +
      "page's form post (`action=cancel` alone) or JSON `{}`.",
    response: {
      200: answer('Cancelled (JSON clients).', visitorOutcome('cancelled')),
      303: redirect('Cancelled: to `/done/cancelled` (browsers); a dead link: to `/done/invalid`.'),
      ...pageErrors(`${DEAD_LINK_AFTER_POST} 400 \`bad_request\` for any other body; the request stays open.`),
    },
  }),
  asset: visitor({
    summary: "The pages' script and stylesheet",
    description:
      "`visitor.js`, `visitor.css`, `viewer.js`, `viewer.css`: the only script and style the pages' CSP allows.",
    response: {
      200: {
        description: 'The file.',
        content: {
          'text/javascript': { schema: { type: 'string' } },
          'text/css': { schema: { type: 'string' } },
        },
      },
      ...pageErrors('404 for any other name.'),
    },
  }),
  eraseVisitor: api({
    summary: "Erase one visitor's (or room's) requests for good (GDPR Art. 17)",
    description:
      'By `visitorToken` or `roomId` (exactly one), for the admin `adminId`: the requests, their records and ' +
      "each record's own key, their OTKs, event claims and off-the-record values are deleted, then the " +
      'database files are scrubbed (SQLite: zeroed rows and a truncated WAL; PostgreSQL: the key table ' +
      'rewritten). One `visitor.erase` audit entry says what went, never a value.',
    response: {
      200: answer('Erased (an unknown visitor or room erases nothing).', {
        type: 'object',
        required: ['erased', 'requestIds', 'roomIds', 'scrubbed'],
        properties: {
          erased: {
            type: 'object',
            required: ['requests', 'records', 'otks'],
            properties: { requests: { type: 'integer' }, records: { type: 'integer' }, otks: { type: 'integer' } },
          },
          requestIds: { type: 'array', items: string },
          roomIds: { type: 'array', items: string },
          scrubbed: {
            type: 'boolean',
            description: 'False: deleted, but the database files could not be scrubbed yet (logged).',
          },
        },
      }),
      ...apiErrors(''),
    },
  }),
  compliance: api({
    summary: "What the vault's configuration says for the app's PCI DSS readiness check",
    description:
      'Audit retention (10.5.1), whether the audit trail is shipped as it is written (10.4.1.1) and ' +
      'whether the links the vault hands out are https (4.2.1). No secret, no address.',
    response: {
      200: answer('The posture.', {
        type: 'object',
        required: ['auditRetentionDays', 'retentionDays', 'auditSink', 'publicUrlHttps'],
        properties: {
          auditRetentionDays: { type: 'integer', description: 'Audit entries are kept this long; 0: for ever.' },
          retentionDays: { type: 'integer' },
          auditSink: {
            type: 'object',
            required: ['file', 'syslog'],
            properties: { file: { type: 'boolean' }, syslog: { type: 'boolean' } },
          },
          publicUrlHttps: { type: 'boolean' },
        },
      }),
      ...apiErrors(''),
    },
  }),
  exportVisitor: api({
    summary: "One visitor's (or room's) request metadata (GDPR Art. 20)",
    description:
      'States, labels and times of the requests of that visitor or room, audited as `visitor.export`. ' +
      "Never a value: only the vault's CLI adds them (`visitor export --with-values`).",
    response: {
      200: answer('The requests, oldest first.', {
        type: 'object',
        required: ['exportedAt', 'requests'],
        properties: { exportedAt: isoTime, requests: { type: 'array', items: requestState } },
      }),
      ...apiErrors(''),
    },
  }),

  brandFile: visitor({
    summary: "A site's logo (by the SHA-256 of its bytes) or an accent colour's stylesheet (`site brand`)",
    description:
      "The branding a vault admin set for a site (`vault:cli site brand`): the logo as PNG, addressed by its bytes' hash, or the stylesheet of its accent colour.",
    response: {
      200: {
        description: 'The file.',
        content: {
          'image/png': { schema: { type: 'string', format: 'binary' } },
          'text/css': { schema: { type: 'string' } },
        },
      },
      ...pageErrors('404 for an unknown file.'),
    },
  }),

  viewerStart: viewer({
    summary: 'The start step behind a viewer link (uses nothing up)',
    description: "A link preview's GET uses nothing up; the page's button posts to the same link.",
    response: {
      200: htmlPage('The start step.'),
      ...pageErrors(DEAD_LINK),
    },
  }),
  viewerOpen: viewer({
    summary: 'Use the viewer link: sets the session cookie and redirects to the viewer page',
    description:
      'Uses the link up, once, and starts a session of at most `VAULT_VIEWER_SESSION_SECONDS` ' +
      "(an HttpOnly, SameSite=Strict cookie for `/v/s/<handle>`). Audited with the browser's IP and user agent.",
    response: {
      303: redirect('To /v/s/<handle>, with the session cookie.'),
      ...pageErrors(DEAD_LINK),
    },
  }),
  viewerPage: viewer({
    summary: 'The viewer page: field states, no value',
    description: 'Each field as shown, masked (card numbers as BIN + last four), hidden, expired or withheld.',
    response: {
      200: htmlPage('The viewer page.'),
      ...pageErrors(DEAD_SESSION),
    },
  }),
  viewerReveal: viewer({
    summary: "One field's value, for the page's Reveal or Copy",
    description:
      'Same-origin JSON `{fieldId, action}`; each reveal and copy is audited. Managers never get off-the-record values.',
    response: {
      200: answer("The field's value, or that it has expired.", {
        type: 'object',
        required: ['fieldId'],
        properties: { fieldId: string, value: string, expired: { type: 'boolean', enum: [true] } },
      }),
      ...pageErrors(
        `${DEAD_SESSION} 400 \`bad_request\` for an unknown field; 403 \`forbidden\` for a cross-site call, a manager asking an off-the-record value, or a copy where the site's \`viewer-copy\` is off.`,
      ),
    },
  }),
  viewerStatus: viewer({
    summary: 'Whether the viewer session is still live',
    description:
      'Asked by the page while a value is on it: when the session is over (hidden, timed out, the chat closed), the page takes every value off. Audits nothing.',
    response: {
      200: answer('Live.', {
        type: 'object',
        required: ['live'],
        properties: { live: { type: 'boolean', enum: [true] } },
      }),
      ...pageErrors(DEAD_SESSION),
    },
  }),
  viewerClose: viewer({
    summary: 'Hide: end the viewer session',
    description: 'Ends the session now (audited); the page says so.',
    response: {
      200: htmlPage('Ended.'),
      ...pageErrors(DEAD_SESSION),
    },
  }),

  healthz: ops({
    summary: 'Liveness',
    description: 'The process is up; on the main port, for load balancers and the Docker HEALTHCHECK.',
    response: {
      200: answer('Up.', {
        type: 'object',
        required: ['status'],
        properties: { status: { type: 'string', enum: ['ok'] } },
      }),
    },
  }),
  readyz: ops({
    summary: 'Readiness: storage and the ephemeral store reachable (operations listener)',
    description: "Only on `VAULT_OPS_HOST`:`VAULT_OPS_PORT`, never on the visitors' port.",
    response: {
      200: answer('Every backend answers.', readiness()),
      503: answer('A backend is unreachable; `checks` names it.', readiness()),
    },
  }),
  metrics: ops({
    summary: 'Prometheus metrics (operations listener)',
    description: 'Counters and latencies by route pattern, never by URL; only on the operations listener.',
    response: {
      200: { description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } },
    },
  }),
} as const;

function readiness() {
  return {
    type: 'object',
    required: ['status', 'checks'],
    properties: {
      status: { type: 'string', enum: ['ready', 'unavailable'] },
      checks: {
        type: 'object',
        description: 'Per backend (`storage:sqlite`, `ephemeral:redis`…): `ok` or `unreachable`.',
        additionalProperties: { type: 'string', enum: ['ok', 'unreachable'] },
      },
      workers: {
        type: 'object',
        description:
          'With VAULT_WORKERS > 1 (the primary answers): worker processes configured and listening; ready while at least one listens and every one that answers reaches its backends.',
        required: ['configured', 'listening'],
        properties: { configured: { type: 'integer' }, listening: { type: 'integer' } },
      },
    },
  } as const;
}
