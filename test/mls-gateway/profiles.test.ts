/**
 * The two conformance profiles through the real relay: the KeyPackages of every deployed client
 * generation are accepted in compat and each non-adopted one is refused in strict naming its rule;
 * every rule of PROFILE_RULES has a case here (a new rule without one fails the last test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILE_RULES, type ProfileRule } from '../../extensions/mls-gateway/profile.js';
import type { VerifiedEvent } from '../../src/nostr/event.js';
import { identity, now, signed, type Identity } from '../helpers.js';
import type { RawClient, TestRelay } from '../harness.js';
import {
  adopted30443,
  bareKeyPackageBytes,
  keyPackageEvent30443,
  makeKeyPackage,
  marmotKeyPackageTags,
  mdkEra443,
  mlsIdentity,
  sketchEra30443,
  type MlsIdentity,
  type TestKeyPackage,
} from '../mls/fixtures.js';
import { authedClient, publish, startGatewayRelay } from './e2e-support.js';

const alice = mlsIdentity();
const DAY = 86_400;
const GROUP = 'a1'.repeat(32);

/** A KeyPackage whose lifetime fits the adopted bound (the ts-mls fixture default is 90 days). */
function shortLived(who: MlsIdentity): Promise<TestKeyPackage> {
  const t = now();
  return makeKeyPackage(who, { lifetime: { notBefore: t - 60, notAfter: t + 30 * DAY } });
}

const replaceTag = (tags: string[][], tag: string[]): string[][] => [...tags.filter((t) => t[0] !== tag[0]), tag];
const groupMessage = (tags: string[][], who: Identity = identity()): VerifiedEvent =>
  signed(who, { kind: 445, tags, content: Buffer.alloc(40, 9).toString('base64'), created_at: now() });

/** One event per profile rule: accepted by compat, refused by strict under that rule. */
async function ruleCases(): Promise<Record<ProfileRule, VerifiedEvent>> {
  const kp = await shortLived(alice);
  // A fresh slot per case, so no case replaces another in the addressable store.
  const tags = (): string[][] => marmotKeyPackageTags(kp);
  const long = await makeKeyPackage(alice, { lifetime: { notBefore: now() - 60, notAfter: now() + 90 * DAY } });
  return {
    keypackage_framing: keyPackageEvent30443(alice, kp, { content: Buffer.from(bareKeyPackageBytes(kp.publicPackage)).toString('base64') }),
    keypackage_slot: keyPackageEvent30443(alice, kp, { tags: replaceTag(tags(), ['d', 'phone']) }),
    keypackage_tag_set: keyPackageEvent30443(alice, kp, { tags: tags().filter((t) => t[0] !== 'app_components') }),
    keypackage_id_lists: keyPackageEvent30443(alice, kp, { tags: replaceTag(tags(), ['mls_extensions', '0x000A']) }),
    keypackage_encoding_tag: keyPackageEvent30443(alice, kp, { tags: [...tags(), ['encoding', 'base64']] }),
    keypackage_app_components: keyPackageEvent30443(alice, kp, { tags: replaceTag(tags(), ['app_components', '0x8001']) }),
    keypackage_lifetime: keyPackageEvent30443(alice, long),
    group_message_tags: groupMessage([['h', GROUP], ['k', '3']]),
    group_message_signer: groupMessage([['h', GROUP]], alice),
    predecessor_kinds: signed(alice, { kind: 446, tags: [['p', identity().pk], ['v', 'noise.1']], content: 'x', created_at: now() }),
  };
}

