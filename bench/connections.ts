// Benchmark 5: connections — N idle authenticated connections held open; the relay's RSS before and after,
// and RSS per connection. Each relay-side socket counts against the relay's `ulimit -n`, each client socket against ours.
import { readFileSync } from 'node:fs';
import { BenchClient } from './lib/client.js';
import { startRelayProcess } from './lib/relay-process.js';
import { benchIdentity } from './lib/sign.js';
import { int, type Row } from './lib/stats.js';

const IDENTITIES = 50;
const CONNECT_CONCURRENCY = 100;

/** The soft limit on open files of this process (the relay child inherits it), from /proc. */
function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? Number.POSITIVE_INFINITY);
}

/** `npm run bench -- connections [count]` (default 10,000). Needs `ulimit -n` above count + ~100 (raise it in the shell first). */
export async function runConnections(n: number): Promise<Row[]> {
  const limit = openFileLimit();
  // A process cannot raise its own hard limit: say so instead of failing half-way through.
  if (limit < n + 200) throw new Error(`connections: ulimit -n is ${limit}; run \`ulimit -n ${n + 1000}\` (as root if above the hard limit) first`);
  const who = Array.from({ length: IDENTITIES }, (_, i) => benchIdentity(`conn-${i}`));
  const relay = await startRelayProcess({ config: { auth: { required: true, allowlist: who.map((w) => w.pubkey) } } });
  const clients: BenchClient[] = [];
  try {
    // Warm the relay (JIT, verify workers) with a few connections, so the baseline is a running relay.
    const warm = await Promise.all(who.slice(0, 10).map((w) => BenchClient.openAs(relay.url, w)));
    for (const c of warm) c.close();
    await new Promise((r) => setTimeout(r, 1000));
    const before = relay.rssBytes();
    let failed = 0;
    let firstError = '';
    for (let i = 0; i < n; i += CONNECT_CONCURRENCY) {
      const slice = await Promise.allSettled(
        Array.from({ length: Math.min(CONNECT_CONCURRENCY, n - i) }, (_, j) => BenchClient.openAs(relay.url, who[(i + j) % who.length]!)),
      );
      for (const s of slice) {
        if (s.status === 'fulfilled') clients.push(s.value);
        else {
          failed++;
          firstError ||= String(s.reason);
        }
      }
    }
    // Idle for a while: the relay settles (GC) with every connection open.
    await new Promise((r) => setTimeout(r, 5000));
    const after = relay.rssBytes();
    const active = await relay.metric('nostr_relay_connections_active');
    if (failed) process.stderr.write(`connections: ${failed} failed, first: ${firstError}\n`);
    const perConn = (after - before) / Math.max(1, clients.length);
    return [
      {
        bench: 'connections',
        what: `${int(clients.length)} idle authenticated connections held (relay counts ${int(active)}${failed ? `, ${failed} failed` : ''})`,
        result: `RSS ${(after / 2 ** 20).toFixed(0)} MB (before ${(before / 2 ** 20).toFixed(0)} MB)`,
        target: '10,000 in < 500 MB',
      },
      { bench: 'connections', what: 'RSS per connection', result: `${(perConn / 1024).toFixed(1)} KB` },
    ];
  } finally {
    for (const c of clients) c.close();
    await relay.stop();
  }
}
