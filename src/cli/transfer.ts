import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { verifyEvent } from 'nostr-tools/pure';
import { checkEventShape, markVerified, type NostrEvent } from '../nostr/event.js';
import { serializeEvent } from '../nostr/frames.js';
import { kindClass } from '../nostr/kinds.js';
import type { EventStore } from '../storage/types.js';
import { openStorage } from '../storage/open.js';
import { loadRelayConfig } from '../load-relay-config.js';

const PAGE = 1000;

/**
 * Every stored event, newest first, in pages. Paging walks `until` downwards and skips the ids
 * already seen at the boundary second, so events sharing a created_at are neither lost nor repeated.
 */
export async function* allEvents(store: EventStore): AsyncGenerator<NostrEvent> {
  let until: number | undefined;
  let seen = new Set<string>(); // ids at created_at === until already yielded
  for (;;) {
    const limit = PAGE + seen.size;
    const page = await store.query([{ ...(until !== undefined ? { until } : {}), limit }]);
    for (const ev of page) if (!seen.has(ev.id)) yield ev;
    if (page.length < limit) return;
    const last = page[page.length - 1]!.created_at;
    if (last !== until) seen = new Set();
    for (const ev of page) if (ev.created_at === last) seen.add(ev.id);
    until = last;
  }
}

function progress(label: string, n: number, started: number, done = false): void {
  if (!done && n % 1000 !== 0) return;
  const rate = Math.round(n / Math.max(0.001, (Date.now() - started) / 1000));
  process.stderr.write(`\r${label} ${n} events (${rate}/s)${done ? '\n' : ''}`);
}

async function exportEvents(store: EventStore, file?: string): Promise<number> {
  const out: NodeJS.WritableStream = file ? createWriteStream(file) : process.stdout;
  const started = Date.now();
  let n = 0;
  for await (const ev of allEvents(store)) {
    if (!out.write(`${serializeEvent(ev)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    progress('exported', ++n, started);
  }
  progress('exported', n, started, true);
  if (file) await new Promise<void>((r) => out.end(() => r()));
  return n;
}

async function importEvents(store: EventStore, file?: string): Promise<{ saved: number; skipped: number; invalid: number }> {
  const lines = createInterface({ input: file ? createReadStream(file) : process.stdin, crlfDelay: Infinity });
  const started = Date.now();
  const counts = { saved: 0, skipped: 0, invalid: 0 };
  let batch: NostrEvent[] = [];
  const flush = async () => {
    const results = await store.saveBatch(batch.map((ev) => ({ event: markVerified(ev) })));
    for (const r of results) {
      if (r.status === 'saved') counts.saved++;
      else if (r.status === 'error') throw r.error;
      else counts.skipped++;
    }
    batch = [];
  };
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      ev = undefined;
    }
    // Every imported event is checked like a published one: a backup is untrusted input too.
    if (checkEventShape(ev) || !verifyEvent({ ...(ev as NostrEvent) }) || kindClass((ev as NostrEvent).kind) === 'ephemeral') {
      counts.invalid++;
      process.stderr.write(`\nline ${lineNo}: not a valid, signed, storable event; skipped\n`);
      continue;
    }
    batch.push(ev as NostrEvent);
    // Counted when read; the batch is committed every 500 lines and at the end.
    progress('read', counts.saved + counts.skipped + batch.length, started);
    if (batch.length >= 500) await flush();
  }
  if (batch.length > 0) await flush();
  progress('imported', counts.saved + counts.skipped, started, true);
  return counts;
}

/** `export [file]` and `import [file]` on the configured backend (JSON lines, one event a line). */
export async function runTransferCommand(command: 'export' | 'import', args: string[]): Promise<number> {
  const config = loadRelayConfig();
  const storage = await openStorage(config);
  try {
    if (command === 'export') {
      const n = await exportEvents(storage.events, args[0]);
      process.stderr.write(`export done: ${n} events from ${storage.backend}\n`);
    } else {
      const c = await importEvents(storage.events, args[0]);
      process.stderr.write(`import done into ${storage.backend}: ${c.saved} saved, ${c.skipped} already there or superseded, ${c.invalid} invalid\n`);
      if (c.invalid > 0) return 1;
    }
    return 0;
  } finally {
    await storage.close();
  }
}
