/**
 * Group ids (`h` tag values) the gateway accepts: Marmot uses 32-byte hex, the predecessor
 * short tokens. The id becomes a key of the gateway's stores, so it is limited to a safe set.
 */
const GROUP_ID = /^[0-9A-Za-z_-]{1,128}$/;

/** True when `value` is an acceptable group id. */
export function isGroupId(value: unknown): value is string {
  return typeof value === 'string' && GROUP_ID.test(value);
}

/** A group id shortened for messages and logs. */
export function shortGroupId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 12)}…` : id;
}
