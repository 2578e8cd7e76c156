import Database from 'better-sqlite3';
import { openSqliteStorage } from '../src/storage/sqlite/index.js';
import { mixedEvent } from './lib/events.js';
import { benchIdentity } from './lib/sign.js';
import type { VerifiedEvent } from '../src/nostr/event.js';
const who = [benchIdentity('a')];
const evs = Array.from({ length: 4000 }, (_, i) => mixedEvent(i, who[0]!, [who[0]!.pubkey]) as VerifiedEvent);
const bytes = evs.reduce((a, e) => a + JSON.stringify(e).length, 0);
for (const ps of process.argv.slice(2).map(Number)) {
  const path = `/tmp/exp/w-${ps}-${Date.now()}.db`;
  if (ps) { const d = new Database(path); d.pragma(`page_size = ${ps}`); d.pragma('journal_mode = WAL'); d.close(); }
  const s = await openSqliteStorage({ path });
  const db = new Database(path);
  const t0 = performance.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < evs.length; i += 16) await s.events.saveBatch(evs.slice(i, i + 16).map((event) => ({ event })));
  const c = process.cpuUsage(c0); const ms = performance.now() - t0;
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
  console.log(`page ${db.pragma('page_size', { simple: true })}: ${(ms * 1000 / evs.length).toFixed(0)} µs/ev wall, cpu ${((c.user + c.system) / evs.length).toFixed(0)} (sys ${(c.system / evs.length).toFixed(0)}), raw ${(bytes / evs.length / 1024).toFixed(1)} KB/ev, wal frames now ${row?.log}`);
  db.close(); await s.close();
}
