import { AUTOFILL_TOKENS, FIELD_TYPES } from '../contract';

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
    type: { type: 'string', enum: FIELD_TYPES },
    required: { type: 'boolean' },
    masked: { type: 'boolean' },
    offTheRecord: { type: 'boolean' },
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

/** JSON for API clients, HTML for browsers, chosen by the request's Accept or Content-Type. */
const jsonOrHtml = (json: object) =>
  ({ content: { 'application/json': { schema: json }, 'text/html': { schema: html } } }) as const;

const apiErrors = { '4xx': errorBody, '5xx': errorBody } as const;
const pageErrors = { '4xx': jsonOrHtml(errorBody), '5xx': jsonOrHtml(errorBody) } as const;
const api = (summary: string, response: object) => ({ tags: ['app → vault (/v1)'], summary, response }) as const;
const visitor = (summary: string, response: object) => ({ tags: ['visitor (/f)'], summary, response }) as const;
const viewer = (summary: string, response: object) => ({ tags: ['agent viewer (/v)'], summary, response }) as const;
const ops = (summary: string, response: object) => ({ tags: ['operations'], summary, response }) as const;

/** Per route: its OpenAPI summary and tag, and its answers by status. */
export const responses = {
  createRequest: api('Create an ID&V or secure form request', {
    201: {
      type: 'object',
      required: ['requestId', 'visitorUrl', 'expiresAt'],
      properties: {
        requestId: string,
        visitorUrl: { type: 'string', description: "The visitor's single-use link." },
        expiresAt: isoTime,
      },
    },
    ...apiErrors,
  }),
  requestState: api("A request's state (never its values)", { 200: requestState, ...apiErrors }),
  roomRequests: api('Every request of a room, with its state', {
    200: { type: 'object', required: ['requests'], properties: { requests: { type: 'array', items: requestState } } },
    ...apiErrors,
  }),
  mintOtk: api('Mint a single-use key to read the values, for the sending agent', {
    201: { type: 'object', required: ['otk', 'expiresAt'], properties: { otk: string, expiresAt: isoTime } },
    ...apiErrors,
  }),
  createViewer: api("Mint a single-use link to the vault's viewer page", {
    201: {
      type: 'object',
      required: ['viewerUrl', 'expiresAt'],
      properties: {
        viewerUrl: { type: 'string', description: 'A bearer link: hand it only to the agent.' },
        expiresAt: isoTime,
      },
    },
    ...apiErrors,
  }),
  detokenize: api('Read the values with a single-use key', {
    200: {
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
    },
    ...apiErrors,
  }),
  claimEvent: api('Claim a doorbell event once, so one Rocket.Chat instance acts on it (409 after the first claim)', {
    201: {
      type: 'object',
      required: ['requestId', 'event', 'claimed'],
      properties: { requestId: string, event: string, claimed: { type: 'boolean' } },
    },
    ...apiErrors,
  }),
  closeSession: api("Close a room's requests and forget their off-the-record values", {
    204: noBody,
    ...apiErrors,
  }),

  visitorStart: visitor('The start step behind a link (uses nothing up); JSON clients open the request', {
    200: jsonOrHtml(visitorRequestView),
    ...pageErrors,
  }),
  visitorOpen: visitor('Open the request: the form or the ID&V questions', {
    200: jsonOrHtml(visitorRequestView),
    ...pageErrors,
  }),
  visitorDone: visitor('The page after a submit or a cancel', {
    200: { content: { 'text/html': { schema: html } } },
    ...pageErrors,
  }),
  visitorSubmit: visitor('Submit the values (form post or JSON)', {
    200: visitorOutcome('submitted'),
    303: { ...noBody, description: 'To the final page.' },
    422: jsonOrHtml(errorBody),
    ...pageErrors,
  }),
  visitorCancel: visitor('Cancel the request', {
    200: visitorOutcome('cancelled'),
    303: { ...noBody, description: 'To the final page.' },
    ...pageErrors,
  }),
  asset: visitor("The pages' script and stylesheet", {
    200: {
      content: {
        'text/javascript': { schema: { type: 'string' } },
        'text/css': { schema: { type: 'string' } },
      },
    },
    ...pageErrors,
  }),

  brandFile: visitor("A site's logo (by the SHA-256 of its bytes) or an accent colour's stylesheet (`site brand`)", {
    200: {
      content: {
        'image/png': { schema: { type: 'string', format: 'binary' } },
        'text/css': { schema: { type: 'string' } },
      },
    },
    ...pageErrors,
  }),

  viewerStart: viewer('The start step behind a viewer link (uses nothing up)', {
    200: { content: { 'text/html': { schema: html } } },
    ...pageErrors,
  }),
  viewerOpen: viewer('Use the viewer link: sets the session cookie and redirects to the viewer page', {
    303: { ...noBody, description: 'To /v/s/<handle>, with the session cookie.' },
    ...pageErrors,
  }),
  viewerPage: viewer('The viewer page: field states, no value', {
    200: { content: { 'text/html': { schema: html } } },
    ...pageErrors,
  }),
  viewerReveal: viewer("One field's value, for the page's Reveal or Copy", {
    200: {
      type: 'object',
      required: ['fieldId'],
      properties: { fieldId: string, value: string, expired: { type: 'boolean', enum: [true] } },
    },
    ...pageErrors,
  }),
  viewerClose: viewer('Hide: end the viewer session', {
    200: { content: { 'text/html': { schema: html } } },
    ...pageErrors,
  }),

  healthz: ops('Liveness', {
    200: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
  }),
  readyz: ops('Readiness: storage and the ephemeral store reachable (operations listener)', {
    200: readiness(),
    503: readiness(),
  }),
  metrics: ops('Prometheus metrics (operations listener)', {
    200: { content: { 'text/plain': { schema: { type: 'string' } } } },
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
    },
  } as const;
}
