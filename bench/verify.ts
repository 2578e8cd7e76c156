// Verification benchmark (issue 7): events/s per backend, inline on one thread and through the worker
// pool on every core, over a mix of event sizes. Prints figures; asserts nothing.
// Usage: npx tsx bench/verify.ts [events per measurement, default 3000]
import { createHash } from 'node:crypto';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';
import { computeEventId, serializeForId, type NostrEvent } from '../src/nostr/event.js';
import { BACKENDS, type VerifyFn } from '../src/verify/backends.js';
import { loadBackend } from '../src/verify/select.js';
import { createVerifier } from '../src/verify/pool.js';

const count = Number(process.argv[2] ?? 3000);
if (!Number.isSafeInteger(count) || count < 1) throw new Error(`usage: bench/verify.ts [events], got ${process.argv[2]}`);
const cores = availableParallelism();

type Size = { label: string; kind: number; tags: () => string[][]; content: () => string };
const hex32 = (): string => Buffer.from(generateSecretKey()).toString('hex');
const SIZES: Size[] = [
  { label: 'kind 1, small', kind: 1, tags: () => [], content: () => `hello ${Math.random()}` },
  { label: 'kind 445, 2 KB', kind: 445, tags: () => [['h', hex32()]], content: () => Buffer.alloc(1536).fill(Math.random() * 256).toString('base64') },
  { label: 'kind 1059, 40 KB', kind: 1059, tags: () => [['p', hex32()]], content: () => Buffer.alloc(30 * 1024).fill(Math.random() * 256).toString('base64') },
];

/** Distinct signed events of one size (at most 600; measurements cycle through them). */
function makeEvents(size: Size, n: number): NostrEvent[] {
  return Array.from({ length: Math.min(n, 600) }, () =>
    finalizeEvent({ kind: size.kind, tags: size.tags(), content: size.content(), created_at: Math.floor(Date.now() / 1000) }, generateSecretKey()),
  );
}

/** `n` events cycling through the three sizes in turn. */
function mixed(bySize: NostrEvent[][], n: number): NostrEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const pool = bySize[i % bySize.length]!;
    return pool[Math.floor(i / bySize.length) % pool.length]!;
  });
}

/** Events/s by the wall clock, and per CPU-second of the whole process (all threads): the second is steadier on a shared machine. */
type Rate = { wall: number; cpu: number };

async function measure(n: number, run: () => unknown): Promise<Rate> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall: Math.round((n * 1000) / wallMs), cpu: Math.round((n * 1e6) / (cpu.user + cpu.system)) };
}

const show = (r: Rate): string => `${r.wall} (${r.cpu}/cpu-s)`;

function timeInline(fn: (ev: NostrEvent) => unknown, events: NostrEvent[]): Promise<Rate> {
  for (const ev of events.slice(0, 50)) fn(ev); // warm-up: JIT, lazy precomputed tables
  return measure(events.length, () => {
    for (const ev of events) fn(ev);
  });
}

async function timePool(backend: string, events: NostrEvent[]): Promise<{ rate: Rate; valid: number }> {
  const verifier = await createVerifier({ backend, threads: cores, maxQueue: events.length });
  try {
    // Each worker starts cold: warm every one up before timing.
    await Promise.all(mixed([events], 100 * cores).map((ev) => verifier.verify(ev)));
    let valid = 0;
    const rate = await measure(events.length, async () => {
      const answers = await Promise.all(events.map((ev) => verifier.verify(ev)));
      valid = answers.filter(Boolean).length;
    });
    return { rate, valid };
  } finally {
    await verifier.close();
  }
}

/** The event id with node:crypto's native sha256 over the same canonical serialization (for comparison). */
const nativeId = (ev: NostrEvent): string => createHash('sha256').update(serializeForId(ev)).digest('hex');

console.log(`# verify benchmark: ${count} events per run, mix of ${SIZES.map((s) => s.label).join(' / ')}`);
console.log(`# ${cpus()[0]?.model ?? 'unknown cpu'}, ${cores} cores, node ${process.version}\n`);
const bySize = SIZES.map((s) => makeEvents(s, count));
const events = mixed(bySize, count);

console.log(`| backend | inline, 1 thread: events/s (per CPU-s) | pool, ${cores} threads: events/s (per CPU-s) |`);
console.log('|---|---:|---:|');
for (const backend of BACKENDS) {
  let verify: VerifyFn;
  try {
    verify = await backend.load();
  } catch (err) {
    console.log(`| ${backend.name} | not loadable here: ${(err as Error).message} | |`);
    continue;
  }
  const inline = await timeInline(verify, events);
  const pooled = await timePool(backend.name, events);
  const note = pooled.valid === events.length ? '' : ` (only ${pooled.valid} valid!)`;
  console.log(`| ${backend.name} | ${show(inline)} | ${show(pooled.rate)}${note} |`);
}

const auto = await loadBackend('auto');
console.log(`\n## by size, inline, backend "auto" = ${auto.name}\n`);
console.log('| event | id + signature | id only, computeEventId (noble sha256) | id only, node:crypto sha256 |');
console.log('|---|---:|---:|---:|');
for (const [i, sizeEvents] of bySize.entries()) {
  const sample = mixed([sizeEvents], Math.min(count, 2000));
  const full = await timeInline(auto.verify, sample);
  const noble = await timeInline(computeEventId, sample);
  const native = await timeInline(nativeId, sample);
  console.log(`| ${SIZES[i]!.label} | ${show(full)} | ${show(noble)} | ${show(native)} |`);
}
const ceiling = await timePool('auto', events);
console.log(`\nverify ceiling: backend ${auto.name}, ${cores} worker threads, mixed sizes: ${show(ceiling.rate)} events/s`);
