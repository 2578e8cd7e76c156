/**
 * Privacy regression suite: gated kinds (1059, 446, 447 recipient-only; 445 and 450 in roster mode)
 * on every read path (REQ, COUNT, live, REST). A client that should see nothing sees nothing, also
 * after reconnects, after re-AUTH as another pubkey, and with filters that try to widen access.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestRelay, type TestRelay } from '../harness.js';
import { identity, signed, type Identity } from '../helpers.js';
import { authAs, clientAs, count, publish, settle } from '../auth/e2e-support.js';
import { authHeader, type HttpCase } from '../hostile/corpus/http.js';

const [alice, bob, mallory, carol] = [identity(), identity(), identity(), identity()];
const GROUP = 'd'.repeat(64);
const GATED_KINDS = [1059, 446, 447, 445, 450];

function addressedTo(to: string) {
  return [
    signed(identity(), { kind: 1059, tags: [['p', to]], content: 'wrapped' }),
    signed(alice, { kind: 446, tags: [['p', to], ['v', 'noise.1']], content: 'noise' }),
    signed(alice, { kind: 447, tags: [['p', to]], content: '' }),
  ];
}
const groupMessage = () => signed(identity(), { kind: 445, tags: [['h', GROUP]], content: Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64') });
const rosterOp = (seq: number, op: string, targets: string[]) =>
  signed(alice, { kind: 450, content: '', tags: [['h', GROUP], ['seq', String(seq)], ['op', op], ...targets.map((p) => ['p', p])] });

let relay: TestRelay;
let aliceConn: RawClient;
const secret = new Set<string>();

/** Every filter a curious client might try, alone and combined. */
function probes(ids: string[]): unknown[][] {
  const f = [
    {},
    { kinds: GATED_KINDS },
    { ids },
    { ids: ids.slice(0, 1) },
    { '#p': [bob.pk] },
    { '#p': [bob.pk], kinds: [1059] },
    { authors: [alice.pk] },
    { '#h': [GROUP] },
    { kinds: [445], '#h': [GROUP] },
    { since: 0, limit: 5000 },
  ];
  return [...f.map((x) => [x]), f, [{ ids }, { '#p': [bob.pk] }, { '#h': [GROUP] }, {}]];
}

/** REQ and COUNT with every probe: no gated event comes back and every count is 0. */
async function expectBlind(c: RawClient, label: string): Promise<void> {
  const ids = [...secret];
  let i = 0;
  for (const filters of probes(ids)) {
    const r = await c.req(`${label}-${i}`, ...filters);
    const leaked = r.events.filter((e) => secret.has(e.id as string) || GATED_KINDS.includes(e.kind as number));
    expect(leaked, `REQ ${JSON.stringify(filters).slice(0, 80)}`).toEqual([]);
    const n = await count(c, `${label}-c${i}`, ...filters);
    // A count of gated events is itself a leak: it must be 0 (or a refusal).
    if (typeof n === 'number') {
      const visible = r.events.filter((e) => !GATED_KINDS.includes(e.kind as number)).length;
      expect(n, `COUNT ${JSON.stringify(filters).slice(0, 80)}`).toBeLessThanOrEqual(visible);
    }
    c.send(['CLOSE', `${label}-${i}`]);
    i++;
  }
}

async function rest(who: Identity, method: 'GET' | 'POST', path: string, body?: object) {
  const text = body ? JSON.stringify(body) : undefined;
  const c: HttpCase = { name: path, method, path: `/api/v1/mls${path}`, auth: 'valid', status: 200, ...(text ? { body: text } : {}) };
  const headers: Record<string, string> = { authorization: authHeader(who, c) as string };
  if (text) headers['content-type'] = 'application/json';
  const res = await fetch(`${relay.httpUrl}${c.path}`, { method, headers, ...(text ? { body: text } : {}) });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  relay = await startTestRelay({
    overrides: {
      auth: { required: true, allowlist: [alice.pk, bob.pk, mallory.pk, carol.pk] },
      extensions: { enabled: ['mls-gateway'] },
      mls_gateway: { membership: 'roster' },
      rate_limits: { events_per_minute: 0, group_messages_per_minute: 0, reqs_per_minute: 0, http_per_minute: 0 },
    },
  });
  aliceConn = await clientAs(relay.url, alice);
  const stored = [...addressedTo(bob.pk), rosterOp(1, 'bootstrap', [bob.pk]), groupMessage(), groupMessage()];
  for (const ev of stored) {
    expect(await publish(aliceConn, ev)).toEqual([true, '']);
    secret.add(ev.id);
  }
});
afterAll(async () => {
  aliceConn?.close();
  await relay?.stop();
});

describe('privacy: a client that should see nothing sees nothing', () => {
  it('the recipient and the group member do see them (so the probes can fail)', async () => {
    const b = await clientAs(relay.url, bob);
    const r = await b.req('mine', { ids: [...secret] });
    expect(new Set(r.events.map((e) => e.id))).toEqual(secret);
    b.close();
  });

  it('REQ and COUNT with widening filters, across reconnects', async () => {
    for (let round = 0; round < 3; round++) {
      const m = await clientAs(relay.url, mallory);
      await expectBlind(m, `m${round}`);
      m.close();
    }
  });

  it('re-AUTH as another non-member pubkey on the same connection widens nothing', async () => {
    const m = await clientAs(relay.url, mallory);
    await expectBlind(m, 'before');
    expect((await authAs(m, carol))[0]).toBe(true);
    await expectBlind(m, 'after');
    m.close();
  });

  it('live: subscriptions with every probe receive none of the new gated events', async () => {
    const m = await clientAs(relay.url, mallory);
    const anon = await RawClient.open(relay.url);
    const from = m.messages.length;
    const probeList = probes([...secret]);
    for (const [i, filters] of probeList.entries()) await m.req(`live-${i}`, ...filters);
    await anon.req('anon-live', {});
    const fresh = [...addressedTo(bob.pk), groupMessage(), rosterOp(2, 'add', [carol.pk])];
    for (const ev of fresh) {
      expect(await publish(aliceConn, ev)).toEqual([true, '']);
      secret.add(ev.id);
    }
    await settle(m);
    await settle(aliceConn);
    const leaked = [...m.messages.slice(from), ...anon.messages].filter((f) => f[0] === 'EVENT' && secret.has((f[2] as { id: string }).id));
    expect(leaked).toEqual([]);
    // After being added to the roster, carol sees the group (roster changes apply on read).
    const c = await clientAs(relay.url, carol);
    const r = await c.req('group', { '#h': [GROUP] });
    expect(r.events.length).toBeGreaterThan(0);
    c.close();
    m.close();
    anon.close();
  });

  it('REST: welcomes, missed messages and group messages return nothing of others', async () => {
    const leaks = (text: string) => [...secret].filter((id) => text.includes(id));
    const welcomes = await rest(mallory, 'GET', '/welcomes');
    expect(welcomes.status).toBe(200);
    expect(leaks(welcomes.text)).toEqual([]);
    const missed = await rest(mallory, 'POST', '/messages/missed', { since: 0 });
    expect(missed.status).toBe(200);
    expect(leaks(missed.text)).toEqual([]);
    const group = await rest(mallory, 'POST', '/messages/group', { group_id: GROUP });
    expect(group.status).toBeGreaterThanOrEqual(400);
    expect(leaks(group.text)).toEqual([]);
    // Control: the recipient's own welcome list holds the gift wraps addressed to bob.
    const own = await rest(bob, 'GET', '/welcomes');
    expect(own.status).toBe(200);
    expect(leaks(own.text).length).toBeGreaterThan(0);
  });
});
