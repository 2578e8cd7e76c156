/**
 * Issue 16, items 2, 3 and 6: requests real clients send. A refused REQ or COUNT always gets CLOSED
 * (a NOTICE left nostr-tools waiting for EOSE), NDK's 25 filters fit the default limits while the
 * request's cost stays bounded, and a NIP-50 search filter matches nothing instead of being refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Filter } from 'nostr-tools/filter';
import type { Relay } from 'nostr-tools/relay';
import { connect, RawClient, startTestRelay, type TestRelay } from '../harness.js';
import { identity, now, signed } from '../helpers.js';

/**
 * Subscribes with nostr-tools and resolves to how the subscription ended: EOSE or CLOSED with its
 * reason. nostr-tools names the subscription `<label>:<n>`, as applications that pass a label get.
 */
function subscribeEnd(relay: Relay, filters: Filter[], label: string): Promise<{ closed?: string; events: number }> {
  let events = 0;
  return new Promise((resolve) => {
    const sub = relay.subscribe(filters, {
      label,
      onevent: () => events++,
      oneose: () => {
        resolve({ events });
        sub.close();
      },
      onclose: (reason) => resolve({ closed: reason, events }),
    });
  });
}

describe('client requests with the default limits', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay();
  });
  afterAll(async () => relay?.stop());

  it('an over-long subscription id is answered CLOSED with the id as sent (nostr-tools sees onclose)', async () => {
    const client = await connect(relay.url);
    try {
      const label = 'profile-and-contacts-of-a-long-label'.repeat(2);
      const end = await subscribeEnd(client, [{ kinds: [0] }], label);
      expect(end.closed).toMatch(/^invalid: subscription id is longer than 64 characters/);
      await expect(client.count([{ kinds: [0] }], { id: `${label}:count` })).rejects.toThrow(/^invalid: subscription id is longer/);
    } finally {
      client.close();
    }
  });

  it('a non-string or empty id is answered CLOSED too', async () => {
    const c = await RawClient.open(relay.url);
    try {
      expect(await c.request(['REQ', 42, {}], (m) => m[0] === 'CLOSED' || m[0] === 'NOTICE')).toEqual([
        'CLOSED',
        '42',
        expect.stringMatching(/^invalid: subscription id must be a non-empty string/),
      ]);
      expect(await c.request(['COUNT', '', {}], (m) => m[0] === 'CLOSED' || m[0] === 'NOTICE')).toEqual([
        'CLOSED',
        '',
        expect.stringMatching(/^invalid: /),
      ]);
    } finally {
      c.close();
    }
  });

  it('serves a REQ of 25 filters as NDK sends them, and refuses past max_filters with CLOSED', async () => {
    const who = identity();
    const client = await connect(relay.url);
    try {
      const ev = signed(who, { kind: 7 });
      await client.publish(ev);
      const filters = Array.from({ length: 25 }, (_, i) => ({ kinds: [i], authors: [who.pk] }));
      const end = await subscribeEnd(client, filters, 'ndk-25');
      expect(end).toEqual({ events: 1 });
      const tooMany = await subscribeEnd(client, Array.from({ length: 101 }, (_, i) => ({ kinds: [i] })), 'over');
      expect(tooMany.closed).toMatch(/^invalid: too many filters \(max 100\)/);
    } finally {
      client.close();
    }
  });

  it('a search (NIP-50) filter matches nothing: EOSE with no events, COUNT 0, no live events', async () => {
    const who = identity();
    const c = await RawClient.open(relay.url);
    try {
      expect((await c.publish(signed(who, { content: 'orange' })))[2]).toBe(true);
      expect(await c.req('s', { search: 'orange' })).toEqual({ events: [] });
      expect(await c.req('s2', { authors: [who.pk], search: 'orange' })).toEqual({ events: [] });
      const counted = await c.request(['COUNT', 'n', { authors: [who.pk], search: 'orange' }], (m) => m[1] === 'n');
      expect(counted).toEqual(['COUNT', 'n', { count: 0 }]);
      // A search filter beside a plain one: the plain one is served.
      expect((await c.req('mixed', { search: 'orange' }, { authors: [who.pk] })).events).toHaveLength(1);
      const mark = c.messages.length;
      expect((await c.publish(signed(who, { content: 'orange again' })))[2]).toBe(true);
      await c.req('settle', { limit: 0 });
      expect(c.messages.slice(mark).filter((m) => m[0] === 'EVENT' && m[1] === 's')).toEqual([]);
      expect(c.messages.slice(mark).filter((m) => m[0] === 'EVENT' && m[1] === 'mixed')).toHaveLength(1);
    } finally {
      c.close();
    }
  });

  it('NIP-11 states the limits a client should know', async () => {
    const res = await fetch(relay.httpUrl, { headers: { accept: 'application/nostr+json' } });
    const doc = (await res.json()) as { limitation: Record<string, unknown>; supported_nips: number[] };
    expect(doc.limitation).toMatchObject({
      max_filters: 100,
      max_filter_values: 1000,
      max_filter_values_per_request: 10000,
      max_request_events: 10000,
      query_rows_per_minute: 2_000_000,
      max_limit: 5000,
      max_subid_length: 64,
      created_at_lower_limit: 94608000,
      created_at_upper_limit: 900,
    });
    expect(doc.supported_nips).not.toContain(50);
  });
});

describe('the cost of one request is bounded', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay({ overrides: { limits: { max_filter_values_per_request: 10, max_request_events: 6 } } });
  });
  afterAll(async () => relay?.stop());

  it('refuses a REQ or COUNT whose filters list more values together than max_filter_values_per_request', async () => {
    const c = await RawClient.open(relay.url);
    try {
      const six = Array.from({ length: 6 }, () => identity().pk);
      const ok = await c.req('fits', { authors: six.slice(0, 5) }, { authors: six.slice(0, 5) });
      expect(ok.closed).toBeUndefined();
      const over = await c.req('over', { authors: six }, { kinds: [1, 2, 3, 4, 5] });
      expect(over.closed).toMatch(/^invalid: too many filter values \(max 10 in one REQ/);
      const counted = await c.request(['COUNT', 'c', { authors: six }, { '#t': ['a', 'b', 'c', 'd', 'e'] }], (m) => m[1] === 'c');
      expect(counted).toEqual(['CLOSED', 'c', expect.stringMatching(/^invalid: too many filter values \(max 10 in one COUNT/)]);
    } finally {
      c.close();
    }
  });

  it('returns at most max_request_events stored events per REQ, all filters together, newest first', async () => {
    const c = await RawClient.open(relay.url);
    const who = identity();
    try {
      const t = now();
      const evs = Array.from({ length: 10 }, (_, i) => signed(who, { kind: i % 2 === 0 ? 1 : 7, created_at: t - i }));
      for (const ev of evs) expect((await c.publish(ev))[2]).toBe(true);
      const both = await c.req('both', { authors: [who.pk], kinds: [1] }, { authors: [who.pk], kinds: [7] });
      // Limits of 500 + 500 share 6: three each, newest first.
      expect(both.events.map((e) => e.id)).toEqual(evs.slice(0, 6).map((e) => e.id));
      const one = await c.req('one', { authors: [who.pk] });
      expect(one.events.map((e) => e.id)).toEqual(evs.slice(0, 6).map((e) => e.id));
    } finally {
      c.close();
    }
  });
});
