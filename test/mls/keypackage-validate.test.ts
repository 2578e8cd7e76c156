import { beforeAll, describe, expect, it } from 'vitest';
import { signKeyPackage } from 'ts-mls/keyPackage.js';
import type { KeyPackageTBS } from 'ts-mls';
import { validateKeyPackageEvent, type KeyPackageCheck } from '../../extensions/mls-gateway/keypackage/validate.js';
import type { NostrEvent } from '../../src/nostr/event.js';
import type { Profile } from '../../extensions/mls-gateway/profile.js';
import { now } from '../helpers.js';
import {
  addMember,
  createAppMessage,
  createTestGroup,
  describeKeyPackage,
  keyPackageEvent30443,
  keyPackageEvent443,
  makeKeyPackage,
  marmotKeyPackageTags,
  mlsIdentity,
  suite,
  type MlsIdentity,
  type TestKeyPackage,
} from './fixtures.js';

const TTL = 604_800;
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const check = (ev: NostrEvent, at = now(), profile: Profile = 'compat'): Promise<KeyPackageCheck> =>
  validateKeyPackageEvent(ev, at, { defaultTtlSeconds: TTL, profile });

async function reasonOf(ev: NostrEvent, at?: number, profile?: Profile): Promise<string> {
  const result = await check(ev, at, profile);
  if (result.ok) throw new Error('expected a refusal');
  return result.reason;
}

/** Replaces the tag named `name` (or appends it), keeping the rest of the standard set. */
function withTag(kp: TestKeyPackage, tag: string[]): string[][] {
  return [...marmotKeyPackageTags(kp).filter((t) => t[0] !== tag[0]), tag];
}

