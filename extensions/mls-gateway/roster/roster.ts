import { isHex64, tagValues, type NostrEvent } from '../../../src/nostr/event.js';
import { reason, type Reason } from '../../../src/nostr/reasons.js';
import { isGroupId } from '../group-id.js';

/** The membership of one group, kept by kind 450 operations. `owner` is always an admin and a member. */
export type Roster = {
  group: string;
  seq: number;
  owner: string;
  admins: string[];
  members: string[];
  /** created_at of the last applied operation. */
  updatedAt: number;
  /** Id of the last applied kind 450 event. */
  eventId: string;
};

/** The operations of kind 450. */
export const ROSTER_OPS = ['bootstrap', 'add', 'remove', 'promote', 'demote', 'replace'] as const;
export type RosterOp = (typeof ROSTER_OPS)[number];

/** A kind 450 event read into its parts. */
export type RosterCommand = {
  group: string;
  seq: number;
  op: RosterOp;
  targets: string[];
  /** `role` tag: "admin" makes the targets admins on bootstrap/add/replace. */
  role?: 'admin' | 'member';
  author: string;
  createdAt: number;
  eventId: string;
};

function single(ev: NostrEvent, name: string): string | Reason {
  const values = tagValues(ev, name);
  if (values.length !== 1) return reason('invalid', `a roster event (kind 450) needs exactly one "${name}" tag`);
  return values[0] as string;
}

/** Reads a kind 450 event; a Reason when its tags are malformed. */
export function parseRosterCommand(ev: NostrEvent): RosterCommand | Reason {
  const group = single(ev, 'h');
  if (typeof group !== 'string') return group;
  if (!isGroupId(group)) return reason('invalid', 'the "h" tag must be a group id (1-128 of [0-9A-Za-z_-])');
  const seqText = single(ev, 'seq');
  if (typeof seqText !== 'string') return seqText;
  if (!/^\d{1,15}$/.test(seqText)) return reason('invalid', 'the "seq" tag must be a non-negative integer');
  const op = single(ev, 'op');
  if (typeof op !== 'string') return op;
  if (!(ROSTER_OPS as readonly string[]).includes(op)) {
    return reason('invalid', `the "op" tag must be one of ${ROSTER_OPS.join(', ')}`);
  }
  const targets = [...new Set(tagValues(ev, 'p'))];
  if (!targets.every(isHex64)) return reason('invalid', '"p" tags must be 64-hex pubkeys');
  if (targets.length === 0 && op !== 'bootstrap' && op !== 'replace') {
    return reason('invalid', `op "${op}" needs at least one "p" tag`);
  }
  const roles = tagValues(ev, 'role');
  if (roles.length > 1 || (roles[0] !== undefined && roles[0] !== 'admin' && roles[0] !== 'member')) {
    return reason('invalid', 'the optional "role" tag must be "admin" or "member"');
  }
  return {
    group,
    seq: Number(seqText),
    op: op as RosterOp,
    targets,
    role: roles[0] as 'admin' | 'member' | undefined,
    author: ev.pubkey,
    createdAt: ev.created_at,
    eventId: ev.id,
  };
}

const union = (a: string[], b: string[]): string[] => [...new Set([...a, ...b])];
const minus = (a: string[], b: string[]): string[] => a.filter((x) => !b.includes(x));

function nextMembers(current: Roster, cmd: RosterCommand): { admins: string[]; members: string[] } | Reason {
  const asAdmins = cmd.role === 'admin' ? cmd.targets : [];
  switch (cmd.op) {
    case 'add':
      return { members: union(current.members, cmd.targets), admins: union(current.admins, asAdmins) };
    case 'promote':
      return { members: union(current.members, cmd.targets), admins: union(current.admins, cmd.targets) };
    case 'remove':
      if (cmd.targets.includes(current.owner)) return reason('invalid', 'the owner of a group cannot be removed');
      return { members: minus(current.members, cmd.targets), admins: minus(current.admins, cmd.targets) };
    case 'demote':
      if (cmd.targets.includes(current.owner)) return reason('invalid', 'the owner of a group cannot be demoted');
      return { members: current.members, admins: minus(current.admins, cmd.targets) };
    default: {
      // replace: the new member list; the owner always stays, admins keep their role if they stay.
      const members = union([current.owner], cmd.targets);
      const admins = union(
        current.admins.filter((a) => members.includes(a)),
        asAdmins,
      );
      return { members, admins };
    }
  }
}

/**
 * Applies a command to the current roster (undefined: none yet). Returns the new roster, or the
 * reason it is refused: bootstrap only creates, later ops need an admin author and a larger seq.
 */
export function applyRosterCommand(current: Roster | undefined, cmd: RosterCommand): Roster | Reason {
  const base = { group: cmd.group, seq: cmd.seq, updatedAt: cmd.createdAt, eventId: cmd.eventId };
  if (cmd.op === 'bootstrap') {
    if (current) return reason('invalid', 'this group already has a roster; bootstrap only creates one');
    const admins = union([cmd.author], cmd.role === 'admin' ? cmd.targets : []);
    return { ...base, owner: cmd.author, admins, members: union([cmd.author], cmd.targets) };
  }
  if (!current) return reason('invalid', 'this group has no roster yet; start it with op "bootstrap"');
  if (!current.admins.includes(cmd.author)) {
    return reason('restricted', 'only the owner or an admin of the group may change its roster');
  }
  if (cmd.seq <= current.seq) return reason('invalid', `stale seq ${cmd.seq}: the roster is at seq ${current.seq}`);
  const next = nextMembers(current, cmd);
  if ('prefix' in next) return next;
  return { ...base, owner: current.owner, ...next };
}

/** True when one of `pubkeys` is a member of the roster. */
export function hasMember(roster: Roster | undefined, pubkeys: Iterable<string>): boolean {
  if (!roster) return false;
  for (const pk of pubkeys) if (roster.members.includes(pk)) return true;
  return false;
}
