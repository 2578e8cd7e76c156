// A store of kind 445 events spread over 100 groups, for the query budget and allowance suites: a REQ over every
// group walks all of them, past a small limits.query_max_rows_examined.
import { expect } from 'vitest';
import type { RawClient } from '../harness.js';
import { identity, now, signed } from '../helpers.js';

export const GROUPS = Array.from({ length: 100 }, (_, i) => `group-${i}`);

/** Publishes `n` kind 445 events (one second, throwaway authors) round-robin over GROUPS, 100 at a time; every OK must be true. */
export async function publishGroupMessages(client: RawClient, n: number): Promise<void> {
  const t = now() - 100;
  const events = Array.from({ length: n }, (_, i) => signed(identity(), { kind: 445, tags: [['h', GROUPS[i % GROUPS.length]!]], content: 'c', created_at: t }));
  for (let i = 0; i < events.length; i += 100) {
    const oks = await Promise.all(events.slice(i, i + 100).map((ev) => client.publish(ev)));
    expect(oks.every((o) => o[2] === true)).toBe(true);
  }
}
