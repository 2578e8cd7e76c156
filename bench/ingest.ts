// Benchmark 2: ingest — N authenticated connections publish pre-signed events (the mixed kinds of
// lib/events.ts) to a relay process; events/s acknowledged (OK true) and OK latency p50/p99.
import { availableParallelism } from 'node:os';
import type { NostrEvent } from '../src/nostr/event.js';
import { ingestMix, verifyCeiling } from './ceiling.js';
import { BenchClient } from './lib/client.js';
import { mixedEvent } from './lib/events.js';
import { startRelayProcess, type RelayProcess, type RelayProcessOptions } from './lib/relay-process.js';
import { benchIdentity, type BenchIdentity } from './lib/sign.js';
import { int, ms, quantile, type Row } from './lib/stats.js';

/** In-flight events per connection (16 connections × 16 = 256 in flight): keeps the relay busy within its verify queue. */
const WINDOW = 16;

/** Figures of one ingest run. */
export type IngestResult = {
  accepted: number;
  refused: number;
  perSecond: number;
  p50: number;
  p99: number;
  relayCpuS: number;
  mainThreadCpuS: number;
  batches: number;
  /** The main thread's garbage collection during the load (gcFigures). */
  gc: { scavenges: number; scavengeS: number; fullS: number };
};

/** What publishing a list of events over open connections gave. */
export type IngestLoad = { accepted: number; refused: number; seconds: number; latencies: number[]; firstRefusal: string };

/** Publishes `events` over `clients`, `window` events in flight per connection; OK latency per event. */
export async function ingestLoad(clients: BenchClient[], events: NostrEvent[], window = WINDOW): Promise<IngestLoad> {
  const frames = events.map((ev) => ({ id: ev.id, frame: `["EVENT",${JSON.stringify(ev)}]` }));
  const latencies: number[] = [];
  let accepted = 0;
  let refused = 0;
  let firstRefusal = '';
  let next = 0;
  const t0 = performance.now();
  const lane = async (client: BenchClient): Promise<void> => {
    while (next < frames.length) {
      const { id, frame } = frames[next++]!;
      const sent = performance.now();
      const reply = await client.send(frame, id);
      latencies.push(performance.now() - sent);
      if (reply.ok) accepted++;
      else {
        refused++;
        firstRefusal ||= reply.message;
      }
    }
  };
  await Promise.all(clients.flatMap((client) => Array.from({ length: window }, () => lane(client))));
  return { accepted, refused, seconds: (performance.now() - t0) / 1000, latencies, firstRefusal };
}

/**
 * The main thread's garbage collection so far, from the relay's default Node metrics (`nodejs_gc_duration_seconds`):
 * scavenges (minor) and their seconds, and the seconds of major and incremental marking. Scavenges grow with what the
 * event loop allocates per event, and their helper threads' CPU with them (README "Performance").
 */
async function gcFigures(relay: RelayProcess): Promise<{ scavenges: number; scavengeS: number; fullS: number }> {
  const metric = (name: string, kind: string) => relay.metric(`nodejs_gc_duration_seconds_${name}`, `kind="${kind}"`);
  return {
    scavenges: await metric('count', 'minor'),
    scavengeS: await metric('sum', 'minor'),
    fullS: (await metric('sum', 'major')) + (await metric('sum', 'incremental')),
  };
}