describe('validateKeyPackageEvent', () => {
  let alice: MlsIdentity;
  let kp: TestKeyPackage;

  beforeAll(async () => {
    alice = mlsIdentity();
    kp = await makeKeyPackage(alice);
  });

  describe('accepts', () => {
    it('a Marmot 30443 KeyPackage, reporting its ref, suite, slot and lifetime', async () => {
      const tags = marmotKeyPackageTags(kp);
      const result = await check(keyPackageEvent30443(alice, kp, { tags }));
      expect(result).toEqual({
        ok: true,
        info: {
          ref: kp.ref,
          ciphersuite: 1,
          dialect: '30443',
          framing: 'mls_message',
          slot: tags[0]?.[1],
          notBefore: Number(kp.publicPackage.leafNode.lifetime.notBefore),
          expiresAt: Number(kp.publicPackage.leafNode.lifetime.notAfter),
        },
      });
    });

    it('a 443 KeyPackage in hex without an encoding tag, in hex with one, and in base64', async () => {
      for (const ev of [
        keyPackageEvent443(alice, kp, { encoding: 'hex' }),
        keyPackageEvent443(alice, kp, { encoding: 'hex', tagEncoding: true }),
        keyPackageEvent443(alice, kp, { encoding: 'base64', p: alice.pk }),
      ]) {
        const result = await check(ev);
        expect(result.ok && result.info).toMatchObject({ ref: kp.ref, ciphersuite: 1, dialect: '443' });
        expect(result.ok && result.info.slot).toBeUndefined();
      }
    });

    it('a 443 whose exp comes before the lifetime end: expiresAt is the exp', async () => {
      const exp = now() + 3600;
      const result = await check(keyPackageEvent443(alice, kp, { exp }));
      expect(result.ok && result.info.expiresAt).toBe(exp);
    });

    it('a package with no finite lifetime end: expiresAt is now + the default TTL', async () => {
      const forever = await makeKeyPackage(alice, { lifetime: { notBefore: 0n, notAfter: 2n ** 63n - 1n } });
      const at = now();
      const result = await check(keyPackageEvent30443(alice, forever), at);
      expect(result.ok && result.info).toMatchObject({ expiresAt: at + TTL, notBefore: 0 });
    });

    it('a lifetime that ended less than the 5 minute clock skew ago', async () => {
      const at = now();
      const late = await makeKeyPackage(alice, { lifetime: { notBefore: at - 3600, notAfter: at - 60 } });
      expect((await check(keyPackageEvent30443(alice, late), at)).ok).toBe(true);
    });
  });

  describe('refuses, naming the reason', () => {
    const seen = new Map<string, string>();
    async function expectReason(
      name: string,
      ev: NostrEvent,
      expected: string | RegExp,
      at?: number,
      profile?: Profile,
    ): Promise<void> {
      const got = await reasonOf(ev, at, profile);
      if (typeof expected === 'string') expect(got).toBe(expected);
      else expect(got).toMatch(expected);
      seen.set(name, got);
    }

    it('a forged KeyPackage signature (a byte of the signature flipped)', async () => {
      const forged = Uint8Array.from(kp.bytes);
      forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 0x01;
      await expectReason(
        'forged',
        keyPackageEvent30443(alice, kp, { content: b64(forged) }),
        'KeyPackage signature is invalid',
      );
    });

    it('a tampered leaf re-signed at the KeyPackage level (lifetime stretched)', async () => {
      const cs = await suite();
      const leafNode = { ...kp.publicPackage.leafNode, lifetime: { notBefore: 0n, notAfter: 2n ** 62n } };
      const tbs: KeyPackageTBS = { ...kp.publicPackage, leafNode };
      const resigned = await signKeyPackage(tbs, kp.privatePackage.signaturePrivateKey, cs.signature);
      const tampered = await describeKeyPackage(resigned, kp.privatePackage);
      await expectReason('leaf', keyPackageEvent30443(alice, tampered), 'leaf node signature is invalid');
    });

    it('truncated content', async () => {
      const ev = keyPackageEvent30443(alice, kp, { content: b64(kp.bytes.subarray(0, kp.bytes.length - 20)) });
      await expectReason('truncated', ev, 'content is not a valid MLS KeyPackage message');
    });

    it('trailing bytes after the KeyPackage', async () => {
      const ev = keyPackageEvent30443(alice, kp, { content: b64(Buffer.concat([kp.bytes, Uint8Array.of(0, 0, 0)])) });
      await expectReason('trailing', ev, 'content has 3 trailing bytes after the KeyPackage');
    });

    it('a Welcome or a Commit as content (wrong wire format)', async () => {
      const bob = mlsIdentity();
      const group = await createTestGroup(alice, await makeKeyPackage(alice));
      const added = await addMember(group, await makeKeyPackage(bob));
      await expectReason(
        'welcome',
        keyPackageEvent30443(alice, kp, { content: b64(added.welcome) }),
        'content is an MLS mls_welcome, not an mls_key_package',
      );
      const app = await createAppMessage(added.state, 'x');
      await expectReason(
        'commit',
        keyPackageEvent443(alice, kp, { content: b64(added.commit) }),
        'content is an MLS mls_private_message, not an mls_key_package',
      );
      expect(await reasonOf(keyPackageEvent30443(alice, kp, { content: b64(app.message) }))).toBe(seen.get('commit'));
    });

    it('an expired lifetime and a lifetime not yet begun', async () => {
      const at = now();
      const expired = await makeKeyPackage(alice, { lifetime: { notBefore: at - 2 * 86_400, notAfter: at - 86_400 } });
      await expectReason('expired', keyPackageEvent30443(alice, expired), 'leaf lifetime has ended', at);
      const early = await makeKeyPackage(alice, { lifetime: { notBefore: at + 86_400, notAfter: at + 2 * 86_400 } });
      await expectReason(
        'early',
        keyPackageEvent443(alice, early),
        'leaf lifetime has not begun (not_before is in the future)',
        at,
      );
    });

    it('a 443 whose exp tag is in the past, or not a number', async () => {
      await expectReason(
        'exp',
        keyPackageEvent443(alice, kp, { exp: now() - 10 }),
        'KeyPackage expired (exp tag is in the past)',
      );
      const tags = [['encoding', 'base64'], ['exp', 'tomorrow']];
      await expectReason('exp-format', keyPackageEvent443(alice, kp, { tags }), 'exp tag must be unix seconds');
    });

    it('an i tag that is not the KeyPackageRef', async () => {
      const other = await makeKeyPackage(alice);
      await expectReason(
        'i',
        keyPackageEvent30443(alice, kp, { tags: withTag(kp, ['i', other.ref]) }),
        'i tag does not match the KeyPackageRef of the content',
      );
    });

    it('a ciphersuite tag that is not the content suite', async () => {
      const ev = keyPackageEvent30443(alice, kp, { tags: withTag(kp, ['mls_ciphersuite', '0x0002']) });
      await expectReason('suite', ev, "mls_ciphersuite tag 0x0002 does not match the content's 0x0001");
    });

    it('a credential holding another key, in either dialect, and a 443 p tag naming someone else', async () => {
      const mallory = mlsIdentity();
      const stolen = await makeKeyPackage(mallory, { credential: alice.credential });
      await expectReason(
        'credential',
        keyPackageEvent30443(mallory, stolen),
        'credential identity is not the event pubkey',
      );
      expect(await reasonOf(keyPackageEvent443(mallory, stolen))).toBe(seen.get('credential'));
      await expectReason('p', keyPackageEvent443(alice, kp, { p: mallory.pk }), 'p tag must equal the event pubkey');
    });

    it('a 30443 credential that is not the raw 32-byte key', async () => {
      const hexText = await makeKeyPackage(
        alice,
        { credential: { credentialType: 'basic', identity: new TextEncoder().encode(alice.pk) } },
      );
      await expectReason(
        'credential-form',
        keyPackageEvent30443(alice, hexText),
        'credential identity must be the 32-byte account key',
      );
      // The predecessor's hex-text form is compared to the author instead.
      expect((await check(keyPackageEvent443(alice, hexText))).ok).toBe(true);
    });

    it('duplicated tags', async () => {
      await expectReason(
        'dup-i',
        keyPackageEvent30443(alice, kp, { tags: [...marmotKeyPackageTags(kp), ['i', kp.ref]] }),
        'duplicate i tag',
      );
      const twoLists = [...marmotKeyPackageTags(kp), ['mls_extensions', '0x000a']];
      expect(await reasonOf(keyPackageEvent30443(alice, kp, { tags: twoLists }))).toBe('duplicate mls_extensions tag');
      const twoExp = [['encoding', 'base64'], ['exp', String(now() + 60)], ['exp', String(now() + 9999)]];
      expect(await reasonOf(keyPackageEvent443(alice, kp, { tags: twoExp }))).toBe('duplicate exp tag');
    });

    it('missing or malformed 30443 tags', async () => {
      const noSlot = marmotKeyPackageTags(kp).filter((t) => t[0] !== 'd');
      await expectReason('no-d', keyPackageEvent30443(alice, kp, { tags: noSlot }), 'missing d tag');
      await expectReason(
        'bad-d',
        keyPackageEvent30443(alice, kp, { tags: withTag(kp, ['d', 'slot-1']) }),
        'strict profile: d tag must be 64 lowercase hex characters (rule keypackage_slot)',
        undefined,
        'strict',
      );
      await expectReason(
        'version',
        keyPackageEvent30443(alice, kp, { tags: withTag(kp, ['mls_protocol_version', '2.0']) }),
        'unsupported mls_protocol_version "2.0"',
      );
      await expectReason(
        'id-form',
        keyPackageEvent30443(alice, kp, { tags: withTag(kp, ['mls_ciphersuite', '1']) }),
        'strict profile: mls_ciphersuite value "1" is not a 0x-prefixed 4-digit lowercase hex id (rule keypackage_id_lists)',
        undefined,
        'strict',
      );
      await expectReason(
        'id-repeat',
        keyPackageEvent30443(alice, kp, { tags: withTag(kp, ['mls_extensions', '0x000a', '0x000a']) }),
        'strict profile: mls_extensions tag repeats id 0x000a (rule keypackage_id_lists)',
        undefined,
        'strict',
      );
    });

    it('bad base64, bad hex and an unsupported encoding', async () => {
      const urlSafe = b64(kp.bytes).replace(/\+/g, '-').replace(/\//g, '_') + '*';
      await expectReason(
        'base64',
        keyPackageEvent30443(alice, kp, { content: urlSafe }),
        'content is not valid base64',
      );
      await expectReason(
        'hex',
        keyPackageEvent443(alice, kp, { encoding: 'hex', content: 'zz' + Buffer.from(kp.bytes).toString('hex') }),
        'content is not valid hex',
      );
      await expectReason(
        'encoding',
        keyPackageEvent443(alice, kp, { tags: [['encoding', 'base32']] }),
        'unsupported encoding "base32" (hex or base64)',
      );
    });

    it('content over 64 KiB decoded, before parsing it', async () => {
      await expectReason(
        'size',
        keyPackageEvent30443(alice, kp, { content: 'A'.repeat(90_000) }),
        'content exceeds 65536 bytes decoded',
      );
    });

    it('a ciphersuite the relay does not know', async () => {
      const odd = Uint8Array.from(kp.bytes);
      odd[6] = 0x12;
      odd[7] = 0x34;
      await expectReason(
        'unknown-suite',
        keyPackageEvent30443(alice, kp, { content: b64(odd) }),
        'unsupported ciphersuite 0x1234',
      );
    });

    it('garbage of every shape, without throwing', async () => {
      const shapes = ['', 'AAAA', b64(new Uint8Array(300).fill(0xff)), b64(Uint8Array.of(0, 1, 0, 5, 0, 1, 0, 1, 255))];
      for (const content of shapes) {
        const result = await check(keyPackageEvent30443(alice, kp, { content }));
        expect(result.ok).toBe(false);
      }
      await expectReason('kind', { ...keyPackageEvent30443(alice, kp), kind: 1 }, 'kind 1 is not a KeyPackage');
    });

    it('gave every refusal its own reason', () => {
      const reasons = [...seen.values()];
      expect(reasons.length).toBeGreaterThanOrEqual(25);
      expect(new Set(reasons).size).toBe(reasons.length);
    });
  });
});

