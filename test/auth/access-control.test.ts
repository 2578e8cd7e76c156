import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { Registry } from 'prom-client';
import { nip19 } from 'nostr-tools';
import { AccessControl, ACCESS_COLLECTIONS } from '../../src/auth/access-control.js';
import { authMetrics } from '../../src/auth/metrics.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';
import { identity } from '../helpers.js';

const logger = pino({ level: 'silent' });
const [member, admin, apiMember, stranger] = [identity(), identity(), identity(), identity()];

describe('AccessControl', () => {
  let storage: Storage;
  beforeEach(async () => {
    storage = await openSqliteStorage({ path: ':memory:' });
  });
  afterEach(async () => {
    await storage.close();
  });

  const create = (allowlist = [nip19.npubEncode(member.pk)], admins = [admin.pk]) =>
    AccessControl.create({ kv: storage.kv, allowlist, admins, logger });

  it('merges the file allowlist (npub or hex), admins and API allows', async () => {
    const access = await create();
    expect(access.isAllowed(member.pk)).toBe(true);
    expect(access.isAllowed(admin.pk)).toBe(true);
    expect(access.isAdmin(admin.pk)).toBe(true);
    expect(access.isAdmin(member.pk)).toBe(false);
    expect(access.isAllowed(stranger.pk)).toBe(false);
    await access.allow(apiMember.pk, 'joined');
    expect(access.isAllowed(apiMember.pk)).toBe(true);
    expect(access.listAllowed().map((p) => p.pubkey).sort()).toEqual([member.pk, admin.pk, apiMember.pk].sort());
    expect(access.listAllowed().find((p) => p.pubkey === apiMember.pk)?.reason).toBe('joined');
  });

  it('persists decisions in the KeyValueStore: a new instance on the same store sees them', async () => {
    const a = await create();
    await a.allow(apiMember.pk);
    await a.ban(member.pk, 'key compromised');
    await a.banEvent('e'.repeat(64), 'spam');
    const b = await create();
    expect(b.isAllowed(apiMember.pk)).toBe(true);
    expect(b.isBanned(member.pk)).toBe(true);
    expect(b.isEventBanned('e'.repeat(64))).toBe(true);
    expect(b.listBanned()).toEqual([{ pubkey: member.pk, reason: 'key compromised' }]);
    expect(b.listBannedEvents()).toEqual([{ id: 'e'.repeat(64), reason: 'spam' }]);
    expect(await storage.kv.get(ACCESS_COLLECTIONS.banned, member.pk)).toMatchObject({ reason: 'key compromised' });
  });

  it('a ban overrides the file and admin status, and fires onRevoked once', async () => {
    const registry = new Registry();
    const metrics = authMetrics(registry);
    const access = await AccessControl.create({ kv: storage.kv, allowlist: [member.pk], admins: [admin.pk], logger, metrics });
    const revoked: string[] = [];
    access.onRevoked((pk) => revoked.push(pk));
    await access.ban(member.pk);
    await access.ban(admin.pk);
    expect(access.isAllowed(member.pk)).toBe(false);
    expect(access.isAdmin(admin.pk)).toBe(false);
    expect(access.listAllowed()).toEqual([]);
    expect(revoked).toEqual([member.pk, admin.pk]);
    await access.ban(member.pk); // again: no new revocation
    expect(revoked).toHaveLength(2);
    expect((await registry.getSingleMetricAsString('nostr_relay_bans_total'))).toContain('nostr_relay_bans_total 2');
    await access.unban(member.pk);
    expect(access.isAllowed(member.pk)).toBe(true);
  });

  it('fires onRevoked for a stranger banned while not allowed (auth.required = false sessions)', async () => {
    const access = await create();
    const revoked: string[] = [];
    access.onRevoked((pk) => revoked.push(pk));
    await access.ban(stranger.pk);
    expect(revoked).toEqual([stranger.pk]);
  });

  it('removal from the file and unallow via the API revoke; unallow keeps a file entry allowed', async () => {
    const access = await create();
    await access.allow(apiMember.pk);
    const revoked: string[] = [];
    access.onRevoked((pk) => revoked.push(pk));
    access.setConfigLists([], [admin.pk]);
    expect(access.isAllowed(member.pk)).toBe(false);
    expect(revoked).toEqual([member.pk]);
    await access.unallow(apiMember.pk);
    expect(revoked).toEqual([member.pk, apiMember.pk]);
    access.setConfigLists([member.pk], [admin.pk]);
    await access.unallow(member.pk); // on the file: still allowed, nothing revoked
    expect(access.isAllowed(member.pk)).toBe(true);
    expect(revoked).toHaveLength(2);
  });

  it('refresh picks up another instance\'s changes and fires onRevoked for its new bans', async () => {
    const here = await create();
    const there = await create();
    const revoked: string[] = [];
    here.onRevoked((pk) => revoked.push(pk));
    await there.ban(member.pk);
    await there.allow(apiMember.pk);
    expect(here.isBanned(member.pk)).toBe(false);
    await here.refresh();
    expect(here.isBanned(member.pk)).toBe(true);
    expect(here.isAllowed(apiMember.pk)).toBe(true);
    expect(revoked).toEqual([member.pk]);
    await there.unallow(apiMember.pk);
    await here.refresh();
    expect(revoked).toEqual([member.pk, apiMember.pk]);
  });

  it('refresh reloads only when the version document moved', async () => {
    const here = await create();
    // Written behind AccessControl's back: no version bump, so a refresh does not reload.
    await storage.kv.put(ACCESS_COLLECTIONS.banned, member.pk, { at: 1 });
    await here.refresh();
    expect(here.isBanned(member.pk)).toBe(false);
    const there = await create();
    await there.allow(apiMember.pk);
    await here.refresh();
    expect(here.isBanned(member.pk)).toBe(true);
    expect(here.isAllowed(apiMember.pk)).toBe(true);
    expect(await storage.kv.get(ACCESS_COLLECTIONS.meta, 'version')).toEqual({ n: 1 });
  });

  it('startRefresh runs on a timer until close', async () => {
    const here = await create();
    const there = await create();
    const revoked = new Promise<string>((resolve) => here.onRevoked(resolve));
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      here.startRefresh(20_000);
      await there.ban(member.pk);
      expect(here.isBanned(member.pk)).toBe(false);
      // One interval later the refresh runs and sees the ban (its store calls are real, not timed).
      vi.advanceTimersByTime(20_000);
      expect(await revoked).toBe(member.pk);
      expect(here.isBanned(member.pk)).toBe(true);
      here.close();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      here.close();
      vi.useRealTimers();
    }
  });

  it('a listener that throws does not stop the others', async () => {
    const access = await create();
    const seen: string[] = [];
    access.onRevoked(() => {
      throw new Error('boom');
    });
    const off = access.onRevoked((pk) => seen.push(pk));
    await access.ban(member.pk);
    off();
    await access.ban(apiMember.pk);
    expect(seen).toEqual([member.pk]);
  });
});
