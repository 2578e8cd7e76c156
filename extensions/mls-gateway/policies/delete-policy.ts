import { tagValues } from '../../../src/nostr/event.js';
import type { MayDelete } from '../../../src/relay/hooks.js';
import { GIFT_WRAP_KIND, KEYPACKAGE_REQUEST_KIND, NOISE_DM_KIND } from '../kinds.js';

const ADDRESSED_KINDS: readonly number[] = [GIFT_WRAP_KIND, NOISE_DM_KIND, KEYPACKAGE_REQUEST_KIND];

/**
 * The recipient of a gift wrap, Noise DM or KeyPackage request may delete it (NIP-09): its
 * author is a throwaway or the sender, and the recipient is the one who knows it is handled.
 */
export const recipientMayDelete: MayDelete = (deleter, target) =>
  ADDRESSED_KINDS.includes(target.kind) && tagValues(target, 'p').includes(deleter);