describe('conformance profiles through the relay', () => {
  let compat: TestRelay;
  let strict: TestRelay;
  let c: RawClient;
  let s: RawClient;

  beforeAll(async () => {
    compat = await startGatewayRelay([alice], {});
    strict = await startGatewayRelay([alice], { profile: 'strict' });
    c = await authedClient(compat.url, alice);
    s = await authedClient(strict.url, alice);
  });
  afterAll(async () => {
    c.close();
    s.close();
    await compat.stop();
    await strict.stop();
  });

  describe('the KeyPackages deployed clients publish', () => {
    it('MDK-era 443 (bare KeyPackage, base64, encoding, relays, -): compat accepts, strict refuses the predecessor kind', async () => {
      const ev = mdkEra443(alice, await makeKeyPackage(alice));
      expect(await publish(c, ev)).toEqual({ ok: true, message: '' });
      expect(await publish(s, ev)).toEqual({
        ok: false,
        message: expect.stringMatching(/^invalid: strict profile: kind 443 .* \(rule predecessor_kinds\)$/),
      });
    });

    it('sketch-era 30443 (marmot-ts 0.5: bare, free-text d, encoding, relays, client): compat accepts, strict refuses it by rule', async () => {
      const ev = sketchEra30443(alice, await makeKeyPackage(alice));
      expect(await publish(c, ev)).toEqual({ ok: true, message: '' });
      expect((await publish(s, ev)).message).toBe('invalid: strict profile: missing mls_proposals tag (rule keypackage_tag_set)');
      // Given the full tag set, the framing is what strict still refuses.
      const kp = await shortLived(alice);
      const bare = Buffer.from(bareKeyPackageBytes(kp.publicPackage)).toString('base64');
      expect((await publish(s, keyPackageEvent30443(alice, kp, { content: bare }))).message).toBe(
        'invalid: strict profile: content must be an MLSMessage (mls_key_package), not a bare KeyPackage (rule keypackage_framing)',
      );
    });

    it('adopted 30443 (MLSMessage, seven tags, lifetime within the bound): both accept', async () => {
      const kp = await shortLived(alice);
      expect(await publish(c, adopted30443(alice, kp))).toEqual({ ok: true, message: '' });
      expect(await publish(s, adopted30443(alice, kp))).toEqual({ ok: true, message: '' });
    });

    it('a bare KeyPackage is still fully validated in compat: forged, foreign and mismatched ones are refused', async () => {
      const kp = await makeKeyPackage(alice);
      const bare = bareKeyPackageBytes(kp.publicPackage);
      const forged = Uint8Array.from(bare);
      forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
      const forgedEv = signed(alice, { ...sketchEra30443(alice, kp), content: Buffer.from(forged).toString('base64') });
      expect((await publish(c, forgedEv)).message).toBe('invalid: KeyPackage signature is invalid');
      expect((await publish(c, sketchEra30443(identity(), kp))).message).toBe('invalid: credential identity is not the event pubkey');
      const other = await makeKeyPackage(alice);
      const wrongRef = signed(alice, { ...sketchEra30443(alice, kp), tags: replaceTag(sketchEra30443(alice, kp).tags, ['i', other.ref]) });
      expect((await publish(c, wrongRef)).message).toBe('invalid: i tag does not match the KeyPackageRef of the content');
      const trailing = Buffer.concat([bare, Buffer.from([0, 0])]).toString('base64');
      expect((await publish(c, signed(alice, { ...mdkEra443(alice, kp), content: trailing }))).message).toBe(
        'invalid: content has 2 trailing bytes after the KeyPackage',
      );
    });

    it('compat still refuses a 30443 encoding other than base64 and a d slot over 256 bytes', async () => {
      const kp = await makeKeyPackage(alice);
      const hexTag = signed(alice, { ...sketchEra30443(alice, kp), tags: replaceTag(sketchEra30443(alice, kp).tags, ['encoding', 'hex']) });
      expect((await publish(c, hexTag)).message).toBe('invalid: a 30443 encoding tag may only say base64');
      expect((await publish(c, sketchEra30443(alice, kp, 'x'.repeat(257)))).message).toBe('invalid: d tag is longer than 256 bytes');
    });
  });

  describe('every rule, in both profiles', () => {
    let cases: Record<ProfileRule, VerifiedEvent>;
    beforeAll(async () => {
      cases = await ruleCases();
    });

    it.each(Object.keys(PROFILE_RULES) as ProfileRule[])('%s: compat accepts, strict refuses naming the rule', async (rule) => {
      const ev = cases[rule];
      expect(await publish(c, ev), 'compat').toEqual({ ok: true, message: '' });
      const refused = await publish(s, ev);
      expect(refused.ok, 'strict').toBe(false);
      expect(refused.message).toMatch(new RegExp(`^invalid: strict profile: .+ \\(rule ${rule}\\)$`));
    });

    it('has a case for every rule of the table', () => {
      expect(Object.keys(cases).sort()).toEqual(Object.keys(PROFILE_RULES).sort());
    });
  });

  it('strict accepts an adopted 445 (ephemeral key, h + expiration) and, with predecessor_kinds, the old kinds', async () => {
    const ev = groupMessage([['h', GROUP], ['expiration', String(now() + 3600)]]);
    expect(await publish(s, ev)).toEqual({ ok: true, message: '' });
    const lenient = await startGatewayRelay([alice], { profile: 'strict', predecessor_kinds: true });
    const l = await authedClient(lenient.url, alice);
    try {
      const dm = signed(alice, { kind: 446, tags: [['p', identity().pk], ['v', 'noise.1']], content: 'x', created_at: now() });
      expect(await publish(l, dm)).toEqual({ ok: true, message: '' });
    } finally {
      l.close();
      await lenient.stop();
    }
  });

  it('NIP-11 advertises the profile, the framings and whether predecessor kinds are taken', async () => {
    const info = async (relay: TestRelay) =>
      ((await (await fetch(relay.httpUrl, { headers: { Accept: 'application/nostr+json' } })).json()) as { mls_gateway: Record<string, unknown> })
        .mls_gateway;
    expect(await info(compat)).toMatchObject({ profile: 'compat', predecessor_kinds: true, keypackage_framings: ['mls_message', 'bare'] });
    expect(await info(strict)).toMatchObject({ profile: 'strict', predecessor_kinds: false, keypackage_framings: ['mls_message'] });
  });
});
