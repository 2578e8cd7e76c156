/**
 * What a connection may cost before it has an allowed identity (when auth is required): a small
 * frame cap, a per-IP byte budget, no signature work for events the relay refuses for auth anyway,
 * and a bounded share of the verifier for the strangers' inbox deliveries (issue 14, items 8 and 9).
 * A stranger can then neither pin the event loop with megabyte frames, nor grow the relay's
 * memory, nor push an allowed member's events into `rate-limited:`.
 */
import type { RelayConfig } from '../config/types.js';
import type { NostrEvent } from '../nostr/event.js';
import { reason, RelayError, type Reason } from '../nostr/reasons.js';
import type { AccessPolicy } from './context.js';
import type { SessionContext } from './hooks.js';
import { connectionAllowed } from './policies/auth.js';
import { hasAllowedIdentity, isInboxDelivery } from './policies/outsiders.js';
import { TokenBucket } from './policies/rate-limits.js';

/** What happens to a frame from a connection: handled, refused with a NOTICE, or the connection closed. */
export type FrameAdmission = { ok: true } | { ok: false; close: boolean; reason: Reason };

/** Frames one connection may have waiting before the relay stops reading its socket. */
export const TRUSTED_QUEUE_HIGH_WATER = 256;
export const UNTRUSTED_QUEUE_HIGH_WATER = 8;

/** Room for the `["EVENT", …]` around a gift wrap of auth.inbox_max_bytes. */
const FRAME_OVERHEAD_BYTES = 64;

/** The pre-auth limits of one relay; one instance per relay (its buckets and counters are shared). */
export class PreauthGuard {
  private readonly bytes: TokenBucket;
  private strangerVerifications = 0;
  /** Verifications strangers may have outstanding at once: a quarter of the verifier's queue. */
  readonly maxStrangerVerifications: number;

  /** `config` is the live config: `[auth]` and `[limits]` are read on every check, so a reload applies at once. */
  constructor(
    private readonly config: () => Pick<RelayConfig, 'auth' | 'limits' | 'verify'>,
    private readonly access: Pick<AccessPolicy, 'isAllowed'>,
  ) {
    this.bytes = new TokenBucket({ limit: () => config().limits.unauthenticated_bytes_per_minute_per_ip, windowMs: 60_000 });
    // The verifier's queue is sized at start (verify.max_queue does not reload).
    this.maxStrangerVerifications = Math.max(1, Math.floor(config().verify.max_queue / 4));
  }

  /** Largest frame an untrusted connection may send. */
  get maxUntrustedFrameBytes(): number {
    const { auth, limits } = this.config();
    const inbox = auth.inbox_from_anyone ? auth.inbox_max_bytes + FRAME_OVERHEAD_BYTES : 0;
    return Math.min(limits.max_message_bytes, Math.max(limits.max_unauthenticated_message_bytes, inbox));
  }

  /** True when the relay is open, or the connection carries an allowed identity. */
  isTrusted(session: SessionContext): boolean {
    return !this.config().auth.required || hasAllowedIdentity(this.access, session);
  }

  /** Frames the connection may have waiting before its socket is paused. */
  highWater(session: SessionContext): number {
    return this.isTrusted(session) ? TRUSTED_QUEUE_HIGH_WATER : UNTRUSTED_QUEUE_HIGH_WATER;
  }

  /** Checks a frame of `size` bytes from `session` before it is parsed. */
  admitFrame(session: SessionContext, size: number, nowMs = Date.now()): FrameAdmission {
    if (this.isTrusted(session)) return { ok: true };
    // Every byte received counts, refused frames too: they cost the event loop as much.
    if (!this.bytes.take(session.ip, nowMs, size)) {
      return { ok: false, close: true, reason: reason('rate-limited', 'too much data from this address before authentication') };
    }
    const maxBytes = this.maxUntrustedFrameBytes;
    if (size > maxBytes) {
      return { ok: false, close: false, reason: reason('invalid', `message is larger than ${maxBytes} bytes before authentication`) };
    }
    return { ok: true };
  }

  /**
   * The answer for an event the relay will refuse for auth whatever its signature (so none is
   * checked): from an untrusted connection, anything but an inbox delivery it may make.
   */
  refuseUnverified(session: SessionContext, ev: NostrEvent): Reason | undefined {
    if (this.isTrusted(session) || isInboxDelivery(this.access, this.config().auth.inbox_from_anyone, ev)) return undefined;
    const decision = connectionAllowed(this.access, session, 'publish');
    return decision.ok ? undefined : decision.reason;
  }

  /**
   * Runs a stranger's verification within the strangers' share of the verifier, so their work can
   * never fill the queue members' events need; past the share the stranger gets `rate-limited:`.
   */
  async verifyAsStranger(verify: () => Promise<boolean>): Promise<boolean> {
    if (this.strangerVerifications >= this.maxStrangerVerifications) {
      throw new RelayError('rate-limited', 'relay is busy verifying signatures from unauthenticated clients, try again shortly');
    }
    this.strangerVerifications++;
    try {
      return await verify();
    } finally {
      this.strangerVerifications--;
    }
  }
}
