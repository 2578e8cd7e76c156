import { openSqliteStorage } from '../src/storage/sqlite/index.js';
import { mixedEvent } from './lib/events.js';
import { benchIdentity } from './lib/sign.js';
import type { VerifiedEvent } from '../src/nostr/event.js';
import Database from 'better-sqlite3';
const who = [benchIdentity('a')];
const evs = Array.from({ length: 8000 }, (_, i) => mixedEvent(i, who[0]!, [who[0]!.pubkey]) as VerifiedEvent);
for (const mode of process.argv.slice(2)) {
  const path = `/tmp/exp/c-${mode}-${Date.now()}.db`;
  const s = await openSqliteStorage({ path });
  if (mode === 'nockpt') { const db = new Database(path); db.close(); }
  // reach the db through a private field for the experiment
  const db = (s.events as any).db ?? (s.events as any).saver?.db;
  if (mode === 'nockpt') db.pragma('wal_autocheckpoint = 0');
  const cpu0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < evs.length; i += 16) await s.events.saveBatch(evs.slice(i, i + 16).map((event) => ({ event })));
  const cpu = process.cpuUsage(cpu0); const ms = performance.now() - t0;
  console.log(mode, `${(ms*1000/evs.length).toFixed(0)} µs/event wall, ${((cpu.user+cpu.system)/evs.length).toFixed(0)} µs cpu (sys ${(cpu.system/evs.length).toFixed(0)})`);
  await s.close();
}
