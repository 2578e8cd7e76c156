import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { RawClient, startTestRelay, waitFor, type TestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';

const BOUND = 1024 * 1024;
let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({
    overrides: {
      limits: { max_buffered_bytes: BOUND },
      rate_limits: { events_per_minute: 0, events_per_minute_per_ip: 0 },
    },
  });
});
afterAll(async () => {
  await relay.stop();
});

function isOpen(c: RawClient): boolean {
  return c.ws.readyState === c.ws.OPEN;
}

async function droppedCount(): Promise<number> {
  return (await relay.server.metrics.slowClientsDropped.get()).values[0]?.value ?? 0;
}

describe('backpressure', () => {
  it('disconnects a subscriber that stops reading once its buffer passes the bound; another still gets everything', async () => {
    const author = identity();
    const filter = { authors: [author.pk] };
    const slow = await RawClient.open(relay.url);
    const fast = await RawClient.open(relay.url);
    await slow.req('s', filter);
    await fast.req('f', filter);
    const slowConn = [...relay.server.sessions.all()].map((s) => s.connId);
    // Stop reading: the kernel buffers fill, then ws buffers in the relay's process.
    (slow.ws as unknown as { _socket: Socket })._socket.pause();

    const publisher = await RawClient.open(relay.url);
    const sent: string[] = [];
    // 20 KB per event, 20 MB in all: well past loopback socket buffers and the 1 MiB bound. Batches
    // of 25 (500 KB) waited on by OK let a reading subscriber keep up in this shared process.
    for (let batch = 0; batch < 40; batch++) {
      let last = '';
      for (let i = 0; i < 25; i++) {
        const ev = signed(author, { content: `${batch}-${i}-`.padEnd(20_000, 'x') });
        sent.push(ev.id);
        last = ev.id;
        publisher.send(['EVENT', ev]);
      }
      await publisher.next((m) => m[0] === 'OK' && m[1] === last, 30_000);
    }
    const oks = publisher.messages.filter((m) => m[0] === 'OK' && m[2] === true).length;
    const refused = publisher.messages.filter((m) => m[0] === 'OK' && m[2] !== true).slice(0, 3);
    expect(refused).toEqual([]);
    expect(oks).toBe(sent.length);

    const received = () => fast.messages.filter((m) => m[0] === 'EVENT' && m[1] === 'f').length;
    await waitFor(() => received() === sent.length || !isOpen(fast), 30_000);
    expect(isOpen(fast)).toBe(true);
    await waitFor(() => fast.messages.filter((m) => m[0] === 'EVENT' && m[1] === 'f').length === sent.length, 30_000);
    const got = fast.messages.filter((m) => m[0] === 'EVENT' && m[1] === 'f').map((m) => (m[2] as { id: string }).id);
    expect(new Set(got)).toEqual(new Set(sent));

    expect(await droppedCount()).toBeGreaterThanOrEqual(1);
    await waitFor(() => relay.server.sessions.size === 2, 5000);
    // The slow one is the session that is gone: fast and publisher are still registered.
    const open = [...relay.server.sessions.all()].map((s) => s.connId);
    expect(slowConn.filter((id) => !open.includes(id))).toHaveLength(1);
    fast.close();
    publisher.close();
    slow.ws.terminate();
  }, 120_000);
});