/** Publishes `events` over `conns` authenticated connections to a fresh relay started with `relayOpts`. */
export async function ingestRun(conns: number, events: NostrEvent[], relayOpts: RelayProcessOptions = {}, ids?: BenchIdentity[]): Promise<IngestResult> {
  const who = ids ?? Array.from({ length: conns }, (_, i) => benchIdentity(`ingest-${i}`));
  const relay = await startRelayProcess({ ...relayOpts, config: { ...relayOpts.config, auth: { required: true, allowlist: who.map((w) => w.pubkey) } } });
  try {
    const clients = await Promise.all(who.map((w) => BenchClient.openAs(relay.url, w)));
    const cpu0 = relay.cpuSeconds();
    const main0 = relay.mainThreadCpuSeconds();
    const batches0 = await relay.metric('nostr_relay_store_operation_duration_seconds_count', 'save_batch');
    const gc0 = await gcFigures(relay);
    const load = await ingestLoad(clients, events);
    const relayCpuS = relay.cpuSeconds() - cpu0;
    const mainThreadCpuS = relay.mainThreadCpuSeconds() - main0;
    const batches = (await relay.metric('nostr_relay_store_operation_duration_seconds_count', 'save_batch')) - batches0;
    const gc1 = await gcFigures(relay);
    const gc = { scavenges: gc1.scavenges - gc0.scavenges, scavengeS: gc1.scavengeS - gc0.scavengeS, fullS: gc1.fullS - gc0.fullS };
    for (const c of clients) c.close();
    if (load.refused > 0) process.stderr.write(`ingest: ${load.refused} refused, first: ${load.firstRefusal}\n`);
    const { accepted, refused, latencies } = load;
    return { accepted, refused, perSecond: accepted / load.seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), relayCpuS, mainThreadCpuS, batches, gc };
  } finally {
    await relay.stop();
  }
}

/** Pre-signs the ingest mix for `n` events (authors of kind 1 are the connections' identities). */
export function ingestEvents(n: number, who: BenchIdentity[]): NostrEvent[] {
  const recipients = who.map((w) => w.pubkey);
  return Array.from({ length: n }, (_, i) => mixedEvent(i, who[i % who.length]!, recipients));
}

/** `npm run bench -- ingest [events]`: the verify ceiling and the ingest run, in the same process run. */
export async function runIngest(size: number, conns = 16): Promise<Row[]> {
  const who = Array.from({ length: conns }, (_, i) => benchIdentity(`ingest-${i}`));
  const ceiling = await verifyCeiling(ingestMix(Math.min(size, 20_000)));
  const events = ingestEvents(size, who);
  const r = await ingestRun(conns, events, {}, who);
  const share = (100 * r.perSecond) / ceiling.perSecond;
  const cpuUs = (r.relayCpuS * 1e6) / Math.max(1, r.accepted);
  const mainUs = (r.mainThreadCpuS * 1e6) / Math.max(1, r.accepted);
  return [
    { bench: 'ingest', what: `verify ceiling in this run (${ceiling.backend})`, result: `${int(ceiling.perSecond)} events/s` },
    {
      bench: 'ingest',
      what: `${conns} auth'd connections, ${int(events.length)} events (60% 445 1–2 KB, 20% 1059 4–40 KB, 20% kind 1)`,
      result: `${int(r.perSecond)} events/s = ${share.toFixed(0)}% of ceiling`,
      target: '≥ 60% of ceiling and ≥ 5,000/s',
    },
    { bench: 'ingest', what: 'OK latency p50 / p99', result: `${ms(r.p50)} / ${ms(r.p99)} ms` },
    {
      bench: 'ingest',
      what: `relay CPU per event (all its threads); events/s that CPU cost allows on ${availableParallelism()} idle cores; events per write batch`,
      result: `${cpuUs.toFixed(0)} µs; ${int((availableParallelism() * 1e6) / cpuUs)}/s; ${(r.accepted / Math.max(1, r.batches)).toFixed(1)}`,
    },
    {
      bench: 'ingest',
      what: "relay main thread (event loop) CPU per event; events/s it allows; its share of the run's wall time",
      result: `${mainUs.toFixed(0)} µs; ${int(1e6 / mainUs)}/s; ${((100 * r.perSecond * mainUs) / 1e6).toFixed(0)}%`,
    },
    {
      bench: 'ingest',
      what: 'main thread garbage collection: scavenges per 1,000 events; their µs per event; major/incremental µs per event',
      result: `${((1000 * r.gc.scavenges) / Math.max(1, r.accepted)).toFixed(2)}; ${((r.gc.scavengeS * 1e6) / Math.max(1, r.accepted)).toFixed(0)} µs; ${((r.gc.fullS * 1e6) / Math.max(1, r.accepted)).toFixed(0)} µs`,
    },
    ...(r.refused ? [{ bench: 'ingest', what: 'refused', result: int(r.refused) }] : []),
  ];
}
