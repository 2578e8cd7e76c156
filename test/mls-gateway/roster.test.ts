import { describe, expect, it } from 'vitest';
import { applyRosterCommand, hasMember, parseRosterCommand, type Roster, type RosterCommand } from '../../extensions/mls-gateway/roster/roster.js';
import { identity, signed, type Identity } from '../helpers.js';

const GROUP = 'a'.repeat(64);

function op(author: Identity, seq: number, name: string, targets: string[] = [], extra: string[][] = []) {
  return signed(author, {
    kind: 450,
    content: '',
    tags: [['h', GROUP], ['seq', String(seq)], ['op', name], ...targets.map((p) => ['p', p]), ...extra],
  });
}

function cmd(author: Identity, seq: number, name: string, targets: string[] = [], extra: string[][] = []): RosterCommand {
  const parsed = parseRosterCommand(op(author, seq, name, targets, extra));
  if ('prefix' in parsed) throw new Error(parsed.message);
  return parsed;
}

function roster(result: Roster | { prefix: string; message: string }): Roster {
  if ('prefix' in result) throw new Error(`${result.prefix}: ${result.message}`);
  return result;
}

describe('kind 450 roster operations', () => {
  const [owner, alice, bob, carol] = [identity(), identity(), identity(), identity()];

  it('bootstrap makes the author owner and admin, and the p tags members', () => {
    const r = roster(applyRosterCommand(undefined, cmd(owner, 1, 'bootstrap', [alice.pk])));
    expect(r.owner).toBe(owner.pk);
    expect(r.admins).toEqual([owner.pk]);
    expect(r.members.sort()).toEqual([owner.pk, alice.pk].sort());
    expect(hasMember(r, [alice.pk])).toBe(true);
    expect(hasMember(r, [bob.pk])).toBe(false);
  });

  it('refuses a second bootstrap and ops on a group without roster', () => {
    const r = roster(applyRosterCommand(undefined, cmd(owner, 1, 'bootstrap')));
    const again = applyRosterCommand(r, cmd(alice, 2, 'bootstrap'));
    expect(again).toMatchObject({ prefix: 'invalid', message: expect.stringContaining('already has a roster') });
    expect(applyRosterCommand(undefined, cmd(owner, 1, 'add', [bob.pk]))).toMatchObject({ prefix: 'invalid' });
  });

  it('only the owner or an admin may change the roster, with a larger seq', () => {
    let r = roster(applyRosterCommand(undefined, cmd(owner, 1, 'bootstrap', [alice.pk])));
    expect(applyRosterCommand(r, cmd(alice, 2, 'add', [bob.pk]))).toMatchObject({ prefix: 'restricted' });
    r = roster(applyRosterCommand(r, cmd(owner, 2, 'promote', [alice.pk])));
    expect(r.admins).toContain(alice.pk);
    r = roster(applyRosterCommand(r, cmd(alice, 3, 'add', [bob.pk])));
    expect(r.members).toContain(bob.pk);
    expect(applyRosterCommand(r, cmd(owner, 3, 'add', [carol.pk]))).toMatchObject({
      prefix: 'invalid',
      message: 'stale seq 3: the roster is at seq 3',
    });
  });

  it('remove and demote never touch the owner; remove drops admin rights too', () => {
    let r = roster(applyRosterCommand(undefined, cmd(owner, 1, 'bootstrap', [alice.pk], [['role', 'admin']])));
    expect(r.admins).toContain(alice.pk);
    expect(applyRosterCommand(r, cmd(alice, 2, 'remove', [owner.pk]))).toMatchObject({ prefix: 'invalid' });
    expect(applyRosterCommand(r, cmd(alice, 2, 'demote', [owner.pk]))).toMatchObject({ prefix: 'invalid' });
    r = roster(applyRosterCommand(r, cmd(owner, 2, 'remove', [alice.pk])));
    expect(r.members).not.toContain(alice.pk);
    expect(r.admins).not.toContain(alice.pk);
  });

  it('replace sets the member list, keeping the owner and the admins who stay', () => {
    let r = roster(applyRosterCommand(undefined, cmd(owner, 1, 'bootstrap', [alice.pk, bob.pk])));
    r = roster(applyRosterCommand(r, cmd(owner, 5, 'replace', [carol.pk])));
    expect(r.members.sort()).toEqual([owner.pk, carol.pk].sort());
    expect(r.admins).toEqual([owner.pk]);
    expect(r.seq).toBe(5);
  });

  it('reads malformed operations as invalid reasons', () => {
    const bad = (tags: string[][]) => parseRosterCommand(signed(owner, { kind: 450, content: '', tags }));
    expect(bad([['seq', '1'], ['op', 'add'], ['p', alice.pk]])).toMatchObject({ prefix: 'invalid', message: expect.stringContaining('"h"') });
    expect(bad([['h', GROUP], ['seq', 'x'], ['op', 'add'], ['p', alice.pk]])).toMatchObject({ message: expect.stringContaining('seq') });
    expect(bad([['h', GROUP], ['seq', '1'], ['op', 'kick'], ['p', alice.pk]])).toMatchObject({ message: expect.stringContaining('op') });
    expect(bad([['h', GROUP], ['seq', '1'], ['op', 'add']])).toMatchObject({ message: expect.stringContaining('at least one "p"') });
    expect(bad([['h', GROUP], ['seq', '1'], ['op', 'add'], ['p', 'nothex']])).toMatchObject({ prefix: 'invalid' });
  });
});
