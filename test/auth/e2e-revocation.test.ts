import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { authAs, clientAs, nip86, publish, settle } from './e2e-support.js';

const [admin, alice, bob, stranger] = [identity(), identity(), identity(), identity()];

describe('NIP-86 on a running relay: bans cut live access, allows let people in', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay({
      overrides: {
        auth: { required: true, allowlist: [alice.pk, bob.pk], admin_pubkeys: [admin.pk] },
        extensions: { enabled: [] },
      },
    });
  });
  afterAll(async () => relay?.stop());

  it('refuses management calls from members and strangers', async () => {
    expect((await nip86(relay.httpUrl, alice, 'banpubkey', [bob.pk])).status).toBe(403);
    expect((await nip86(relay.httpUrl, stranger, 'allowpubkey', [stranger.pk])).status).toBe(403);
    const anon = await fetch(`${relay.httpUrl}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/nostr+json+rpc' },
      body: JSON.stringify({ method: 'supportedmethods', params: [] }),
    });
    expect(anon.status).toBe(401);
  });

  it('allowpubkey lets a stranger authenticate at once', async () => {
    const before = await clientAs(relay.url);
    try {
      expect((await authAs(before, stranger))[0]).toBe(false);
    } finally {
      before.close();
    }
    expect((await nip86(relay.httpUrl, admin, 'allowpubkey', [stranger.pk, 'invited'])).json).toEqual({ result: true });
    const after = await clientAs(relay.url, stranger);
    try {
      expect((await publish(after, signed(stranger)))[0]).toBe(true);
    } finally {
      after.close();
    }
    const listed = (await nip86(relay.httpUrl, admin, 'listallowedpubkeys')).json.result as { pubkey: string }[];
    expect(listed.map((p) => p.pubkey)).toEqual(expect.arrayContaining([alice.pk, bob.pk, stranger.pk]));
  });

  it('a ban closes the banned pubkey\'s live subscriptions with restricted: and stops its events', async () => {
    const b = await clientAs(relay.url, bob);
    const a = await clientAs(relay.url, alice);
    try {
      await b.req('live', { limit: 0 });
      const first = signed(alice);
      expect((await publish(a, first))[0]).toBe(true);
      await b.next((m) => m[0] === 'EVENT' && m[1] === 'live');
      const mark = b.messages.length;
      expect((await nip86(relay.httpUrl, admin, 'banpubkey', [bob.pk, 'key compromised'])).json).toEqual({ result: true });
      const closed = await b.next((m) => m[0] === 'CLOSED' && m[1] === 'live', 3000, mark);
      expect(closed[2]).toMatch(/^restricted: /);
      const afterBan = signed(alice);
      expect((await publish(a, afterBan))[0]).toBe(true);
      await settle(b);
      expect(b.messages.slice(mark).filter((m) => m[0] === 'EVENT')).toEqual([]);
      // The banned connection can neither read nor write any more.
      expect((await b.req('again', {})).closed).toMatch(/^restricted: /);
      const [ok, message] = await publish(b, signed(bob));
      expect(ok).toBe(false);
      expect(message).toMatch(/^(blocked|auth-required|restricted): /);
      // Its events are refused whatever connection carries them, and it cannot authenticate again.
      const carried = await publish(a, signed(bob));
      expect(carried[0]).toBe(false);
      expect(carried[1]).toMatch(/^blocked: /);
      const again = await clientAs(relay.url);
      try {
        expect((await authAs(again, bob))[0]).toBe(false);
      } finally {
        again.close();
      }
      expect((await nip86(relay.httpUrl, admin, 'listbannedpubkeys')).json.result).toEqual([{ pubkey: bob.pk, reason: 'key compromised' }]);
    } finally {
      a.close();
      b.close();
    }
  });

  it('banevent removes a stored event and refuses it afterwards', async () => {
    const a = await clientAs(relay.url, alice);
    try {
      const ev = signed(alice, { content: 'to be banned' });
      expect((await publish(a, ev))[0]).toBe(true);
      expect((await nip86(relay.httpUrl, admin, 'banevent', [ev.id, 'abuse'])).json).toEqual({ result: true });
      expect((await a.req('q', { ids: [ev.id] })).events).toEqual([]);
      const [ok, message] = await publish(a, ev);
      expect(ok).toBe(false);
      expect(message).toMatch(/^blocked: /);
    } finally {
      a.close();
    }
  });

  it('bans survive a restart (persisted in the store)', async () => {
    relay = await relay.restart();
    const c = await clientAs(relay.url);
    try {
      expect((await authAs(c, bob))[0]).toBe(false);
    } finally {
      c.close();
    }
    const s = await clientAs(relay.url, stranger); // allowed via the API earlier
    s.close();
  });
});
