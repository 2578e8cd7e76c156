import { setTimeout as delay } from 'node:timers/promises';
import { reason, type Reason } from '../../nostr/reasons.js';
import type { QueryBudget } from '../../storage/types.js';
import type { SessionContext } from '../hooks.js';
import { principal, TokenBucket } from '../policies/rate-limits.js';

/** Longest a request waits for its member's allowance; a longer wait is refused at once. */
export const MAX_QUERY_WAIT_MS = 15_000;

/** What the allowance reports (nostr_relay_query_allowance_total{outcome}). */
export type AllowanceCounter = { inc(labels: { outcome: 'delayed' | 'refused' }): void };

/**
 * What a member's REQs and COUNTs may cost per minute (`rate_limits.query_rows_per_minute`), all its
 * connections together: one per filter value (each is a seek and an entry in the live index: a
 * 20 × 200-value REQ costs the event loop milliseconds even when it matches nothing) and one per stored
 * row its reads examine. Each request is capped by its own budget (limits.query_max_rows_examined);
 * this bounds how often a member may spend it. A read's cost is known only afterwards, so the member
 * goes into debt and its next request waits until the debt is paid back: a member whose requests wait
 * for their answers is slowed to its allowance, and one that sends without waiting fills its
 * connection's queue until the relay stops reading its socket (Session backpressure) — either way the
 * reader threads and the event loop go to the other members. A wait past MAX_QUERY_WAIT_MS (debts
 * of several connections at once) is refused `rate-limited:` instead.
 */
export class QueryAllowance {
  private readonly bucket: TokenBucket;

  constructor(
    rowsPerMinute: () => number,
    private readonly counter?: AllowanceCounter,
    private readonly clock: () => number = Date.now,
  ) {
    this.bucket = new TokenBucket({ limit: rowsPerMinute, windowMs: 60_000 });
  }

  /**
   * Admits one request of `values` filter values once `actor`'s member is out of debt (at once,
   * normally) and charges them; a `rate-limited` reason when the wait would pass MAX_QUERY_WAIT_MS.
   */
  async admit(actor: SessionContext, values: number): Promise<Reason | undefined> {
    const key = principal(actor);
    const wait = this.bucket.debtMs(key, this.clock());
    if (wait > MAX_QUERY_WAIT_MS) {
      this.counter?.inc({ outcome: 'refused' });
      return reason('rate-limited', `your queries cost too much (stored rows examined, filter values), retry in ${Math.ceil(wait / 1000)} s`);
    }
    if (wait > 0) {
      this.counter?.inc({ outcome: 'delayed' });
      await delay(wait);
    }
    this.bucket.spend(key, values, this.clock());
    return undefined;
  }

  /** Runs one request's store reads with its fresh `budget` and charges the rows they examined — also when they ran out (query too expensive) or failed. */
  async metered<T>(actor: SessionContext, budget: QueryBudget, read: (budget: QueryBudget) => Promise<T>): Promise<T> {
    const start = budget.rowsLeft;
    try {
      return await read(budget);
    } finally {
      this.bucket.spend(principal(actor), start - Math.max(0, budget.rowsLeft), this.clock());
    }
  }
}
