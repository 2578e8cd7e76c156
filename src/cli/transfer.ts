import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { verifyEvent } from 'nostr-tools/pure';
import { checkEventShape, markVerified, type NostrEvent } from '../nostr/event.js';
import { serializeEvent } from '../nostr/frames.js';
import { kindClass } from '../nostr/kinds.js';
import type { EventStore } from '../storage/types.js';
import type { RelayConfig } from '../config/types.js';
import { createLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import type { RelayCore } from '../relay/core/core.js';
import { createRelayCore } from '../relay/core/create.js';
import { createHooks } from '../relay/hooks.js';
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

/**
 * The relay's core for an import: the operator's backup is trusted for policy (no auth, rate or
 * age limits: old events are the point), but it is written as the relay writes — through the
 * writer, so a kind 5 deletes and tombstones what it names, with the relay's deletion rule.
 */
function importCore(config: RelayConfig, store: EventStore): RelayCore {
  const hooks = createHooks();
  const access = { isAllowed: () => true, isBanned: () => false };
  const logger = createLogger(config.logging.level);
  return createRelayCore({ config, logger, metrics: createMetrics(), store, hooks, verify: async () => true, access });
}

/** The relay's answer to an imported event: stored, or already there / superseded / deleted. */
async function importOne(core: RelayCore, ev: NostrEvent): Promise<'saved' | 'skipped'> {
  const outcome = await core.publishVerified(IMPORT_ACTOR, markVerified(ev));
  if (outcome.status === 'error') throw new Error(`could not store event ${ev.id}: ${outcome.why?.message ?? 'store error'}`);
  return outcome.status === 'saved' ? 'saved' : 'skipped';
}

/** Who imports: the operator at the console. */
const IMPORT_ACTOR = { connId: 'cli-import', ip: '127.0.0.1', authed: new Set<string>() };

async function importEvents(core: RelayCore, file?: string): Promise<{ saved: number; skipped: number; invalid: number }> {
  const lines = createInterface({ input: file ? createReadStream(file) : process.stdin, crlfDelay: Infinity });
  const started = Date.now();
  const counts = { saved: 0, skipped: 0, invalid: 0 };
  let batch: NostrEvent[] = [];
  const flush = async () => {
    // Published together, committed together by the writer (one transaction for the batch).
    for (const r of await Promise.all(batch.map((ev) => importOne(core, ev)))) counts[r]++;
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
      const c = await importEvents(importCore(config, storage.events), args[0]);
      process.stderr.write(`import done into ${storage.backend}: ${c.saved} saved, ${c.skipped} already there or superseded, ${c.invalid} invalid\n`);
      if (c.invalid > 0) return 1;
    }
    return 0;
  } finally {
    await storage.close();
  }
}
