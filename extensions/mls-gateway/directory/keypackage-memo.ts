import type { NostrEvent } from '../../../src/nostr/event.js';
import type { Profile } from '../profile.js';
import { validateKeyPackageEvent, type KeyPackageCheck, type KeyPackageInfo } from '../keypackage/validate.js';

/**
 * Validates KeyPackage events and remembers the result by event id for a short while, so the
 * directory update after the commit need not verify the MLS signatures a second time.
 * Bounded: the oldest results are dropped first.
 */
export class KeyPackageMemo {
  private readonly recent = new Map<string, KeyPackageInfo>();

  constructor(
    private readonly defaultTtlSeconds: number,
    private readonly profile: Profile,
    private readonly maxEntries = 1000,
  ) {}

  /** Validates `ev` at `nowSeconds`; remembers a success. */
  async validate(ev: NostrEvent, nowSeconds: number): Promise<KeyPackageCheck> {
    const result = await validateKeyPackageEvent(ev, nowSeconds, { defaultTtlSeconds: this.defaultTtlSeconds, profile: this.profile });
    if (result.ok) {
      this.recent.set(ev.id, result.info);
      if (this.recent.size > this.maxEntries) {
        const oldest = this.recent.keys().next().value;
        if (oldest !== undefined) this.recent.delete(oldest);
      }
    }
    return result;
  }

  /** The info of an event validated earlier, or validated now (a restart between validation and commit). */
  async info(ev: NostrEvent, nowSeconds: number): Promise<KeyPackageInfo | undefined> {
    const known = this.recent.get(ev.id);
    if (known) {
      this.recent.delete(ev.id);
      return known;
    }
    const result = await this.validate(ev, nowSeconds);
    this.recent.delete(ev.id);
    return result.ok ? result.info : undefined;
  }
}
