import type { Counter } from 'prom-client';
import type { RelayConfig } from '../../config/types.js';
import { ACCEPT, reject } from '../../nostr/reasons.js';
import type { ChargeEvent, ChargeRequest, RejectConnection, SessionContext } from '../hooks.js';

/** Options of a TokenBucket limiter. */
export type BucketOptions = {
  /** Requests allowed per window, also the burst size. 0 means unlimited. A function is read on every use (a reloadable config key). */
  limit: number | (() => number);
  /** The window, in ms: the bucket refills `limit` tokens per `windowMs`. */
  windowMs: number;
  /** Most keys tracked at once; the least recently used are evicted first. Default 50,000. */
  maxKeys?: number;
};

type Bucket = { tokens: number; at: number };

/**
 * A token bucket per key: each key holds up to `limit` tokens, refilled continuously at
 * `limit / windowMs`; a request takes one. Memory is bounded: when `maxKeys` is reached, keys
 * whose bucket has refilled (the same as absent) are dropped, then if needed the oldest half —
 * a dropped key merely starts again with a full bucket. Pruning runs once per `maxKeys / 2` new
 * keys at most, so its cost is amortised O(1) per request.
 */
export class TokenBucket {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;

  constructor(private readonly opts: BucketOptions) {
    this.maxKeys = Math.max(2, opts.maxKeys ?? 50_000);
  }

  private get limit(): number {
    return typeof this.opts.limit === 'function' ? this.opts.limit() : this.opts.limit;
  }

  /** True when this limiter limits anything. */
  get enabled(): boolean {
    return this.limit > 0;
  }

  /** Tokens `key` has now (the limit for an unknown key). */
  available(key: string, nowMs = Date.now()): number {
    if (!this.enabled) return Number.POSITIVE_INFINITY;
    const b = this.buckets.get(key);
    return b ? this.refilled(b, nowMs) : this.limit;
  }

  /** True when `key` could take one token now (nothing is taken). */
  canTake(key: string, nowMs = Date.now()): boolean {
    return this.available(key, nowMs) >= 1;
  }

  /** Takes `cost` tokens (default one) if there are that many; false when the key is over its rate. */
  take(key: string, nowMs = Date.now(), cost = 1): boolean {
    if (this.available(key, nowMs) < cost) return false;
    this.spend(key, cost, nowMs);
    return true;
  }

  /**
   * Takes `cost` tokens whether or not there are that many (`take` checks first): the bucket may go into
   * debt, which it pays back at the refill rate (a cost known only afterwards, such as the rows a query examined).
   */
  spend(key: string, cost: number, nowMs = Date.now()): void {
    const limit = this.limit;
    if (limit <= 0 || cost <= 0) return;
    const b = this.buckets.get(key);
    if (b) {
      b.tokens = this.refilled(b, nowMs) - cost;
      b.at = nowMs;
      return;
    }
    if (this.buckets.size >= this.maxKeys) this.prune(nowMs);
    this.buckets.set(key, { tokens: limit - cost, at: nowMs });
  }

  /** Milliseconds until `key` is out of debt (0 when it is not in debt). */
  debtMs(key: string, nowMs = Date.now()): number {
    const tokens = this.available(key, nowMs);
    return tokens >= 0 ? 0 : Math.ceil((-tokens * this.opts.windowMs) / this.limit);
  }

  /** Keys tracked now. */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(b: Bucket, nowMs: number): number {
    // Multiply before dividing: a refill of exactly one token must not come out as 0.999….
    const limit = this.limit;
    return Math.min(limit, b.tokens + ((nowMs - b.at) * limit) / this.opts.windowMs);
  }

  private prune(nowMs: number): void {
    const limit = this.limit;
    for (const [key, b] of this.buckets) if (this.refilled(b, nowMs) >= limit) this.buckets.delete(key);
    let excess = this.buckets.size - Math.floor(this.maxKeys / 2);
    for (const key of this.buckets.keys()) {
      if (excess-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}

/** The `[rate_limits]` section. */
export type RateLimitConfig = RelayConfig['rate_limits'];

/** The live `[rate_limits]` section (read on every check, so a reload of the file applies at once). */
export type RateLimitSource = () => RateLimitConfig;

/** Options of the rate-limit policies. */
export type RateLimitOptions = {
  /** nostr_relay_rate_limited_total{scope}, incremented on each refusal. */
  counter?: Counter<'scope'>;
  /** Milliseconds now (tests). */
  clock?: () => number;
};

const MINUTE = 60_000;

/** The key a connection is charged to: its first authenticated pubkey, else its IP. */
export function principal(ctx: SessionContext): string {
  for (const pk of ctx.authed) return `pk:${pk}`;
  return `ip:${ctx.ip}`;
}

type Charge = { bucket: TokenBucket; key: string; scope: string; what: string };

/**
 * chargeEvent: events per minute per authenticated pubkey and per IP (per-kind budgets are the
 * extensions' own charges). Every bucket is checked before any is charged, so a refused event costs
 * nothing. Refusals are `rate-limited:`. The limits are read live from `limits`.
 */
export function limitEvents(limits: RateLimitSource, opts: RateLimitOptions = {}): ChargeEvent {
  const clock = opts.clock ?? Date.now;
  const perPubkey = new TokenBucket({ limit: () => limits().events_per_minute, windowMs: MINUTE });
  const perIp = new TokenBucket({ limit: () => limits().events_per_minute_per_ip, windowMs: MINUTE });
  return (ctx) => {
    const who = principal(ctx);
    const charges: Charge[] = [{ bucket: perIp, key: ctx.ip, scope: 'ip', what: 'events from this address' }];
    if (who.startsWith('pk:')) charges.push({ bucket: perPubkey, key: who, scope: 'pubkey', what: 'events' });
    const now = clock();
    const over = charges.find((c) => !c.bucket.canTake(c.key, now));
    if (over) {
      opts.counter?.inc({ scope: over.scope });
      return reject('rate-limited', `too many ${over.what}, slow down`);
    }
    for (const c of charges) c.bucket.take(c.key, now);
    return ACCEPT;
  };
}

/** chargeRequest: REQ and COUNT per minute per connection (`reqs_per_minute`) → `rate-limited:`. */
export function limitFilters(limits: RateLimitSource, opts: RateLimitOptions = {}): ChargeRequest {
  const clock = opts.clock ?? Date.now;
  const perConnection = new TokenBucket({ limit: () => limits().reqs_per_minute, windowMs: MINUTE });
  return (ctx) => {
    if (perConnection.take(ctx.connId, clock())) return ACCEPT;
    opts.counter?.inc({ scope: 'req' });
    return reject('rate-limited', 'too many subscriptions, slow down');
  };
}

/** rejectConnection: at most `connections_per_ip` open connections per IP in this process (0: unlimited). */
export function limitConnections(limits: RateLimitSource, opts: Pick<RateLimitOptions, 'counter'> = {}): RejectConnection {
  return (_ip, open) => {
    const max = limits().connections_per_ip;
    if (max === 0 || open < max) return undefined;
    opts.counter?.inc({ scope: 'connection' });
    return 'too many connections from this address';
  };
}
