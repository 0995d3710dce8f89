import { AUTOFILL_TOKENS, CLAIMABLE_EVENTS, FIELD_TYPES } from '../contract';
import {
  ID_PATTERNS,
  LENGTH_RANGES,
  LIMITS,
  NOT_BLANK_PATTERN,
  PLAIN_LINE_PATTERN,
  TEXT_PATTERN,
  VISIBLE_PATTERN,
} from '../contract/limits';

/**
 * JSON schemas of the API's bodies and params, built from the contract's limits (which the app's
 * catalog check applies too): Fastify validates with them and answers 400.
 */

const id = { type: 'string', minLength: 1, maxLength: LIMITS.opaqueId, pattern: ID_PATTERNS.opaque } as const;
const text = (max: number) =>
  ({
    type: 'string',
    minLength: 1,
    maxLength: max,
    allOf: [{ pattern: TEXT_PATTERN }, { pattern: NOT_BLANK_PATTERN }],
  }) as const;
const length = (range: { min: number; max: number }) =>
  ({ type: 'integer', minimum: range.min, maximum: range.max }) as const;
/** An object that takes only the listed properties, the `required` ones among them. */
const closedObject = <const Required extends readonly string[], const Properties extends object>(
  required: Required,
  properties: Properties,
) => ({ type: 'object', additionalProperties: false, required, properties }) as const;

/** A field's type and switches: the same in the request that asks and in the visitor's view of it. */
export const fieldTypeAndSwitches = {
  type: { type: 'string', enum: FIELD_TYPES },
  required: { type: 'boolean' },
  masked: { type: 'boolean' },
  offTheRecord: { type: 'boolean' },
} as const;

const field = closedObject(['id', 'label', 'type'], {
  id: { type: 'string', pattern: ID_PATTERNS.field },
  label: text(LIMITS.label),
  ...fieldTypeAndSwitches,
  options: {
    type: 'array',
    minItems: 1,
    maxItems: LIMITS.options,
    items: {
      oneOf: [
        text(LIMITS.optionText),
        closedObject(['value', 'label'], { value: text(LIMITS.optionText), label: text(LIMITS.optionText) }),
      ],
    },
  },
  minLength: length(LENGTH_RANGES.minLength),
  maxLength: length(LENGTH_RANGES.maxLength),
  pattern: { type: 'string', minLength: 1, maxLength: LIMITS.pattern },
  hint: text(LIMITS.hint),
  autocomplete: { type: 'string', enum: AUTOFILL_TOKENS },
});

export const createRequestSchema = {
  body: closedObject(['kind', 'roomId', 'agentId', 'callbackUrl'], {
    kind: { type: 'string', enum: ['idv', 'form'] },
    roomId: id,
    agentId: id,
    visitorToken: { type: 'string', maxLength: LIMITS.visitorToken, pattern: ID_PATTERNS.visitorToken },
    locale: { type: 'string', maxLength: LIMITS.locale, pattern: ID_PATTERNS.locale },
    callbackUrl: { type: 'string', minLength: 8, maxLength: LIMITS.callbackUrl, pattern: ID_PATTERNS.callbackUrl },
    idv: closedObject(['label', 'positions'], {
      // Typed by an agent for the visitor to read: one visible line of plain text, as the app checks it.
      label: {
        type: 'string',
        minLength: 1,
        maxLength: LIMITS.idvLabel,
        allOf: [{ pattern: PLAIN_LINE_PATTERN }, { pattern: VISIBLE_PATTERN }],
      },
      positions: {
        type: 'array',
        minItems: 1,
        maxItems: LIMITS.idvPositions,
        uniqueItems: true,
        items: { type: 'integer', minimum: 1, maximum: LIMITS.idvMaxPosition },
      },
    }),
    form: closedObject(['id', 'title', 'fields'], {
      id: { type: 'string', pattern: ID_PATTERNS.form },
      title: text(LIMITS.title),
      fields: { type: 'array', minItems: 1, maxItems: LIMITS.fields, items: field },
      relay: { type: 'string', pattern: ID_PATTERNS.relay },
    }),
  }),
} as const;

export const requestIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

export const claimEventSchema = {
  params: {
    type: 'object',
    required: ['id', 'event'],
    properties: { id: { type: 'string', format: 'uuid' }, event: { type: 'string', enum: [...CLAIMABLE_EVENTS] } },
  },
} as const;

/** The body of an agent's action on one request: who asks (required), then the action's own options. */
const agentActionBody = <const Options extends object>(options: Options) =>
  closedObject(['agentId'], { agentId: id, ...options });

export const mintOtkSchema = {
  params: requestIdParams,
  body: agentActionBody({}),
} as const;

export const createViewerSchema = {
  params: requestIdParams,
  body: agentActionBody({
    purpose: { type: 'string', enum: ['sender', 'manager'] },
    reason: {
      type: 'string',
      maxLength: 1000,
      description: `required with purpose "manager": at least ${LIMITS.managerReasonMin} characters, one line`,
    },
  }),
} as const;

export const detokenizeSchema = {
  body: closedObject(['otk', 'agentId'], { otk: { type: 'string', maxLength: LIMITS.otk }, agentId: id }),
} as const;

export const closeSessionSchema = {
  body: closedObject(['roomId'], { roomId: id }),
} as const;

export const roomParams = {
  type: 'object',
  required: ['roomId'],
  properties: { roomId: id },
} as const;

/** Exactly one of visitorToken and roomId, and who asked. */
export const visitorDataSchema = {
  body: {
    ...closedObject(['adminId'], {
      // No character rule: a token stored before create had one must still be erasable.
      visitorToken: { type: 'string', minLength: 1, maxLength: LIMITS.visitorToken },
      roomId: id,
      adminId: id,
    }),
    oneOf: [{ required: ['visitorToken'] }, { required: ['roomId'] }],
  },
} as const;

export const relaySendSchema = {
  params: requestIdParams,
  body: agentActionBody({
    params: {
      type: 'object',
      maxProperties: LIMITS.relayParams,
      propertyNames: { pattern: ID_PATTERNS.relayParamName },
      additionalProperties: { type: 'string', pattern: ID_PATTERNS.relayParamValue },
    },
  }),
} as const;
