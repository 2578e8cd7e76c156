import type { NostrEvent, VerifiedEvent } from '../../nostr/event.js';
import type { Filter } from '../../nostr/filter.js';
import type { Reason } from '../../nostr/reasons.js';
import type { SessionContext } from '../hooks.js';
import { readFilterGated } from './gated-read.js';
import type { Subscriber } from './live.js';
import type { LiveSubscription } from './subscription-index.js';
import type { CoreParts } from './parts.js';
import { acceptEvent, checkEvent, stagePublish, type EarlierEvents, type EventCheck, type PublishOutcome, type StagedEvent } from './publish.js';
import { countStored, handOut, meteredRead, readStored, streamStored, type CountResult } from './read.js';
import { authorizeFilters, parseFilters, type Verb } from './requests.js';

export type { EarlierEvents, EventCheck, PublishOutcome, StagedEvent } from './publish.js';
export type { CountResult } from './read.js';
export type { Verb } from './requests.js';

/**
 * The relay without a transport: one pipeline for publishing, reading, counting and live delivery,
 * with every gate in it. The WebSocket session, the REST routes, the CLI and the tests are adapters
 * over it and re-implement none of its rules. An `actor` is who asks (authenticated pubkeys, IP).
 */
export class RelayCore {
  constructor(readonly parts: CoreParts) {}

  /** Id, signature and cheap duplicate check; may run ahead of the actor's earlier messages. */
  check(actor: SessionContext, raw: unknown, frame?: string): Promise<EventCheck> {
    return checkEvent(this.parts, actor, raw, frame);
  }

  /**
   * EVENT up to the writer's queue, for a transport that pipelines a connection's events into one
   * commit: `settle` each result in the actor's order (it resolves after the commit with what OK
   * must say), and wait for it before the next EVENT while `blocksNext`. `earlier` awaits the
   * actor's unsettled events.
   */
  stage(actor: SessionContext, raw: unknown, checked: Promise<EventCheck> | undefined, earlier: EarlierEvents): Promise<StagedEvent> {
    return stagePublish(this.parts, actor, raw, checked, earlier);
  }

  /** Publishes an event the caller already verified (CLI import, tests): the same policies and store. */
  publishVerified(actor: SessionContext, ev: VerifiedEvent): Promise<PublishOutcome> {
    return acceptEvent(this.parts, actor, ev);
  }

  /** Parses a REQ's or COUNT's JSON filters within the request bounds, then authorizes them. */
  async prepare(actor: SessionContext, raw: unknown[], verb: Verb): Promise<Filter[] | Reason> {
    const filters = parseFilters(this.parts, raw, verb);
    return Array.isArray(filters) ? this.authorize(actor, filters, verb) : filters;
  }

  /** rejectFilter, chargeRequest and overwriteFilters for filters built by the caller (REST). */
  authorize(actor: SessionContext, filters: Filter[], verb: Verb): Promise<Filter[] | Reason> {
    return authorizeFilters(this.parts, actor, filters, verb);
  }

  /** Stored events of authorized filters as JSON texts, newest first, in slices; stops when `signal` aborts. */
  query(actor: SessionContext, filters: Filter[], opts: { signal?: AbortSignal } = {}): AsyncGenerator<string[]> {
    return streamStored(this.parts, actor, filters, opts.signal);
  }

  /** The same events as objects (REST, tests). */
  read(actor: SessionContext, filters: Filter[], opts: { signal?: AbortSignal } = {}): Promise<NostrEvent[]> {
    return readStored(this.parts, actor, filters, opts.signal);
  }

  /**
   * The newest `want` events of one authorized filter `actor` may read (gate before the limit), not
   * yet handed out: a pager reads each filter so, then calls `handOut` with the page it keeps.
   */
  readFilter(actor: SessionContext, filter: Filter, want: number): Promise<NostrEvent[]> {
    const { limits } = this.parts.config;
    const scan = { left: Math.max(limits.max_count, limits.max_request_events, want) };
    return meteredRead(this.parts, actor, (budget) => readFilterGated(this.parts, actor, filter, want, { scan, budget }));
  }

  /** The overwriteResults hooks over events about to be handed to `actor`. */
  handOut(actor: SessionContext, filters: Filter[], events: NostrEvent[]): Promise<NostrEvent[]> {
    return handOut(this.parts, actor, filters, events);
  }

  /** NIP-45 COUNT of authorized filters, gated. */
  count(actor: SessionContext, filters: Filter[]): Promise<CountResult> {
    return countStored(this.parts, actor, filters);
  }

  /** Starts live delivery of events matching authorized filters. Register before querying, so nothing committed in between is missed. */
  subscribe(subscriber: Subscriber, subId: string, filters: Filter[]): LiveSubscription<Subscriber> {
    this.parts.metrics.subscriptionsActive.inc();
    return this.parts.live.subscribe(subscriber, subId, filters);
  }

  unsubscribe(sub: LiveSubscription<Subscriber>): void {
    this.parts.metrics.subscriptionsActive.dec();
    this.parts.live.unsubscribe(sub);
  }

  /** The entry for events committed by another instance (the store's feed): the same live path, once per id. */
  deliverRemote(ev: NostrEvent): void {
    this.parts.live.fanout(ev);
  }

  /** Removes stored events through the writer (observers hear of it). */
  remove(ids: string[]): Promise<number> {
    return this.parts.writer.remove(ids);
  }
}
