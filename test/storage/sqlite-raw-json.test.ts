import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { NostrEvent, VerifiedEvent } from '../../src/nostr/event.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';

// Stored as given: the store trusts its caller to have verified, so these need no real signatures.
function event(content: string, over: Partial<VerifiedEvent> = {}): VerifiedEvent {
  return { id: randomBytes(32).toString('hex'), pubkey: randomBytes(32).toString('hex'), created_at: 1_700_000_000, kind: 1, tags: [['p', 'a'.repeat(64)]], content, sig: randomBytes(64).toString('hex'), ...over } as VerifiedEvent;
}

/** The text a relay must store and serve for an event: its seven NIP-01 fields through JSON.stringify, in this order. */
const canonical = (ev: NostrEvent): string =>
  JSON.stringify({ id: ev.id, pubkey: ev.pubkey, created_at: ev.created_at, kind: ev.kind, tags: ev.tags, content: ev.content, sig: ev.sig });

/** Every code point of the Basic Multilingual Plane but the surrogates, in one string. */
const BMP = Array.from({ length: 0x10000 }, (_, c) => (c >= 0xd800 && c <= 0xdfff ? '' : String.fromCharCode(c))).join('');

/**
 * SQLite builds the stored JSON inside the INSERT (RAW_JSON_SQL, event-row.ts); it must be byte for byte what
 * JSON.stringify gives, since readers serve it as it is and clients check the id and signature against it.
 */
describe('sqlite: the stored event JSON', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  const events = (): VerifiedEvent[] => [
    event(BMP),
    event('quotes " backslash \\ slash / controls \u0000\u0001\b\f\n\r\t\u001f DEL \u007f separators \u2028\u2029'),
    event('astral 😀 𝄞 and é'),
    event(''),
    event('lone high \ud800 surrogate'),
    event('lone low \udc00 surrogate'),
    event('tags with a lone surrogate', { tags: [['p', 'x\ud83dy'], ['t', 'emoji 😀'], ['e', '"quoted"\n']] }),
    event('no tags', { tags: [] }),
    event('the oldest and newest times', { created_at: 0 }),
    event('largest safe created_at', { created_at: Number.MAX_SAFE_INTEGER }),
    event('a replaceable kind', { kind: 0 }),
    event('an addressable kind', { kind: 30443, tags: [['d', 'slot-1'], ['encoding', 'base64']] }),
    event(randomBytes(30_000).toString('base64'), { kind: 1059 }),
  ];

  for (const writerThread of [false, true]) {
    it(`is what JSON.stringify gives for every kind of string (writer thread: ${writerThread})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mls-relay-raw-'));
      dirs.push(dir);
      const path = join(dir, 'relay.db');
      const storage = await openSqliteStorage({ path, writerThread, checkpointWorker: false });
      const list = events();
      try {
        expect((await storage.events.saveBatch(list.map((e) => ({ event: e })))).map((r) => r.status)).toEqual(list.map(() => 'saved'));
        // What a reader serves: the stored text, as read by another connection.
        const db = new Database(path, { readonly: true });
        try {
          const raw = db.prepare('SELECT raw FROM events WHERE id = ?').pluck();
          for (const ev of list) expect(raw.get(ev.id), ev.content.slice(0, 40)).toBe(canonical(ev));
        } finally {
          db.close();
        }
        // And through the store: the same events back.
        const back = await storage.events.query([{ ids: list.map((e) => e.id) }]);
        expect(back.map(canonical).sort()).toEqual(list.map(canonical).sort());
      } finally {
        await storage.close();
      }
    });
  }
});
