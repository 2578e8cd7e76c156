/**
 * MLS group flows for tests with real ts-mls state: create a group carrying a Marmot group data
 * extension, add members (Commit + Welcome as MLSMessage bytes), join from a Welcome, send and
 * process messages, remove a member. States are values: every step returns the next state.
 */
import {
  acceptAll,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeMlsMessage,
  emptyPskIndex,
  encodeMlsMessage,
  joinGroup,
  processMessage,
  zeroOutUint8Array,
  type ClientState,
  type KeyPackage,
  type LeafNode,
} from 'ts-mls';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { MARMOT_GROUP_DATA_EXTENSION, suite, type MlsIdentity, type TestKeyPackage } from './mls-client.js';

const utf8 = new TextEncoder();

function u16(n: number): Uint8Array {
  return Uint8Array.of(n >> 8, n & 0xff);
}

function withLength(bytes: Uint8Array): Uint8Array {
  return Buffer.concat([u16(bytes.length), bytes]);
}

/**
 * Encodes a marmot_group_data extension in the MIP-01 version 1 layout: version, nostr_group_id,
 * name, description, admin pubkeys (comma-separated hex), relays (comma-separated), image fields.
 */
export function encodeMarmotGroupData(fields: {
  nostrGroupId: Uint8Array;
  name: string;
  admins: string[];
  relays: string[];
}): Uint8Array {
  return Buffer.concat([
    u16(1),
    fields.nostrGroupId,
    withLength(utf8.encode(fields.name)),
    withLength(new Uint8Array(0)),
    withLength(utf8.encode(fields.admins.join(','))),
    withLength(utf8.encode(fields.relays.join(','))),
    new Uint8Array(32 + 32 + 12),
  ]);
}

/** The nostr_group_id (lowercase hex, the 445 `h` tag) from a state's marmot_group_data extension. */
export function nostrGroupIdOf(state: ClientState): string {
  const ext = state.groupContext.extensions.find((e) => e.extensionType === MARMOT_GROUP_DATA_EXTENSION);
  if (!ext) throw new Error('group has no marmot_group_data extension');
  return bytesToHex(ext.extensionData.subarray(2, 34));
}

/** Creates a one-member group owned by `owner`; the MLS group id is random and private (MIP-01). */
export async function createTestGroup(
  owner: MlsIdentity,
  ownerKp: TestKeyPackage,
  relays: string[] = [],
): Promise<ClientState> {
  const cs = await suite();
  const data = encodeMarmotGroupData({ nostrGroupId: randomBytes(32), name: 'test group', admins: [owner.pk], relays });
  return createGroup(
    randomBytes(32),
    ownerKp.publicPackage,
    ownerKp.privatePackage,
    [{ extensionType: MARMOT_GROUP_DATA_EXTENSION, extensionData: data }],
    cs,
  );
}

/** The result of a Commit: the committer's next state and the Commit as MLSMessage bytes. */
export type CommitResult = { state: ClientState; commit: Uint8Array };

/**
 * Adds members by KeyPackage in one Commit. The Welcome carries the ratchet tree (Marmot requires
 * the ratchet_tree extension), so joiners need nothing else.
 */
export async function addMembers(
  state: ClientState,
  kps: KeyPackage[],
): Promise<CommitResult & { welcome: Uint8Array }> {
  const cs = await suite();
  const result = await createCommit(
    { state, cipherSuite: cs },
    { extraProposals: kps.map((kp) => ({ proposalType: 'add', add: { keyPackage: kp } })), ratchetTreeExtension: true },
  );
  result.consumed.forEach(zeroOutUint8Array);
  if (!result.welcome) throw new Error('an add Commit must produce a Welcome');
  const welcome = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome });
  return { state: result.newState, commit: encodeMlsMessage(result.commit), welcome };
}

/** Adds one member; see {@link addMembers}. */
export function addMember(state: ClientState, kp: TestKeyPackage): Promise<CommitResult & { welcome: Uint8Array }> {
  return addMembers(state, [kp.publicPackage]);
}

/** Joins a group from Welcome MLSMessage bytes with the KeyPackage the Welcome was made for. */
export async function joinFromWelcome(welcome: Uint8Array, kp: TestKeyPackage): Promise<ClientState> {
  const cs = await suite();
  const decoded = decodeMlsMessage(welcome, 0);
  if (!decoded || decoded[0].wireformat !== 'mls_welcome') throw new Error('not an MLS Welcome');
  return joinGroup(decoded[0].welcome, kp.publicPackage, kp.privatePackage, emptyPskIndex, cs);
}

/** Encrypts an application message; returns the next state and the MLSMessage bytes. */
export async function createAppMessage(
  state: ClientState,
  text: string,
): Promise<{ state: ClientState; message: Uint8Array }> {
  const cs = await suite();
  const result = await createApplicationMessage(state, utf8.encode(text), cs);
  result.consumed.forEach(zeroOutUint8Array);
  const message = encodeMlsMessage({
    version: 'mls10',
    wireformat: 'mls_private_message',
    privateMessage: result.privateMessage,
  });
  return { state: result.newState, message };
}

/** Processes a received group MLSMessage (Commit, proposal or application message). */
export async function processIncoming(
  state: ClientState,
  bytes: Uint8Array,
): Promise<{ state: ClientState; text?: string }> {
  const cs = await suite();
  const decoded = decodeMlsMessage(bytes, 0);
  if (!decoded) throw new Error('not an MLSMessage');
  const message = decoded[0];
  if (message.wireformat !== 'mls_private_message' && message.wireformat !== 'mls_public_message') {
    throw new Error(`not a group message: ${message.wireformat}`);
  }
  const result = await processMessage(message, state, emptyPskIndex, acceptAll, cs);
  result.consumed.forEach(zeroOutUint8Array);
  if (result.kind === 'applicationMessage') {
    return { state: result.newState, text: new TextDecoder().decode(result.message) };
  }
  return { state: result.newState };
}

function leaves(state: ClientState): { index: number; leaf: LeafNode }[] {
  const out: { index: number; leaf: LeafNode }[] = [];
  state.ratchetTree.forEach((node, i) => {
    if (node?.nodeType === 'leaf') out.push({ index: i / 2, leaf: node.leaf });
  });
  return out;
}

function pubkeyOf(leaf: LeafNode): string | undefined {
  return leaf.credential.credentialType === 'basic' ? bytesToHex(leaf.credential.identity) : undefined;
}

/** Nostr pubkeys of the group's members, from their basic credentials. */
export function memberPubkeys(state: ClientState): string[] {
  return leaves(state).map(({ leaf }) => pubkeyOf(leaf) ?? '');
}

/** Removes the member whose credential is `pubkey` in one Commit. */
export async function removeMember(state: ClientState, pubkey: string): Promise<CommitResult> {
  const cs = await suite();
  const target = leaves(state).find(({ leaf }) => pubkeyOf(leaf) === pubkey);
  if (!target) throw new Error('not a member');
  const result = await createCommit(
    { state, cipherSuite: cs },
    { extraProposals: [{ proposalType: 'remove', remove: { removed: target.index } }], ratchetTreeExtension: true },
  );
  result.consumed.forEach(zeroOutUint8Array);
  return { state: result.newState, commit: encodeMlsMessage(result.commit) };
}

