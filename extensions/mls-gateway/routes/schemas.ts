/**
 * JSON schemas of the REST bodies, queries and params (fastify validates them: a wrong shape is
 * a 400). No `default` and no `additionalProperties: false` on bodies: fastify's Ajv would fill
 * in or strip properties of `req.body`, and the NIP-98 payload hash is over the body as sent.
 */

const HEX64 = '^[0-9a-f]{64}$';
/** A page cursor (paging.ts `encodeCursor`; kept here so this file stays free of imports). */
const CURSOR = '^[0-9]{1,12}:[0-9a-f]{64}:[0-9]{1,9}$';
const GROUP_ID = '^[0-9A-Za-z_-]{1,128}$';
/** Largest page of the message routes. */
export const MAX_PAGE = 500;
/** Page size when `limit` is absent. */
export const DEFAULT_PAGE = 100;

const paging = {
  since: { type: 'integer', minimum: 0, description: 'Oldest created_at to include (unix seconds).' },
  until: { type: 'integer', minimum: 0, description: 'Newest created_at to include (first page).' },
  cursor: { type: 'string', pattern: CURSOR, description: 'next_cursor of the previous page: continues right after it (until is then ignored).' },
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, description: `Page size, default ${DEFAULT_PAGE}.` },
} as const;

/** POST /messages/group. */
export const groupMessagesBody = {
  type: 'object',
  required: ['group_id'],
  properties: { group_id: { type: 'string', pattern: GROUP_ID }, ...paging },
} as const;

/** POST /messages/missed. */
export const missedMessagesBody = {
  type: 'object',
  properties: { ...paging },
} as const;

/** GET /keypackages. */
export const keyPackagesQuery = {
  type: 'object',
  required: ['owner'],
  properties: { owner: { type: 'string', pattern: HEX64 } },
} as const;

/** GET /groups/:id. */
export const groupParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: GROUP_ID } },
} as const;

/** GET /welcomes (a query string: fastify coerces the limit to an integer). */
export const welcomesQuery = {
  type: 'object',
  properties: {
    limit: paging.limit,
    cursor: { type: 'string', pattern: '^[01]:[0-9]{15}:[0-9a-f]{64}$', description: 'next_cursor of the previous page.' },
  },
} as const;

/** POST /welcomes/:id/ack. */
export const eventIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: HEX64 } },
} as const;

/** A paged body after validation. */
export type PageRequest = { since?: number; until?: number; limit?: number; cursor?: string };
