import { setTimeout as delay } from 'node:timers/promises';
import { RelayError } from '../../nostr/reasons.js';
import type { QueryBudget } from '../../storage/types.js';
import type { SessionContext } from '../hooks.js';
import { principal, TokenBucket } from '../policies/rate-limits.js';

/** Longest a request waits for its member's allowance; a longer wait is refused at once. */
export const MAX_QUERY_WAIT_MS = 15_000;

/** What the allowance reports (nostr_relay_query_allowance_total{outcome}). */
export type AllowanceCounter = { inc(labels: { outcome: 'delayed' | 'refused' }): void };

/**
 * The stored rows a member's REQs and COUNTs may examine per minute (`rate_limits.query_rows_per_minute`),
 * all its connections together. Each request is capped by its own budget (limits.query_max_rows_examined);
 * this bounds how often a member may spend it. A request's cost is known only afterwards, so the member
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
   * Resolves once `actor`'s member is out of debt (at once, normally), or when `signal` aborts;
   * throws a `rate-limited` RelayError when that would take longer than MAX_QUERY_WAIT_MS.
   */
  async admit(actor: SessionContext, signal?: AbortSignal): Promise<void> {
    const wait = this.bucket.debtMs(principal(actor), this.clock());
    if (wait === 0) return;
    if (wait > MAX_QUERY_WAIT_MS) {
      this.counter?.inc({ outcome: 'refused' });
      throw new RelayError('rate-limited', `your queries examined too many stored rows, retry in ${Math.ceil(wait / 1000)} s`);
    }
    this.counter?.inc({ outcome: 'delayed' });
    // An abort (CLOSE, a closed connection) ends the wait; the read then finds the signal aborted.
    await delay(wait, undefined, signal ? { signal } : {}).catch(() => undefined);
  }

  /** Charges the rows one request examined to `actor`'s member. */
  spend(actor: SessionContext, rows: number): void {
    this.bucket.spend(principal(actor), rows, this.clock());
  }

  /**
   * Runs one request's reads under the allowance: waits for admission, gives `read` the request's
   * fresh budget, and charges what it examined — also when it ran out (query too expensive) or failed.
   */
  async metered<T>(actor: SessionContext, budget: QueryBudget, read: (budget: QueryBudget) => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.admit(actor, signal);
    const start = budget.rowsLeft;
    try {
      return await read(budget);
    } finally {
      this.spend(actor, start - Math.max(0, budget.rowsLeft));
    }
  }
}
