/**
 * Hot reload through the real file watcher: each reloadable section is edited in a real config file
 * and the change is observed by a real WebSocket client or the NIP-11 document, on a running relay.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { authAs, publish } from '../auth/e2e-support.js';
import { RawClient } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { nip98Header } from '../mls-gateway/e2e-support.js';
import { nip11, startFileRelay, type FileRelay } from './reload-support.js';

const [alice, admin] = [identity(), identity()];

/** The admin console's view of one key (GET /api/v1/admin/config, NIP-98 signed by `admin`). */
async function adminConfigKey(r: FileRelay, key: string): Promise<Record<string, unknown> | undefined> {
  const path = '/api/v1/admin/config';
  const res = await fetch(`${r.server.httpUrl}${path}`, { headers: { authorization: nip98Header(admin, `http://relay.test${path}`, 'GET') } });
  const body = (await res.json()) as { keys: Record<string, unknown>[] };
  return body.keys.find((k) => k.key === key);
}
let relay: FileRelay | undefined;
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});

const filters = (n: number) => Array.from({ length: n }, (_, i) => ({ kinds: [i + 1], limit: 1 }));

describe('hot reload of the config file', () => {
  it('[limits]: a lower max_filters refuses the next REQ on an open connection; NIP-11 and the admin console show it', async () => {
    relay = await startFileRelay({ auth: { required: false, admin_pubkeys: [admin.pk] }, limits: { max_filters: 5, max_subscriptions: 10 } });
    const c = await RawClient.open(relay.server.wsUrl);
    try {
      expect((await c.req('before', ...filters(3))).closed).toBeUndefined();
      expect(((await nip11(relay.server)).limitation as Record<string, unknown>).max_filters).toBe(5);
      await relay.edit({
        auth: { required: false, admin_pubkeys: [admin.pk] },
        limits: { max_filters: 2, max_subscriptions: 3 },
        relay_info: { name: 'renamed' },
      });
      expect((await c.req('after', ...filters(3))).closed).toBe('invalid: too many filters (max 2)');
      const info = await nip11(relay.server);
      expect(info.name).toBe('renamed');
      expect(info.limitation).toMatchObject({ max_filters: 2, max_subscriptions: 3 });
      expect(await adminConfigKey(relay, 'limits.max_filters')).toMatchObject({ value: 2, source: 'file', reloadable: true });
    } finally {
      c.close();
    }
  });

  it('[rate_limits]: a lower events_per_minute_per_ip refuses the next events with rate-limited:', async () => {
    relay = await startFileRelay({ auth: { required: false }, rate_limits: { events_per_minute_per_ip: 100 } });
    const c = await RawClient.open(relay.server.wsUrl);
    try {
      for (let i = 0; i < 3; i++) expect((await publish(c, signed(alice, { content: `before ${i}` })))[0]).toBe(true);
      await relay.edit({ auth: { required: false }, rate_limits: { events_per_minute_per_ip: 1 } });
      // The bucket now holds at most one token: one more event, then the limit (the old one allowed 97 more).
      expect((await publish(c, signed(alice, { content: 'after 0' })))[0]).toBe(true);
      const refused = await publish(c, signed(alice, { content: 'after 1' }));
      expect(refused).toEqual([false, 'rate-limited: too many events from this address, slow down']);
    } finally {
      c.close();
    }
  });

  it('[auth]: turning required on asks the next publish to authenticate; the new allowlist lets alice in', async () => {
    relay = await startFileRelay({ auth: { required: false } });
    const anon = await RawClient.open(relay.server.wsUrl);
    try {
      expect((await publish(anon, signed(alice, { content: 'open relay' })))[0]).toBe(true);
      expect(((await nip11(relay.server)).limitation as Record<string, unknown>).auth_required).toBe(false);
      await relay.edit({ auth: { required: true, allowlist: [alice.pk] } });
      const [ok, message] = await publish(anon, signed(alice, { content: 'closed relay' }));
      expect(ok).toBe(false);
      expect(message).toMatch(/^auth-required: /);
      expect(await authAs(anon, alice)).toEqual([true, '']);
      expect((await publish(anon, signed(alice, { content: 'member' })))[0]).toBe(true);
      expect(((await nip11(relay.server)).limitation as Record<string, unknown>).auth_required).toBe(true);
    } finally {
      anon.close();
    }
  });

  it('[mls_gateway]: a group message budget the gateway marks reloadable applies without restart', async () => {
    relay = await startFileRelay({ auth: { required: false }, mls_gateway: { group_messages_per_minute: 0 } });
    const message = () => signed(identity(), { kind: 445, tags: [['h', 'group1']], content: randomBytes(40).toString('base64') });
    const c = await RawClient.open(relay.server.wsUrl);
    try {
      for (let i = 0; i < 3; i++) expect((await publish(c, message()))[0]).toBe(true);
      await relay.edit({ auth: { required: false }, mls_gateway: { group_messages_per_minute: 1 } });
      expect((await publish(c, message()))[0]).toBe(true);
      expect(await publish(c, message())).toEqual([false, 'rate-limited: too many group messages, slow down']);
    } finally {
      c.close();
    }
  });

  it('a changed restart-only key keeps its running value and is logged as needing a restart', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    relay = await startFileRelay({ auth: { required: false }, server: { shutdown_grace_ms: 8000 } }, logger);
    const next = await relay.edit({
      auth: { required: false },
      server: { shutdown_grace_ms: 100 },
      limits: { max_message_bytes: 4096 },
      relay_info: { name: 'edited' },
    });
    expect(next.relay_info.name).toBe('edited');
    expect(next.server.shutdown_grace_ms).toBe(8000);
    expect(next.limits.max_message_bytes).toBe(1048576);
    const warning = lines.find((l) => l.msg === 'config keys changed that apply only after a restart');
    expect(warning?.keys).toEqual(['server.shutdown_grace_ms', 'limits.max_message_bytes']);
    expect(lines.find((l) => l.msg === 'config reloaded')?.keys).toEqual(['relay_info.name']);
  });
});
