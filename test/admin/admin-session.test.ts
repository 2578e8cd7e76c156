/**
 * Admin links and console sessions on both real stores (SQLite, and Firestore through its emulator
 * when installed): a link is redeemed once even when two redemptions race, an expired one never,
 * only hashes are stored, and a session lives until it expires or is closed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN_SESSION_COLLECTIONS,
  closeAdminSession,
  createAdminLink,
  openAdminSession,
  redeemAdminLink,
  secretKey,
  sessionPubkey,
} from '../../src/auth/admin-session.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';
import { now } from '../helpers.js';
import { emulatorHost, freshProjectId, openEmulatorStorage } from '../storage/firestore-env.js';

const ADMIN = 'ab'.repeat(32);
const backends: Array<[string, () => Promise<Storage>, boolean]> = [
  ['sqlite', () => openSqliteStorage({ path: ':memory:' }), true],
  ['firestore', () => openEmulatorStorage(freshProjectId('admin-link')), emulatorHost !== null],
];

describe.each(backends)('admin links and sessions on %s', (_name, open, available) => {
  let storage: Storage | undefined;
  afterEach(async () => {
    await storage?.close();
    storage = undefined;
  });

  it.runIf(available)('redeems a link once, even when two redemptions race', async () => {
    storage = await open();
    const { secret } = await createAdminLink(storage.kv, ADMIN, now());
    const results = await Promise.all([redeemAdminLink(storage.kv, secret, now()), redeemAdminLink(storage.kv, secret, now())]);
    expect(results.filter((r) => r === ADMIN)).toHaveLength(1);
    expect(results.filter((r) => r === undefined)).toHaveLength(1);
    expect(await redeemAdminLink(storage.kv, secret, now())).toBeUndefined();
  });

  it.runIf(available)('refuses an expired, unknown or malformed link, and stores only the hash', async () => {
    storage = await open();
    const t = now();
    const { secret, expiresAt } = await createAdminLink(storage.kv, ADMIN, t, 60);
    expect(expiresAt).toBe(t + 60);
    const stored = await storage.kv.list<{ pubkey: string }>(ADMIN_SESSION_COLLECTIONS.links);
    expect(stored.map((e) => e.key)).toEqual([secretKey(secret)]);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(await redeemAdminLink(storage.kv, secret, t + 61)).toBeUndefined();
    expect(await redeemAdminLink(storage.kv, 'A'.repeat(43), t)).toBeUndefined();
    expect(await redeemAdminLink(storage.kv, '../etc', t)).toBeUndefined();
    expect(await redeemAdminLink(storage.kv, 42, t)).toBeUndefined();
  });

  it.runIf(available)('opens a session that authenticates until it expires or is closed', async () => {
    storage = await open();
    const t = now();
    const { token, expiresAt } = await openAdminSession(storage.kv, ADMIN, t);
    expect(await sessionPubkey(storage.kv, token, t)).toBe(ADMIN);
    expect(await sessionPubkey(storage.kv, token, expiresAt)).toBeUndefined();
    await closeAdminSession(storage.kv, token);
    expect(await sessionPubkey(storage.kv, token, t)).toBeUndefined();
  });
});
