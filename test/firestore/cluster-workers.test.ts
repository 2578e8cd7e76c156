// `[server] workers = 2` on Firestore: each worker is one more instance of the relay on the shared
// database (its own feed listeners); the primary forks, restarts and sums the metrics, and holds no writer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRelay } from '../deploy/cluster-relay.js';
import { emulatorHost, freshProjectId } from '../storage/firestore-env.js';
import { RawClient } from '../harness.js';
import { identity, signed, type Identity } from '../helpers.js';
import { clientAs, publish } from '../auth/e2e-support.js';

describe.skipIf(!emulatorHost)('[server] workers = 2 on Firestore', () => {
  const members = Array.from({ length: 6 }, () => identity());
  let relay: ClusterRelay;
  const conns: { who: Identity; client: RawClient; worker: number }[] = [];

  beforeAll(async () => {
    relay = await ClusterRelay.start(
      {
        config: { backend: 'firestore', firestore: { project_id: freshProjectId('cluster') } },
        env: { FIRESTORE_EMULATOR_HOST: emulatorHost!, METADATA_SERVER_DETECTION: 'none' },
      },
      members,
      identity(),
    );
    for (const who of members) {
      const client = await clientAs(relay.proc.url, who);
      conns.push({ who, client, worker: await relay.workerOf(who) });
    }
  }, 120_000);

  afterAll(async () => {
    for (const c of conns) c.client.close();
    await relay?.proc.stop('SIGKILL');
  });

  it('delivers an event published on one worker to a live subscriber on the other, through the Firestore feed', async () => {
    const publisher = conns.find((c) => c.worker === 0)!;
    const subscriber = conns.find((c) => c.worker === 1)!;
    await subscriber.client.req('live', { kinds: [1], authors: [publisher.who.pk], limit: 0 });
    const mark = subscriber.client.messages.length;
    const ev = signed(publisher.who, { content: 'across workers on firestore' });
    expect(await publish(publisher.client, ev)).toEqual([true, '']);
    const got = await subscriber.client.next((m) => m[0] === 'EVENT' && m[1] === 'live', 15_000, mark);
    expect((got[2] as { id: string }).id).toBe(ev.id);
  });

  it("sums both workers' metrics on the primary and stops with exit code 0 on SIGTERM", async () => {
    expect(await relay.proc.metric('nostr_relay_connections_active')).toBe(conns.length);
    for (const c of conns) c.client.close();
    expect(await relay.proc.stop('SIGTERM')).toBe(0);
  });
});
