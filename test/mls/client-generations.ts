/**
 * KeyPackage events in the exact shapes deployed Marmot clients publish, one builder per client
 * generation (named after it), made from real ts-mls KeyPackages:
 * - MDK-era 443 (White Noise's MDK): the base64 of a bare TLS KeyPackage, `encoding` = base64,
 *   `relays`, the `mls_*` tags and NIP-70 `-`;
 * - sketch-era 30443 (marmot-ts 0.5.x): bare KeyPackage in base64, a free-text `d` slot,
 *   `encoding`, `relays`, `client`, `i`, no `mls_proposals` / `app_components`;
 * - adopted 30443 (transports/nostr.md): an MLSMessage, exactly the seven tags.
 */
import type { VerifiedEvent } from '../../src/nostr/event.js';
import { now, signed, type Identity } from '../helpers.js';
import { keyPackageEvent30443, marmotKeyPackageTags } from './marmot-events.js';
import { bareKeyPackageBytes, type TestKeyPackage } from './mls-client.js';

/** Relay hints the older clients put on their KeyPackages. */
const RELAY_HINTS = ['relays', 'wss://relay.example.com', 'wss://nos.example.org'];

function bareBase64(kp: TestKeyPackage): string {
  return Buffer.from(bareKeyPackageBytes(kp.publicPackage)).toString('base64');
}

/** MDK-era kind 443: bare KeyPackage, base64 with an `encoding` tag, relay hints, protected. */
export function mdkEra443(who: Identity, kp: TestKeyPackage): VerifiedEvent {
  return signed(who, {
    kind: 443,
    tags: [
      ['mls_protocol_version', '1.0'],
      ['mls_ciphersuite', '0x0001'],
      ['mls_extensions', '0x000a', '0xf2ee'],
      RELAY_HINTS,
      ['-'],
      ['encoding', 'base64'],
    ],
    content: bareBase64(kp),
    created_at: now(),
  });
}

/** Sketch-era kind 30443 (marmot-ts 0.5.x): bare KeyPackage, free-text slot, `encoding`, `relays`, `client`. */
export function sketchEra30443(who: Identity, kp: TestKeyPackage, slot = 'marmot-ts:device-1'): VerifiedEvent {
  return signed(who, {
    kind: 30443,
    tags: [
      ['d', slot],
      ['mls_protocol_version', '1.0'],
      ['mls_ciphersuite', '0x0001'],
      ['mls_extensions', '0x000a', '0xf2ee'],
      ['i', kp.ref],
      ['encoding', 'base64'],
      RELAY_HINTS,
      ['client', 'marmot-ts'],
    ],
    content: bareBase64(kp),
    created_at: now(),
  });
}

/** Adopted kind 30443: MLSMessage content, the seven tags of transports/nostr.md. */
export function adopted30443(who: Identity, kp: TestKeyPackage, slot?: string): VerifiedEvent {
  return keyPackageEvent30443(who, kp, slot === undefined ? {} : { tags: marmotKeyPackageTags(kp, slot) });
}
