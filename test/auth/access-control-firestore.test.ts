import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { AccessControl } from '../../src/auth/access-control.js';
import type { Storage } from '../../src/storage/types.js';
import { emulatorHost, freshProjectId, openEmulatorStorage } from '../storage/firestore-env.js';
import { identity } from '../helpers.js';

const logger = pino({ level: 'silent' });
const [member, admin, apiMember] = [identity(), identity(), identity()];

// Two relay instances (two clients of one Firestore database) share admin decisions.
describe.skipIf(!emulatorHost)('AccessControl on Firestore, two instances', () => {
  let one: Storage;
  let two: Storage;
  beforeAll(async () => {
    const project = freshProjectId('access');
    one = await openEmulatorStorage(project, { instanceId: 'one' });
    two = await openEmulatorStorage(project, { instanceId: 'two' });
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
  });

  it('a ban made on one instance reaches the other by refresh, firing onRevoked there', async () => {
    const a = await AccessControl.create({ kv: one.kv, allowlist: [member.pk], admins: [admin.pk], logger });
    const b = await AccessControl.create({ kv: two.kv, allowlist: [member.pk], admins: [admin.pk], logger });
    const revokedOnB: string[] = [];
    b.onRevoked((pk) => revokedOnB.push(pk));
    await a.ban(member.pk, 'compromised');
    await a.allow(apiMember.pk);
    expect(b.isAllowed(member.pk)).toBe(true);
    await b.refresh();
    expect(b.isAllowed(member.pk)).toBe(false);
    expect(b.isAllowed(apiMember.pk)).toBe(true);
    expect(revokedOnB).toEqual([member.pk]);
    expect(b.listBanned()).toEqual([{ pubkey: member.pk, reason: 'compromised' }]);
    // A restart of either instance reads the same decisions.
    const c = await AccessControl.create({ kv: two.kv, allowlist: [], admins: [], logger });
    expect(c.isBanned(member.pk)).toBe(true);
    expect(c.isAllowed(apiMember.pk)).toBe(true);
  });
});
