// Benchmark: page writes per event (issue 15, item 3) — how many WAL frames (4 KiB pages, SQLite's default) one
// stored event of the ingest mix costs, by batch size and by index, and the same in a file of 8 KiB pages. A commit writes every page it dirtied, so frames per event are the
// SQLite part of ingest cost that does not depend on this machine's load: the same schema and batch give the same
// count. Runs in-process on a scratch file (no relay), after `PRELOAD` events so B-trees have their working depth.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NostrEvent } from '../src/nostr/event.js';
import { SqliteBatchSaver, type SaveItem } from '../src/storage/sqlite/save-batch.js';
import { applySchema } from '../src/storage/sqlite/schema.js';
import { ingestEvents } from './ingest.js';
import { benchIdentity } from './lib/sign.js';
import type { Row } from './lib/stats.js';

const PRELOAD = 20_000;
/** A WAL frame is a page behind a 24-byte header. */
const FRAME_HEADER_BYTES = 24;
/** The page size of the relay's files (SQLite's default; schema.ts does not change it). */
const PAGE_SIZE = 4096;
const WAL_HEADER_BYTES = 32;
/** The secondary indexes of schema.ts, each measured by leaving it out. */
const INDEXES = ['events_pubkey_kind_created', 'events_kind_created', 'events_created', 'tags_eid'];

type WalCost = { frames: number; kib: number };

/**
 * WAL frames (and KiB) per event for saving `events` in batches of `batch`, after `preload`, without the
 * `drop`ped indexes; in a file of `pageSize` pages when given.
 */
function walPerEvent(preload: NostrEvent[], events: NostrEvent[], batch: number, drop: string[] = [], pageSize?: number): WalCost {
  const dir = mkdtempSync(join(tmpdir(), 'mls-relay-frames-'));
  const db = new Database(join(dir, 'relay.db'));
  try {
    if (pageSize !== undefined) {
      // Entering WAL mode writes the file's header, so applySchema's page size no longer applies.
      db.pragma(`page_size = ${pageSize}`);
      db.pragma('journal_mode = WAL');
    }
    applySchema(db, { synchronous: 'NORMAL' });
    for (const index of drop) db.exec(`DROP INDEX ${index}`);
    const saver = new SqliteBatchSaver(db);
    const save = db.transaction((items: SaveItem[]) => saver.saveWithin(items)).immediate;
    const run = (list: NostrEvent[]) => {
      for (let i = 0; i < list.length; i += batch) save(list.slice(i, i + batch).map((event) => ({ event: event as SaveItem['event'] })));
    };
    run(preload);
    // An empty WAL, and no checkpoint restarting it while we count.
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('wal_autocheckpoint = 0');
    run(events);
    const bytes = statSync(join(dir, 'relay.db-wal')).size - WAL_HEADER_BYTES;
    const page = db.pragma('page_size', { simple: true }) as number;
    return { frames: bytes / (page + FRAME_HEADER_BYTES) / events.length, kib: bytes / 1024 / events.length };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm run bench -- wal-frames [events]` (default 5,000 measured after 20,000 preloaded). */
export async function runWalFrames(n: number): Promise<Row[]> {
  const who = Array.from({ length: 8 }, (_, i) => benchIdentity(`ingest-${i}`));
  const all = ingestEvents(PRELOAD + n, who);
  const [preload, events] = [all.slice(0, PRELOAD), all.slice(PRELOAD)];
  const contentPages = events.reduce((sum, ev) => sum + JSON.stringify(ev).length, 0) / PAGE_SIZE / events.length;
  const kib = PAGE_SIZE / 1024;
  const rows: Row[] = [{ bench: 'wal-frames', what: `the event JSON alone, ${kib} KiB pages per event (the floor)`, result: contentPages.toFixed(2) }];
  const cost = ({ frames, kib: walKib }: WalCost): string => `${frames.toFixed(2)} (${walKib.toFixed(1)} KiB)`;
  for (const batch of [1, 9, 64, 256]) {
    rows.push({ bench: 'wal-frames', what: `WAL frames (${kib} KiB pages) per event, batches of ${batch}`, result: cost(walPerEvent(preload, events, batch)) });
  }
  // Larger pages: fewer frames (fewer overflow pages per gift wrap, fewer leaf splits), more bytes (see README).
  rows.push({ bench: 'wal-frames', what: 'WAL frames per event in a file of 8 KiB pages, batches of 64', result: cost(walPerEvent(preload, events, 64, [], 8192)) });
  const base = walPerEvent(preload, events, 9).frames;
  for (const index of INDEXES) {
    const without = walPerEvent(preload, events, 9, [index]).frames;
    rows.push({ bench: 'wal-frames', what: `cost of ${index} (batches of 9): frames per event it adds`, result: (base - without).toFixed(2) });
  }
  return rows;
}
