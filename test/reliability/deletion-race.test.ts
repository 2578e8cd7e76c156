/**
 * Issue 14 item 1, through the real server: a member's kind 5 naming an id that another member is
 * publishing at the same moment must never remove that event after its author got OK true.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type RawClient, type TestRelay } from '../harness.js';
import { identity, now, signed } from '../helpers.js';
import { clientAs } from '../auth/e2e-support.js';

const [bob, mallory] = [identity(), identity()];

describe('issue 14 item 1: a deletion racing a commit', () => {
  let relay: TestRelay;
  let b: RawClient;
  let m: RawClient;

  beforeAll(async () => {
    relay = await startTestRelay({
      overrides: { auth: { required: true, allowlist: [bob.pk, mallory.pk] }, rate_limits: { events_per_minute: 0, events_per_minute_per_ip: 0 } },
    });
    b = await clientAs(relay.url, bob);
    m = await clientAs(relay.url, mallory);
  });
  afterAll(async () => {
    b.close();
    m.close();
    await relay.stop();
  });

  it("never removes another author's acknowledged event (20 races)", async () => {
    let acknowledged = 0;
    const lost: string[] = [];
    for (let i = 0; i < 20; i++) {
      const target = signed(bob, { kind: 1, content: `race ${i}`, created_at: now() });
      const del = signed(mallory, { kind: 5, tags: [['e', target.id]], created_at: now() });
      // Both frames leave at once, from two connections: the deletion is planned while the target is not stored.
      const [okTarget, okDel] = await Promise.all([b.publish(target), m.publish(del)]);
      expect(okDel[2]).toBe(true);
      if (okTarget[2] !== true) continue;
      acknowledged++;
      const stored = await b.req(`check-${i}`, { ids: [target.id] });
      if (stored.events.length !== 1) lost.push(target.id);
    }
    expect(acknowledged).toBe(20);
    expect(lost).toEqual([]);
  });
});
