import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient, waitFor } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { startRelayProcess, type RelayProcess, type RelayProcessOptions } from '../../bench/lib/relay-process.js';

const dir = mkdtempSync(join(tmpdir(), 'mls-relay-crash-'));
let relay: RelayProcess | undefined;
// The database outlives the process: the restart must find every acknowledged event in it.
const opts: RelayProcessOptions = { dbPath: join(dir, 'relay.db'), config: { auth: { required: false }, logging: { level: 'info' } } };
afterAll(async () => {
  await relay?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('crash safety (SQLite)', () => {
  it('keeps every event that got OK true when the relay is killed with SIGKILL mid-burst', async () => {
    relay = await startRelayProcess(opts);

    const author = identity();
    const publishers = await Promise.all([1, 2, 3, 4].map(() => RawClient.open(relay!.url)));
    const acked = new Set<string>();
    for (const p of publishers) {
      p.ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as unknown[];
        if (m[0] === 'OK' && m[2] === true) acked.add(m[1] as string);
      });
      p.ws.on('error', () => undefined);
    }
    // Each publisher streams events without waiting; the kill lands while many are in flight.
    let sending = true;
    let sent = 0;
    const pumps = publishers.map(async (p, k) => {
      for (let i = 0; sending && p.ws.readyState === p.ws.OPEN; i++) {
        p.send(['EVENT', signed(author, { content: `p${k}-${i}` })]);
        sent++;
        if (i % 20 === 19) await new Promise((r) => setImmediate(r));
      }
    });
    await waitFor(() => acked.size >= 500, 60_000);
    await relay.stop('SIGKILL');
    sending = false;
    await Promise.all(pumps);
    const ackedAtKill = new Set(acked);
    console.log(`[crash] sent ${sent}, OK true ${ackedAtKill.size} before SIGKILL`);
    expect(sent).toBeGreaterThan(ackedAtKill.size);

    relay = await startRelayProcess(opts);
    const reader = await RawClient.open(relay.url);
    const stored = new Set<string>();
    // Page through everything the author has (limit per REQ is bounded by max_limit).
    let until: number | undefined;
    for (;;) {
      const r = await reader.req(`all-${stored.size}`, { authors: [author.pk], limit: 5000, ...(until ? { until } : {}) });
      const before = stored.size;
      for (const e of r.events) stored.add(e.id as string);
      if (r.events.length < 5000 || stored.size === before) break;
      until = Math.min(...r.events.map((e) => e.created_at as number));
    }
    const missing = [...ackedAtKill].filter((id) => !stored.has(id));
    console.log(`[crash] after restart: ${stored.size} stored, ${missing.length} acknowledged events missing`);
    expect(missing).toEqual([]);
    reader.close();
  }, 180_000);
});
