import { AUTOFILL_TOKENS, FIELD_TYPES } from '../contract';

/** JSON schemas of the API's bodies and params: Fastify validates with them and answers 400. */

const id = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f]+$' } as const;
const text = (max: number) =>
  ({ type: 'string', minLength: 1, maxLength: max, pattern: '^[^\\u0000-\\u0008\\u000b-\\u001f]+$' }) as const;

const field = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'label', 'type'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' },
    label: text(200),
    type: { type: 'string', enum: FIELD_TYPES },
    required: { type: 'boolean' },
    masked: { type: 'boolean' },
    offTheRecord: { type: 'boolean' },
    options: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        oneOf: [
          text(200),
          {
            type: 'object',
            additionalProperties: false,
            required: ['value', 'label'],
            properties: { value: text(200), label: text(200) },
          },
        ],
      },
    },
    minLength: { type: 'integer', minimum: 0, maximum: 1000 },
    maxLength: { type: 'integer', minimum: 1, maximum: 1000 },
    pattern: { type: 'string', minLength: 1, maxLength: 200 },
    hint: text(300),
    autocomplete: { type: 'string', enum: AUTOFILL_TOKENS },
  },
} as const;

export const createRequestSchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['kind', 'roomId', 'agentId', 'callbackUrl'],
    properties: {
      kind: { type: 'string', enum: ['idv', 'form'] },
      roomId: id,
      agentId: id,
      visitorToken: { type: 'string', maxLength: 256 },
      locale: { type: 'string', maxLength: 35, pattern: '^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$' },
      callbackUrl: { type: 'string', minLength: 8, maxLength: 2048, pattern: '^https?://' },
      idv: {
        type: 'object',
        additionalProperties: false,
        required: ['label', 'positions'],
        properties: {
          label: text(64),
          positions: {
            type: 'array',
            minItems: 1,
            maxItems: 4,
            uniqueItems: true,
            items: { type: 'integer', minimum: 1, maximum: 64 },
          },
        },
      },
      form: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title', 'fields'],
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
          title: text(200),
          fields: { type: 'array', minItems: 1, maxItems: 50, items: field },
        },
      },
    },
  },
} as const;

export const requestIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

export const mintOtkSchema = {
  params: requestIdParams,
  body: { type: 'object', additionalProperties: false, required: ['agentId'], properties: { agentId: id } },
} as const;

export const createViewerSchema = {
  params: requestIdParams,
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['agentId'],
    properties: {
      agentId: id,
      purpose: { type: 'string', enum: ['sender', 'manager'] },
      reason: { type: 'string', maxLength: 1000 },
    },
  },
} as const;

export const detokenizeSchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['otk', 'agentId'],
    properties: { otk: { type: 'string', maxLength: 256 }, agentId: id },
  },
} as const;

export const closeSessionSchema = {
  body: { type: 'object', additionalProperties: false, required: ['roomId'], properties: { roomId: id } },
} as const;

export const roomParams = {
  type: 'object',
  required: ['roomId'],
  properties: { roomId: id },
} as const;
