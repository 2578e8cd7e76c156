import { allowsDeletion } from '../../src/nostr/deletion.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { AccessControl } from '../../src/auth/access-control.js';
import type { SessionContext } from '../../src/relay/hooks.js';
import {
  recipientMayDelete,
  nip70Protected,
  recipientOnlyReadGate,
  requireAuthForEvents,
  requireAuthForFilters,
  requireAuthForRecipientKinds,
} from '../../src/relay/policies/auth.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';
import { identity, signed } from '../helpers.js';

const [member, other, stranger, throwaway] = [identity(), identity(), identity(), identity()];
const ctx = (...authed: string[]): SessionContext => ({ connId: 'c1', ip: '10.0.0.1', authed: new Set(authed) });

describe('auth policies', () => {
  let storage: Storage;
  let access: AccessControl;
  beforeEach(async () => {
    storage = await openSqliteStorage({ path: ':memory:' });
    access = await AccessControl.create({
      kv: storage.kv,
      allowlist: [member.pk, other.pk],
      admins: [],
      logger: pino({ level: 'silent' }),
    });
  });
  afterEach(async () => storage.close());

  it('requireAuthForEvents gates the connection, not the author', async () => {
    const policy = requireAuthForEvents(access, { required: true });
    const groupMessage = signed(throwaway, { kind: 445, tags: [['h', 'ab']] });
    expect(await policy(ctx(member.pk), groupMessage)).toEqual({ ok: true });
    expect(await policy(ctx(), groupMessage)).toMatchObject({ ok: false, reason: { prefix: 'auth-required' } });
    expect(await policy(ctx(stranger.pk), groupMessage)).toMatchObject({ ok: false, reason: { prefix: 'restricted' } });
    expect(await policy(ctx(stranger.pk, member.pk), groupMessage)).toEqual({ ok: true });
    // A stranger's own event on a member's connection is fine: it is the connection that is allowed.
    expect(await policy(ctx(member.pk), signed(stranger))).toEqual({ ok: true });
  });

  it('refuses banned authors and banned event ids whatever the connection, even with auth off', async () => {
    const strict = requireAuthForEvents(access, { required: true });
    const open = requireAuthForEvents(access, { required: false });
    const ev = signed(throwaway, { kind: 445 });
    expect(await open(ctx(), ev)).toEqual({ ok: true });
    await access.ban(throwaway.pk);
    expect(await strict(ctx(member.pk), ev)).toMatchObject({ ok: false, reason: { prefix: 'blocked' } });
    expect(await open(ctx(), ev)).toMatchObject({ ok: false, reason: { prefix: 'blocked' } });
    const ev2 = signed(member);
    await access.banEvent(ev2.id);
    expect(await strict(ctx(member.pk), ev2)).toMatchObject({ ok: false, reason: { prefix: 'blocked' } });
  });

  it('a banned member connection is restricted', async () => {
    const policy = requireAuthForEvents(access, { required: true });
    await access.ban(member.pk);
    expect(await policy(ctx(member.pk), signed(throwaway))).toMatchObject({ ok: false, reason: { prefix: 'restricted' } });
  });

  it('nip70Protected accepts a ["-"] event only from its authenticated author', async () => {
    const policy = nip70Protected();
    const protectedEv = signed(member, { tags: [['-']] });
    expect(await policy(ctx(member.pk), protectedEv)).toEqual({ ok: true });
    expect(await policy(ctx(), protectedEv)).toMatchObject({ ok: false, reason: { prefix: 'auth-required' } });
    expect(await policy(ctx(other.pk), protectedEv)).toMatchObject({ ok: false, reason: { prefix: 'restricted' } });
    expect(await policy(ctx(), signed(member))).toEqual({ ok: true });
  });

  it('requireAuthForFilters gates REQ and COUNT when auth is required', async () => {
    const policy = requireAuthForFilters(access, { required: true });
    expect(await policy(ctx(), [{}], 'REQ')).toMatchObject({ ok: false, reason: { prefix: 'auth-required' } });
    expect(await policy(ctx(stranger.pk), [{}], 'COUNT')).toMatchObject({ ok: false, reason: { prefix: 'restricted' } });
    expect(await policy(ctx(member.pk), [{}], 'REQ')).toEqual({ ok: true });
    expect(await requireAuthForFilters(access, { required: false })(ctx(), [{}], 'REQ')).toEqual({ ok: true });
  });

  it('requireAuthForRecipientKinds asks anonymous readers of the given kinds to authenticate', async () => {
    const policy = requireAuthForRecipientKinds([1059, 446, 447]);
    expect(await policy(ctx(), [{ kinds: [1, 1059] }], 'REQ')).toMatchObject({ ok: false, reason: { prefix: 'auth-required' } });
    expect(await policy(ctx(), [{ kinds: [1] }], 'REQ')).toEqual({ ok: true });
    expect(await policy(ctx(stranger.pk), [{ kinds: [446] }], 'COUNT')).toEqual({ ok: true });
  });

  it('recipientOnlyReadGate shows its kinds only to a p-tagged authenticated pubkey (the core: gift wraps)', () => {
    expect(recipientOnlyReadGate().kinds).toEqual([1059]);
    const gate = recipientOnlyReadGate([1059, 446, 447]);
    const wrap = signed(throwaway, { kind: 1059, tags: [['p', member.pk]] });
    const dm = signed(other, { kind: 446, tags: [['p', member.pk], ['v', 'noise.1']] });
    for (const ev of [wrap, dm]) {
      expect(gate.canRead(ctx(member.pk), ev)).toBe(true);
      expect(gate.canRead(ctx(stranger.pk, member.pk), ev)).toBe(true);
      expect(gate.canRead(ctx(), ev)).toBe(false);
      expect(gate.canRead(ctx(stranger.pk), ev)).toBe(false);
    }
    // The sender of a DM is not its recipient: it is not served back.
    expect(gate.canRead(ctx(other.pk), dm)).toBe(false);
  });

  it('recipientOnlyReadGate with access hides events from a banned recipient', async () => {
    const gate = recipientOnlyReadGate(undefined, access);
    const wrap = signed(throwaway, { kind: 1059, tags: [['p', member.pk]] });
    expect(gate.canRead(ctx(member.pk), wrap)).toBe(true);
    await access.ban(member.pk);
    expect(gate.canRead(ctx(member.pk), wrap)).toBe(false);
  });

  it('recipientMayDelete lets the p-tagged recipient delete a gift wrap, nothing else', () => {
    const rule = recipientMayDelete();
    const wrap = signed(throwaway, { kind: 1059, tags: [['p', member.pk]] });
    expect(allowsDeletion(rule, member.pk, wrap)).toBe(true);
    expect(allowsDeletion(rule, stranger.pk, wrap)).toBe(false);
    expect(allowsDeletion(rule, member.pk, signed(throwaway, { kind: 1, tags: [['p', member.pk]] }))).toBe(false);
  });
});
