/**
 * A Welcome for a large group, for the size limits of the relay (message size, Firestore document
 * size). Measured here: 150 members give a ~38 KB Welcome and a ~110 KB gift wrap.
 */
import type { ClientState } from 'ts-mls';
import type { VerifiedEvent } from '../../src/nostr/event.js';
import { makeKeyPackage, mlsIdentity, type MlsIdentity, type TestKeyPackage } from './mls-client.js';
import { addMember, addMembers, createTestGroup } from './mls-group.js';
import { wrapWelcome } from './marmot-events.js';

/** A large group and the Welcome of its last member. */
export type LargeWelcome = {
  owner: MlsIdentity;
  joiner: MlsIdentity;
  joinerKp: TestKeyPackage;
  /** The owner's state after adding the joiner. */
  state: ClientState;
  /** Welcome MLSMessage bytes for the joiner (carries the ratchet tree of `members` leaves). */
  welcome: Uint8Array;
  /** The Welcome in a kind 1059 gift wrap addressed to the joiner. */
  wrap: VerifiedEvent;
  /** Wall time to build everything, milliseconds (a figure to report, never to assert). */
  buildMs: number;
};

/**
 * Builds a group of `members` (default 150): the owner adds members - 2 in one Commit, then adds
 * the joiner alone, so the Welcome is the realistic one a late joiner receives.
 */
export async function buildLargeWelcome(members = 150): Promise<LargeWelcome> {
  const started = performance.now();
  const owner = mlsIdentity();
  let state = await createTestGroup(owner, await makeKeyPackage(owner));
  const others: TestKeyPackage[] = [];
  for (let i = 0; i < members - 2; i++) others.push(await makeKeyPackage(mlsIdentity()));
  state = (await addMembers(state, others.map((kp) => kp.publicPackage))).state;
  const joiner = mlsIdentity();
  const joinerKp = await makeKeyPackage(joiner);
  const added = await addMember(state, joinerKp);
  const wrap = wrapWelcome(owner, joiner.pk, added.welcome, {
    keyPackageEventId: '0'.repeat(64),
    relays: ['wss://relay.example'],
  });
  const buildMs = performance.now() - started;
  return { owner, joiner, joinerKp, state: added.state, welcome: added.welcome, wrap, buildMs };
}
