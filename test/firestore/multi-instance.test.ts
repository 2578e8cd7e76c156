import { getToken } from 'nostr-tools/nip98';
import { finalizeEvent } from 'nostr-tools/pure';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayHttpUrl } from '../../src/auth/nip98.js';
import { startRelayProcess, type RelayProcess } from '../../bench/lib/relay-process.js';
import { emulatorHost, freshProjectId } from '../storage/firestore-env.js';
import { TEST_RELAY_URL } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { clientAs, nip86, nip86With, publish } from '../auth/e2e-support.js';

// Two relay processes on one Firestore (emulator) database: what Cloud Run does under load.
describe.skipIf(!emulatorHost)('two relay instances sharing one Firestore database', () => {
  const admin = identity();
  const alice = identity();
  const bob = identity();
  let a: RelayProcess;
  let b: RelayProcess;

  beforeAll(async () => {
    const project = freshProjectId('multi');
    const config = {
      server: { url: TEST_RELAY_URL },
      storage: { backend: 'firestore', firestore: { project_id: project } },
      auth: { required: true, allowlist: [alice.pk, bob.pk], admin_pubkeys: [admin.pk] },
    };
    const env = { FIRESTORE_EMULATOR_HOST: emulatorHost!, METADATA_SERVER_DETECTION: 'none' };
    [a, b] = await Promise.all([startRelayProcess({ config, env }), startRelayProcess({ config, env })]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('delivers an event published on A to a live subscriber on B, and stores it once for both', async () => {
    const onB = await clientAs(b.url, bob);
    const onA = await clientAs(a.url, alice);
    const sub = await onB.req('live', { authors: [alice.pk] });
    expect(sub.closed).toBeUndefined();
    const ev = signed(alice, { content: 'across instances' });
    expect(await publish(onA, ev)).toEqual([true, '']);
    const got = await onB.next((m) => m[0] === 'EVENT' && m[1] === 'live', 15_000);
    expect((got[2] as { id: string }).id).toBe(ev.id);
    const stored = await onB.req('stored', { ids: [ev.id] });
    expect(stored.events.map((e) => e.id)).toEqual([ev.id]);
    onA.close();
    onB.close();
  });

  it('refuses on B a state-changing NIP-98 token already used on A (single use across instances); a read token is reusable by the same client', async () => {
    const body = { method: 'allowpubkey', params: [identity().pk] };
    const token = await getToken(relayHttpUrl(TEST_RELAY_URL), 'POST', (e) => finalizeEvent(e, admin.sk), true, body);
    const first = await nip86With(a.httpUrl, token, body);
    expect(first.status).toBe(200);
    const replayed = await nip86With(b.httpUrl, token, body);
    expect(replayed.status).toBe(401);
    expect(replayed.json.error).toMatch(/^auth-required: auth event was already used: tokens of state-changing calls are single use/);
    // Both processes see this test as the same client IP (127.0.0.1): a read token works on both.
    const read = { method: 'listallowedpubkeys', params: [] };
    const readToken = await getToken(relayHttpUrl(TEST_RELAY_URL), 'POST', (e) => finalizeEvent(e, admin.sk), true, read);
    expect((await nip86With(a.httpUrl, readToken, read)).status).toBe(200);
    expect((await nip86With(b.httpUrl, readToken, read)).status).toBe(200);
    // A fresh token from the same admin still works on B (another body: the same one signed in the same second is the same token).
    expect((await nip86(b.httpUrl, admin, 'supportedmethods')).status).toBe(200);
  });

  it('applies a ban made through NIP-86 on A to B within seconds, cutting its live subscription', async () => {
    const bobOnB = await clientAs(b.url, bob);
    const sub = await bobOnB.req('watch', { kinds: [1] });
    expect(sub.closed).toBeUndefined();
    const res = await nip86(a.httpUrl, admin, 'banpubkey', [bob.pk, 'key compromise']);
    expect(res.status).toBe(200);
    expect(res.json.result).toBe(true);
    // B learns of the ban by its periodic refresh: the subscription is closed with restricted.
    const closed = await bobOnB.next((m) => m[0] === 'CLOSED' && m[1] === 'watch', 15_000);
    expect(closed[2]).toMatch(/^restricted: /);
    const refused = await publish(bobOnB, signed(bob));
    expect(refused[0]).toBe(false);
    expect(refused[1]).toMatch(/^(blocked|restricted|auth-required): /);
    // A fresh connection to B as bob is refused at AUTH.
    const again = await clientAs(b.url, bob).then(
      () => 'accepted',
      (err: Error) => err.message,
    );
    expect(again).not.toBe('accepted');
    bobOnB.close();
  });
});
