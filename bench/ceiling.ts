// Benchmark 1: the verify ceiling — the chosen backend alone, through the worker pool on every core,
// over the same event mix the ingest benchmark publishes (bench/verify.ts has the per-backend table).
import { availableParallelism } from 'node:os';
import { loadBackend } from '../src/verify/select.js';
import { createVerifier } from '../src/verify/pool.js';
import type { NostrEvent } from '../src/nostr/event.js';
import { mixedEvent } from './lib/events.js';
import { benchIdentity } from './lib/sign.js';
import { int, type Row } from './lib/stats.js';

/** Events/s verified by the pool ("auto" backend, one thread per core), and the backend's name. */
export async function verifyCeiling(events: NostrEvent[]): Promise<{ backend: string; perSecond: number }> {
  const cores = availableParallelism();
  const { name } = await loadBackend('auto');
  const verifier = await createVerifier({ backend: 'auto', threads: cores, maxQueue: events.length + 1000 });
  try {
    await Promise.all(events.slice(0, 200 * cores).map((ev) => verifier.verify(ev))); // warm every worker
    const t0 = performance.now();
    const answers = await Promise.all(events.map((ev) => verifier.verify(ev)));
    const perSecond = (events.length * 1000) / (performance.now() - t0);
    if (answers.some((a) => !a)) throw new Error('verify ceiling: an event failed verification');
    return { backend: name, perSecond };
  } finally {
    await verifier.close();
  }
}

/** The ingest mix, `n` events, signed here. */
export function ingestMix(n: number): NostrEvent[] {
  const author = benchIdentity('ceiling-author');
  const recipients = [benchIdentity('ceiling-recipient').pubkey];
  return Array.from({ length: n }, (_, i) => mixedEvent(i, author, recipients));
}

/** Runs the ceiling alone: `npm run bench -- verify [events]`. */
export async function runVerify(size: number): Promise<Row[]> {
  const { backend, perSecond } = await verifyCeiling(ingestMix(size));
  return [{ bench: 'verify', what: `ceiling, ${backend}, ${availableParallelism()} threads, ingest mix (${int(size)} events)`, result: `${int(perSecond)} events/s` }];
}
