import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestRelay, type TestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';

const STORED = 3000;

/**
 * Issue 13: a CLOSE queued behind its REQ used to wait for the whole query to be sent, EOSE
 * included. The core streams stored results in slices and gives the event loop a turn between
 * them, so a CLOSE that arrives mid-stream stops it: no EOSE, and the rest is never sent.
 */
describe('CLOSE aborts a running query', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay({ overrides: { limits: { max_limit: STORED, max_request_events: STORED } } });
    const author = identity();
    const base = Math.floor(Date.now() / 1000) - STORED;
    const events = Array.from({ length: STORED }, (_, i) => signed(author, { kind: 1, content: `n${i}`, created_at: base + i }));
    const results = await relay.server.storage.events.saveBatch(events.map((event) => ({ event })));
    expect(results.every((r) => r.status === 'saved')).toBe(true);
  }, 120_000);
  afterAll(async () => relay?.stop());

  it('stops sending a REQ\'s stored events when its CLOSE arrives, without EOSE; the connection goes on', async () => {
    const client = await RawClient.open(relay.url);
    let closedAt = -1;
    client.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as unknown[];
      if (closedAt < 0 && msg[0] === 'EVENT' && msg[1] === 'big') {
        closedAt = client.messages.length;
        client.send(['CLOSE', 'big']);
      }
    });
    client.send(['REQ', 'big', { kinds: [1], limit: STORED }]);
    // Handled in order after the REQ and its CLOSE: when this one ends, the big one is over.
    const after = await client.req('after', { kinds: [1], limit: 1 });
    expect(after.events).toHaveLength(1);
    const big = client.messages.filter((m) => m[1] === 'big');
    expect(closedAt).toBeGreaterThan(0);
    expect(big.some((m) => m[0] === 'EOSE')).toBe(false);
    expect(big.filter((m) => m[0] === 'EVENT').length).toBeLessThan(STORED);
    client.close();
  });

  it('still sends everything and EOSE when nobody closes', async () => {
    const client = await RawClient.open(relay.url);
    const all = await client.req('all', { kinds: [1], limit: STORED });
    expect(all.events).toHaveLength(STORED);
    client.close();
  });
});
