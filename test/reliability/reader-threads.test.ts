/**
 * Issue 15: REQ reads run on reader threads, so an expensive REQ (20 filters × 200 values, each filter
 * scanning the whole store) does not hold the relay's event loop: a bystander's REQ on another
 * connection completes while the expensive one is still running, both get the right events, and the
 * relay's own thread runs none of the reads.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { VerifiedEvent } from '../../src/nostr/event.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { SqliteQueryRunner } from '../../src/storage/sqlite/query-runner.js';
import { RawClient, startTestRelay, type TestRelay } from '../harness.js';
import { now } from '../helpers.js';

/** Events without the groups' tag: every hostile filter walks past all of them. */
const NOTES = 60_000;
const GROUPS = Array.from({ length: 100 }, (_, i) => i.toString(16).padStart(64, '0'));
const GROUP_MESSAGES = 200;
const AUTHOR = 'a'.repeat(64);

/** An unsigned stand-in, written straight into the file: the store never verifies, and signing 60,000 events would only slow the test. */
function fake(fields: Pick<VerifiedEvent, 'created_at' | 'kind' | 'tags'>): VerifiedEvent {
  return { id: randomBytes(32).toString('hex'), pubkey: AUTHOR, content: 'x'.repeat(64), sig: '0'.repeat(128), ...fields } as VerifiedEvent;
}

describe('issue 15: reader threads', () => {
  let relay: TestRelay;
  const t = now() - 10_000;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mls-relay-readers-'));
    const storage = await openSqliteStorage({ path: join(dir, 'relay.db') });
    const notes = Array.from({ length: NOTES }, (_, i) => fake({ created_at: t + (i % 5000), kind: 1, tags: [] }));
    const messages = Array.from({ length: GROUP_MESSAGES }, (_, i) => fake({ created_at: t + i, kind: 445, tags: [['h', GROUPS[i % GROUPS.length]!]] }));
    const all = [...notes, ...messages];
    for (let i = 0; i < all.length; i += 5000) await storage.events.saveBatch(all.slice(i, i + 5000).map((event) => ({ event })));
    await storage.close();
    relay = await startTestRelay({
      dir,
      // A budget so large that the hostile REQ runs to its end: the point is where it runs, not that it is stopped.
      overrides: { storage: { sqlite: { threads: true } }, limits: { query_max_rows_examined: 1_000_000_000, query_statement_max_ms: 600_000 }, extensions: { enabled: [] } },
    });
  }, 300_000);
  afterAll(async () => {
    await relay?.stop();
  });

  it('a bystander REQ completes while a 20-filter × 200-value REQ is still running, and the relay thread runs neither', async () => {
    const hostile = await RawClient.open(relay.url);
    const bystander = await RawClient.open(relay.url);
    // Spies see this thread's calls only: a reader thread loads its own copy of the module.
    const onMainThread = vi.spyOn(SqliteQueryRunner.prototype, 'query');
    const countOnMainThread = vi.spyOn(SqliteQueryRunner.prototype, 'count');
    try {
      const values = [...GROUPS, ...Array.from({ length: 100 }, () => randomBytes(32).toString('hex'))];
      const filters = Array.from({ length: 20 }, (_, f) => ({ '#h': values, until: now() - f }));
      hostile.send(['REQ', 'hostile', ...filters]);
      let hostileDone = false;
      const hostileEnd = hostile.next((m) => (m[0] === 'EOSE' || m[0] === 'CLOSED') && m[1] === 'hostile', 240_000).then((m) => {
        hostileDone = true;
        return m;
      });
      // Bystander REQs one after another until the hostile one ends; count those that end before it.
      let during = 0;
      for (let n = 0; !hostileDone; n++) {
        const r = await bystander.req(`b${n}`, { kinds: [445], '#h': [GROUPS[3]], limit: 10 });
        expect(r.closed).toBeUndefined();
        expect(r.events.map((e) => e.tags)).toEqual([[['h', GROUPS[3]]], [['h', GROUPS[3]]]]);
        if (!hostileDone) during++;
      }
      expect(await hostileEnd).toEqual(['EOSE', 'hostile']);
      // Every group message (200, all matched by every filter), newest first, and nothing else.
      const got = hostile.messages.filter((m) => m[0] === 'EVENT' && m[1] === 'hostile').map((m) => m[2] as { kind: number; created_at: number });
      expect(got).toHaveLength(GROUP_MESSAGES);
      expect(got.every((e) => e.kind === 445)).toBe(true);
      expect(got.map((e) => e.created_at)).toEqual(got.map((e) => e.created_at).sort((a, b) => b - a));
      expect(during).toBeGreaterThan(0);
      // The relay runs in this process: its event loop (this thread) ran none of these reads itself.
      expect(onMainThread).not.toHaveBeenCalled();
      expect(countOnMainThread).not.toHaveBeenCalled();
    } finally {
      hostile.close();
      bystander.close();
      vi.restoreAllMocks();
    }
  }, 300_000);

  it('COUNT runs on a reader thread too, and an aborted REQ (CLOSE) leaves the relay answering', async () => {
    const client = await RawClient.open(relay.url);
    const onMainThread = vi.spyOn(SqliteQueryRunner.prototype, 'count');
    try {
      const reply = await client.request(['COUNT', 'c', { kinds: [445] }], (m) => m[1] === 'c', 60_000);
      expect(reply).toEqual(['COUNT', 'c', { count: GROUP_MESSAGES }]);
      const values = [...GROUPS, ...Array.from({ length: 100 }, () => randomBytes(32).toString('hex'))];
      client.send(['REQ', 'long', ...Array.from({ length: 20 }, (_, f) => ({ '#h': values, until: now() - f }))]);
      client.send(['CLOSE', 'long']);
      const after = await client.req('after', { kinds: [445], '#h': [GROUPS[5]] });
      expect(after.events).toHaveLength(2);
      expect(onMainThread).not.toHaveBeenCalled();
    } finally {
      client.close();
      vi.restoreAllMocks();
    }
  }, 120_000);
});
