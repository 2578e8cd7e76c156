// Benchmark: hostile pre-auth traffic (issue 14, item 8) — 50 sockets that never authenticate send ~1,000
// frames per second (1 MiB junk EVENTs, 1 MiB of nested JSON, small bad-signature EVENTs) while an allowed
// member's REQ→EOSE latency is sampled every 50 ms. Prints the relay's RSS growth and the bystander's latency.
// The generator honours its own socket buffers (a frame is skipped while 1 MiB is still unsent), so the rate
// it reports is what actually left the sockets.
import WebSocket from 'ws';
import { BenchClient } from './lib/client.js';
import { startRelayProcess } from './lib/relay-process.js';
import { benchIdentity, signEvent } from './lib/sign.js';
import { int, ms, quantile, type Row } from './lib/stats.js';

const SOCKETS = 50;
const FRAMES_PER_SOCKET_PER_SECOND = 20;
const MIB = 1024 * 1024;

function frames(): string[] {
  const junk = signEvent(benchIdentity('flood-junk'), { kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: 'x'.repeat(MIB) });
  const bigBadSig = `["EVENT",${JSON.stringify({ ...junk, sig: 'ff'.repeat(64) })}]`;
  const nested = `["EVENT",${'['.repeat(MIB / 2)}${']'.repeat(MIB / 2)}]`;
  const small = signEvent(benchIdentity('flood-small'), { kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: 'hello' });
  const smallBadSig = `["EVENT",${JSON.stringify({ ...small, sig: '00'.repeat(64) })}]`;
  return [bigBadSig, nested, smallBadSig, smallBadSig];
}

/** `npm run bench -- preauth-flood [seconds]` (default 10). */
export async function runPreauthFlood(seconds: number): Promise<Row[]> {
  const member = benchIdentity('flood-member');
  const relay = await startRelayProcess({ config: { auth: { required: true, allowlist: [member.pubkey] }, rate_limits: { connections_per_ip: 0 } } });
  const bystander = await BenchClient.openAs(relay.url, member);
  const payloads = frames();
  let sent = 0;
  let sentBytes = 0;
  let skipped = 0;
  let closedByRelay = 0;
  try {
    await bystander.req('warm', { kinds: [1], limit: 1 });
    const rssBefore = relay.rssBytes();
    let rssPeak = rssBefore;
    let running = true;
    // An attacker reconnects: a socket the relay closes is replaced at once while the run lasts.
    const sockets: WebSocket[] = [];
    const connect = (slot: number): void => {
      const ws = new WebSocket(relay.url, { perMessageDeflate: false });
      sockets[slot] = ws;
      ws.on('error', () => undefined);
      ws.on('close', () => {
        if (!running) return;
        closedByRelay++;
        connect(slot);
      });
    };
    for (let slot = 0; slot < SOCKETS; slot++) connect(slot);
    const latencies: number[] = [];
    const until = performance.now() + seconds * 1000;
    let i = 0;
    const sender = setInterval(() => {
      for (const ws of sockets) {
        if (ws.readyState !== WebSocket.OPEN) continue;
        if (ws.bufferedAmount > MIB) {
          skipped++;
          continue;
        }
        const frame = payloads[i++ % payloads.length]!;
        ws.send(frame);
        sent++;
        sentBytes += frame.length;
      }
    }, 1000 / FRAMES_PER_SOCKET_PER_SECOND);
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, relay.rssBytes())), 250);
    let n = 0;
    while (performance.now() < until) {
      const t0 = performance.now();
      const sub = `probe-${n++}`;
      await bystander.req(sub, { kinds: [1], limit: 1 });
      latencies.push(performance.now() - t0);
      bystander.closeSub(sub);
      await new Promise((r) => setTimeout(r, 50));
    }
    running = false;
    clearInterval(sender);
    clearInterval(sampler);
    const closedDuringRun = closedByRelay;
    for (const ws of sockets) ws.terminate();
    await new Promise((r) => setTimeout(r, 2000));
    const rssAfter = relay.rssBytes();
    return [
      { bench: 'preauth-flood', what: `frames sent by ${SOCKETS} unauthenticated sockets (per second; skipped while 1 MiB unsent)`, result: `${int(sent / seconds)}/s, ${int(sentBytes / seconds / MIB)} MiB/s (${int(skipped)} skipped)` },
      { bench: 'preauth-flood', what: 'unauthenticated sockets closed by the relay during the run (each reconnected at once)', result: int(closedDuringRun) },
      { bench: 'preauth-flood', what: 'relay RSS before / peak / 2 s after (MiB)', result: `${int(rssBefore / MIB)} / ${int(rssPeak / MIB)} / ${int(rssAfter / MIB)}` },
      { bench: 'preauth-flood', what: `member REQ→EOSE during the flood, p50 / p99 / max (${latencies.length} probes)`, result: `${ms(quantile(latencies, 0.5))} / ${ms(quantile(latencies, 0.99))} / ${ms(Math.max(...latencies))} ms` },
    ];
  } finally {
    bystander.close();
    await relay.stop();
  }
}
