import type { FastifyPluginAsync } from 'fastify';
import { HTTP_AUTH_WINDOW_SECONDS } from '../auth/nip98.js';
import type { RelayConfig } from '../config/types.js';
import { VERSION } from '../version.js';

/** NIP-11 options: a live config getter (relay_info is reloadable) and what extensions add. */
export type Nip11Options = {
  config: () => RelayConfig;
  contributions: () => Record<string, unknown>[];
};

/** The supported NIPs of the core. */
export const CORE_NIPS = [1, 9, 11, 40, 42, 45, 70, 86];

/** Builds the NIP-11 relay information document. */
export function relayInfo(config: RelayConfig, contributions: Record<string, unknown>[]): Record<string, unknown> {
  const nips = new Set(CORE_NIPS);
  const extra: Record<string, unknown> = {};
  for (const c of contributions) {
    for (const n of (c.supported_nips as number[] | undefined) ?? []) nips.add(n);
    for (const [k, v] of Object.entries(c)) if (k !== 'supported_nips') extra[k] = v;
  }
  const info = config.relay_info;
  const l = config.limits;
  return {
    name: info.name,
    description: info.description,
    ...(info.pubkey ? { pubkey: info.pubkey } : {}),
    ...(info.contact ? { contact: info.contact } : {}),
    ...(info.icon ? { icon: info.icon } : {}),
    supported_nips: [...nips].sort((a, b) => a - b),
    software: 'https://github.com/mls-relay/mls-relay',
    version: VERSION,
    limitation: {
      max_message_length: l.max_message_bytes,
      max_subscriptions: l.max_subscriptions,
      max_filters: l.max_filters,
      // Not in NIP-11 (this relay's own; README "Limits a client should know"): values per filter
      // field, values of one request's filters together, stored events one REQ returns in all.
      max_filter_values: l.max_filter_values,
      max_filter_values_per_request: l.max_filter_values_per_request,
      max_request_events: l.max_request_events,
      // What one member's REQs and COUNTs may cost per minute (filter values + stored rows examined; 0: no limit).
      query_rows_per_minute: config.rate_limits.query_rows_per_minute,
      max_limit: l.max_limit,
      default_limit: l.default_limit,
      max_subid_length: l.max_subid_length,
      max_event_tags: l.max_event_tags,
      max_content_length: l.max_content_bytes,
      max_tag_bytes: l.max_tag_bytes,
      created_at_lower_limit: l.created_at_past_seconds,
      created_at_upper_limit: l.created_at_future_seconds,
      auth_required: config.auth.required,
      restricted_writes: config.auth.required,
      // This relay's own (README "Discovery and inbox for outsiders"; they matter when auth_required):
      // kinds readable without an allowed identity, and whether gift wraps to members are taken from
      // anyone (and how large).
      public_read_kinds: [...config.auth.public_read_kinds],
      inbox_from_anyone: config.auth.inbox_from_anyone,
      ...(config.auth.inbox_from_anyone ? { inbox_max_bytes: config.auth.inbox_max_bytes } : {}),
      payment_required: false,
      min_pow_difficulty: 0,
    },
    // Not in NIP-11 (this relay's own, README "Limits a client should know"): NIP-98 tokens are valid
    // for window_seconds; a read's token may be used again from the same IP within it, a
    // state-changing call's never (src/auth/replay-cache.ts mayReuse).
    nip98: { window_seconds: HTTP_AUTH_WINDOW_SECONDS, read_token_reuse: 'same_ip', write_token_reuse: false },
    ...extra,
  };
}

/**
 * GET / with `Accept: application/nostr+json` answers the NIP-11 document (with CORS, as NIP-11
 * requires); other GET / requests get a one-line text page.
 */
export const nip11Plugin: FastifyPluginAsync<Nip11Options> = async (app, opts) => {
  app.options('/', async (_req, reply) => {
    reply
      .header('access-control-allow-origin', '*')
      .header('access-control-allow-headers', '*')
      .header('access-control-allow-methods', 'GET, POST, OPTIONS')
      .code(204)
      .send();
  });
  app.get('/', async (req, reply) => {
    reply.header('access-control-allow-origin', '*');
    if ((req.headers.accept ?? '').includes('application/nostr+json')) {
      return reply.type('application/nostr+json').send(JSON.stringify(relayInfo(opts.config(), opts.contributions())));
    }
    return reply.type('text/plain').send(`${opts.config().relay_info.name}: connect with a Nostr client over WebSocket.\n`);
  });
};
