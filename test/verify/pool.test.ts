import { afterEach, describe, expect, it } from 'vitest';
import type { NostrEvent } from '../../src/nostr/event.js';
import { createVerifier, type VerifierPool } from '../../src/verify/pool.js';
import { VerifyError } from '../../src/verify/verifier.js';
import { identity } from '../helpers.js';
import { forgeries, validEvents } from './fixtures.js';

let pool: VerifierPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

/** Valid and forged events interleaved, with the answer each must get. */
function mixedWorkload(rounds: number): { events: NostrEvent[]; expected: boolean[] } {
  const events: NostrEvent[] = [];
  const expected: boolean[] = [];
  const who = identity();
  for (let r = 0; r < rounds; r++) {
    for (const ev of validEvents(who)) {
      const forged = Object.values(forgeries(ev));
      events.push(ev, forged[r % forged.length]!);
      expected.push(true, false);
    }
  }
  return { events, expected };
}

describe('verifier pool', () => {
  it('answers each call with its own result, in submission order, under concurrency', async () => {
    pool = await createVerifier({ threads: 2, backend: 'noble-curves' });
    expect(pool.threads).toBe(2);
    expect(pool.backend).toBe('noble-curves');
    const { events, expected } = mixedWorkload(8);
    const settledOrder: number[] = [];
    const answers = await Promise.all(
      events.map((ev, i) =>
        pool!.verify(ev).then((ok) => {
          settledOrder.push(i);
          return ok;
        }),
      ),
    );
    expect(answers).toEqual(expected);
    expect(settledOrder).toEqual(events.map((_, i) => i));
    expect(pool.pending).toBe(0);
  });

  it('checks the event inside a client frame handed over as text, with the same answers as the object', async () => {
    pool = await createVerifier({ threads: 2 });
    const { events, expected } = mixedWorkload(4);
    // Whitespace as a client might send it: the worker parses the frame itself.
    const answers = await Promise.all(events.map((ev) => pool!.verify(ev, `[ "EVENT" ,\n ${JSON.stringify(ev, null, 1)} ]`)));
    expect(answers).toEqual(expected);
    // A frame that is not JSON, or holds no event, is a failed check, not a crashed worker.
    expect(await pool.verify(events[0]!, '["EVENT", {"id": ')).toBe(false);
    expect(await pool.verify(events[0]!, '["EVENT"]')).toBe(false);
    expect(pool.respawns).toBe(0);
  });

  it('uses the fastest loadable backend by default', async () => {
    pool = await createVerifier({ threads: 1 });
    expect(['bcrypto', 'tiny-secp256k1']).toContain(pool.backend);
    const [ev] = validEvents();
    expect(await pool.verify(ev!)).toBe(true);
  });

  it('rejects with rate-limited when the queue is full, and recovers', async () => {
    pool = await createVerifier({ threads: 1, backend: 'noble-secp256k1', maxQueue: 4 });
    const { events } = mixedWorkload(1);
    const accepted = events.slice(0, 4).map((ev) => pool!.verify(ev));
    const overflow = await pool.verify(events[4]!).catch((e: unknown) => e);
    expect(overflow).toBeInstanceOf(VerifyError);
    expect((overflow as VerifyError).code).toBe('RELAY_ERR_VERIFY_QUEUE_FULL');
    expect((overflow as VerifyError).prefix).toBe('rate-limited');
    expect(await Promise.all(accepted)).toEqual([true, false, true, false]);
    expect(await pool.verify(events[4]!)).toBe(true);
  });

  it('survives a killed worker: in-flight calls fail cleanly, later calls succeed', async () => {
    pool = await createVerifier({ threads: 1, backend: 'noble-secp256k1' });
    const { events, expected } = mixedWorkload(4);
    const inflight = events.map((ev) => pool!.verify(ev).catch((e: unknown) => e));
    await pool.killWorker(0);
    const outcomes = await Promise.all(inflight);
    const crashed = outcomes.filter((o) => o instanceof VerifyError);
    // The pure-JS backend checks a few hundred per second, so the kill lands while batches are in flight.
    expect(crashed.length).toBeGreaterThan(0);
    for (const err of crashed) {
      expect((err as VerifyError).code).toBe('RELAY_ERR_VERIFY_WORKER_CRASHED');
      expect((err as VerifyError).prefix).toBe('error');
    }
    // Whatever was answered before the crash was answered correctly.
    outcomes.forEach((o, i) => {
      if (typeof o === 'boolean') expect(o).toBe(expected[i]);
    });
    expect(pool.respawns).toBe(1);
    const again = await Promise.all(events.map((ev) => pool!.verify(ev)));
    expect(again).toEqual(expected);
  });

  it('rejects pending and later calls once closed', async () => {
    pool = await createVerifier({ threads: 1, backend: 'noble-secp256k1' });
    const { events } = mixedWorkload(2);
    const inflight = events.map((ev) => pool!.verify(ev).catch((e: unknown) => e));
    await pool.close();
    const outcomes = await Promise.all(inflight);
    expect(outcomes.some((o) => o instanceof VerifyError && o.code === 'RELAY_ERR_VERIFY_CLOSED')).toBe(true);
    const late = await pool.verify(events[0]!).catch((e: unknown) => e);
    expect((late as VerifyError).code).toBe('RELAY_ERR_VERIFY_CLOSED');
  });

  it('fails an uncloneable event with an error instead of crashing, and keeps serving', async () => {
    pool = await createVerifier({ threads: 1, backend: 'noble-curves' });
    const [ev] = validEvents();
    const withExtra = { ...ev!, seenBy: () => 'ignored' } as NostrEvent;
    expect(await pool.verify(withExtra)).toBe(true);
    const poisoned = { ...ev!, tags: [[(() => 'x') as unknown as string]] };
    const err = await pool.verify(poisoned).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifyError);
    expect((err as VerifyError).prefix).toBe('error');
    expect(await pool.verify(ev!)).toBe(true);
  });

  it('refuses an unknown backend at creation', async () => {
    await expect(createVerifier({ backend: 'nope' })).rejects.toThrow(/unknown verify backend/);
  });
});
