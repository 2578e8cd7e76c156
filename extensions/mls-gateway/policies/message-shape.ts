import { isHex64, tagValues, type NostrEvent } from '../../../src/nostr/event.js';
import { ACCEPT, reason, type Reason } from '../../../src/nostr/reasons.js';
import type { RejectEvent } from '../../../src/relay/hooks.js';
import type { GatewayContext } from '../context.js';
import { isPaddedBase64 } from '../base64.js';
import { isGroupId } from '../group-id.js';
import {
  GIFT_WRAP_KIND,
  GROUP_MESSAGE_KIND,
  KEYPACKAGE_REQUEST_KIND,
  NOISE_DM_KIND,
  WELCOME_KIND,
} from '../kinds.js';
import { decide } from './counted.js';
import { strictRefusal, type Profile } from '../profile.js';

/** Smallest decoded kind 445 content: a 12-byte nonce and a 16-byte AEAD tag. */
export const MIN_GROUP_MESSAGE_BYTES = 28;

/** Bytes that a padded base64 string decodes to, or undefined when it is not base64. */
export function base64DecodedLength(text: string): number | undefined {
  if (!isPaddedBase64(text)) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

const NOSTR_GROUP_ID = /^[0-9a-f]{64}$/;
/** Tags an adopted 445 may carry besides its one `h`. */
const STRICT_GROUP_MESSAGE_TAGS = new Set(['h', 'expiration']);

/** Strict profile: one `h` of 64 lowercase hex (the nostr_group_id) and nothing but `expiration` beside it. */
function checkStrictGroupTags(ev: NostrEvent): Reason | undefined {
  const refuse = (text: string): Reason => reason('invalid', strictRefusal('group_message_tags', text));
  if (!ev.tags.every((t) => STRICT_GROUP_MESSAGE_TAGS.has(t[0] as string))) return refuse('445 may carry only h and expiration tags');
  const h = ev.tags.filter((t) => t[0] === 'h');
  if (h.length !== 1 || h[0]?.length !== 2 || !NOSTR_GROUP_ID.test(h[0][1] as string)) {
    return refuse('445 needs exactly one h tag holding 64 lowercase hex');
  }
  return undefined;
}

function checkGroupMessage(ev: NostrEvent, profile: Profile): Reason | undefined {
  const groups = tagValues(ev, 'h');
  if (groups.length !== 1) return reason('invalid', 'a group message (kind 445) needs exactly one "h" tag');
  if (profile === 'strict') {
    const bad = checkStrictGroupTags(ev);
    if (bad) return bad;
  }
  if (!isGroupId(groups[0])) return reason('invalid', 'the "h" tag must be a group id (1-128 of [0-9A-Za-z_-])');
  const bytes = base64DecodedLength(ev.content);
  if (bytes === undefined) return reason('invalid', 'a group message content must be base64');
  if (bytes < MIN_GROUP_MESSAGE_BYTES) {
    return reason('invalid', `a group message content must decode to at least ${MIN_GROUP_MESSAGE_BYTES} bytes`);
  }
  return undefined;
}

function checkRecipients(ev: NostrEvent, what: string, exactlyOne: boolean): Reason | undefined {
  const recipients = tagValues(ev, 'p');
  if (exactlyOne ? recipients.length !== 1 : recipients.length === 0) {
    return reason('invalid', `${what} needs ${exactlyOne ? 'exactly one' : 'a'} "p" tag`);
  }
  if (!recipients.every(isHex64)) return reason('invalid', `${what}: "p" must be a 64-hex pubkey`);
  return undefined;
}

function checkNoiseDm(ev: NostrEvent): Reason | undefined {
  const missing = checkRecipients(ev, 'a Noise DM (kind 446)', false);
  if (missing) return missing;
  const versions = tagValues(ev, 'v');
  if (versions.length !== 1 || versions[0] !== 'noise.1') {
    return reason('invalid', 'a Noise DM (kind 446) needs a "v" tag with value "noise.1"');
  }
  return undefined;
}

/** The rule of each kind, and its metric label. */
const RULES: Record<number, { rule: string; check: (ev: NostrEvent, profile: Profile) => Reason | undefined }> = {
  [WELCOME_KIND]: {
    rule: 'welcome_top_level',
    check: () => reason('invalid', 'a Welcome (kind 444) must be sent inside a kind 1059 gift wrap'),
  },
  [GROUP_MESSAGE_KIND]: { rule: 'group_message_shape', check: checkGroupMessage },
  [NOISE_DM_KIND]: { rule: 'noise_dm_shape', check: checkNoiseDm },
  [KEYPACKAGE_REQUEST_KIND]: {
    rule: 'keypackage_request_shape',
    check: (ev) => checkRecipients(ev, 'a KeyPackage request (kind 447)', false),
  },
  [GIFT_WRAP_KIND]: { rule: 'gift_wrap_shape', check: (ev) => checkRecipients(ev, 'a gift wrap (kind 1059)', true) },
};

/** Refuses top-level Welcomes and malformed 445/446/447/1059 with `invalid:`, under the configured profile. Pure. */
export function rejectMalformedMessages(ctx: Pick<GatewayContext, 'metrics' | 'cfg'>): RejectEvent {
  return (_session, ev) => {
    const rule = RULES[ev.kind];
    if (!rule) return ACCEPT;
    return decide(ctx.metrics, rule.rule, rule.check(ev, ctx.cfg.profile));
  };
}
