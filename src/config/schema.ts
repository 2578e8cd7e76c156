import { bool, choice, int, intList, reloadable, str, strList, type FieldOptions, type Infer, type Section } from './schema-dsl.js';
import { isPubkeyRef } from './pubkeys.js';
import { AUTO_BACKEND, BACKEND_NAMES } from '../verify/backend-names.js';

const pubkeys = (description: string, extra: FieldOptions = {}) =>
  strList([], description, { check: (v) => ((v as string[]).every(isPubkeyRef) ? undefined : 'npub or 64-hex pubkeys'), ...extra });

const wsUrl = (v: unknown): string | undefined => {
  try {
    const u = new URL(v as string);
    return u.protocol === 'ws:' || u.protocol === 'wss:' ? undefined : 'a ws:// or wss:// URL';
  } catch {
    return 'a ws:// or wss:// URL';
  }
};

/**
 * The core config schema: one source of truth for keys, types, defaults, env overrides and which
 * keys a hot reload applies (RelayConfig is inferred from it). Extensions add their own sections
 * (RelayExtension.config); nothing here knows them.
 */
export const coreSchema = {
  server: {
    host: str('127.0.0.1', 'Address to listen on.', { env: 'HOST' }),
    port: int(8080, 'Port to listen on (HTTP and WebSocket).', { env: 'PORT', max: 65535 }),
    url: str('ws://127.0.0.1:8080', 'Public URL clients use (NIP-42 relay tag, NIP-11, NIP-98).', {
      env: 'RELAY_URL',
      check: wsUrl,
    }),
    trust_proxy: bool(false, 'Take the client IP from X-Forwarded-For (behind Cloud Run or a proxy).', {
      env: 'RELAY_TRUST_PROXY',
    }),
    http_request_timeout_seconds: int(30, 'An HTTP request (headers and body) must arrive within this long or its socket is closed (slowloris).', {
      min: 1,
    }),
    shutdown_grace_ms: int(8000, 'How long SIGTERM waits for pending writes before closing sockets.', {
      env: 'RELAY_SHUTDOWN_GRACE_MS',
    }),
    workers: int(
      1,
      'Relay processes sharing the port (Node cluster), each with its own verify pool, like Cloud Run instances on one machine; 1 runs one process. Above 1, a primary process forks them and, with SQLite, owns the one writer of the database file (each worker reads on its own); rate and connection limits apply per worker. Needs a database file, not ":memory:". See README "Operations".',
      { min: 1, max: 64, env: 'RELAY_WORKERS' },
    ),
  },
  storage: {
    backend: choice(['sqlite', 'firestore'], 'sqlite', 'Event store backend.', { env: 'RELAY_STORAGE_BACKEND' }),
    sqlite: {
      path: str('./data/relay.db', 'SQLite database file (":memory:" for a throwaway store).', {
        env: 'RELAY_SQLITE_PATH',
      }),
      checkpoint_worker: bool(true, 'Run WAL checkpoints in a worker thread, off the event loop (false: the connection checkpoints itself, as SQLite does by default; for test relays).'),
      checkpoint_interval_ms: int(250, 'How often the checkpoint worker copies the WAL into the database file and fsyncs it. A page rewritten by several commits within one interval is copied once: 250 ms costs about 100 µs less CPU per ingested event than 50 ms (README Performance); longer also widens what a power cut may lose (never what a process crash loses: OK is sent after the WAL write).', { min: 10, max: 10_000 }),
      threads: bool(true, 'REQ/COUNT on reader threads, off the event loop, so no query stalls the relay (false: every event read and write on the relay\'s connection; for test relays and tools).'),
      reader_nice: int(10, 'Nice value of the reader threads (0-19; Linux): above 0 a REQ/COUNT yields the CPU to the event loop when both want it, so expensive reads cannot starve ingest (0: the process\'s priority).', { min: 0, max: 19 }),
      writer_thread: bool(false, 'Event writes on a writer thread of their own (with threads): pays only with a spare core; on 2 cores the handoff costs more CPU than the commit it moves.'),
    },
    firestore: {
      project_id: str('', 'Google Cloud project (defaults to GOOGLE_CLOUD_PROJECT).', {
        env: ['RELAY_FIRESTORE_PROJECT_ID', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT'],
      }),
      database_id: str('(default)', 'Firestore database id.', { env: 'RELAY_FIRESTORE_DATABASE_ID' }),
      collection_prefix: str('', 'Prefix of every collection name, so several relays can share a project.', {
        env: 'RELAY_FIRESTORE_COLLECTION_PREFIX',
      }),
      feed_shards: int(4, 'Real-time listeners of the cross-instance live feed, each on a share of the 16 event shards (1-16).', {
        min: 1,
        max: 16,
        env: 'RELAY_FIRESTORE_FEED_SHARDS',
      }),
    },
  },
  limits: reloadable({
    // The WebSocket server's hard frame cap and fastify's body limit are fixed when they start.
    max_message_bytes: int(1048576, 'Largest WebSocket frame accepted, in bytes.', { min: 1024, env: 'RELAY_MAX_MESSAGE_BYTES', reloadable: false }),
    max_unauthenticated_message_bytes: int(
      16384,
      'Largest frame from a connection without an allowed identity (when auth is required): AUTH and REQ fit in a few KiB. With auth.inbox_from_anyone, gift wraps up to auth.inbox_max_bytes are let through.',
      { min: 1024 },
    ),
    unauthenticated_bytes_per_minute_per_ip: int(
      4194304,
      'Bytes per minute one IP may send over connections without an allowed identity (when auth is required); past it the connection is closed (0: unlimited).',
    ),
    max_subscriptions: int(50, 'Open subscriptions per connection.', { min: 1 }),
    max_filters: int(100, 'Filters per REQ or COUNT (clients send dozens: NDK 25 at once). Their cost is bounded by `max_filter_values_per_request` and `max_request_events`, not by this count.', { min: 1 }),
    max_limit: int(5000, 'Largest `limit` honoured per filter (larger ones are clamped).', { min: 1 }),
    default_limit: int(500, 'Limit applied to a filter that has none.', { min: 1 }),
    max_filter_values: int(1000, 'Values per filter field (ids, authors, kinds, #x).', { min: 1 }),
    max_filter_values_per_request: int(10000, 'Values of all filters of one REQ or COUNT together (ids, authors, kinds and #x); past it the request is refused `CLOSED invalid:`.', { min: 1 }),
    max_request_events: int(10000, 'Stored events one REQ returns at most, all its filters together: when their limits add up to more, each is scaled down in proportion.', { min: 1 }),
    max_event_tags: int(2000, 'Tags per event.', { min: 1 }),
    max_content_bytes: int(1048576, 'Bytes of an event content.', { min: 1 }),
    max_tag_bytes: int(65536, 'Bytes of all tag values of an event together (keeps an event within a Firestore document).', {
      min: 1,
    }),
    max_subid_length: int(64, 'Characters of a subscription id.', { min: 1, max: 1024 }),
    query_max_rows_examined: int(
      200000,
      'Stored rows (index entries and events) one REQ or COUNT may examine on SQLite, all its filters together; past it: CLOSED "error: query too expensive".',
      { min: 1000 },
    ),
    query_statement_max_ms: int(
      30,
      'Milliseconds one SQLite statement of a REQ or COUNT may hold the event loop (the store yields between statements); past it: CLOSED "error: query too expensive".',
      { min: 1 },
    ),
    max_count: int(10000, 'COUNT examines at most this many events; a larger count is answered as this number with `approximate: true` (NIP-45).', {
      min: 1,
    }),
    created_at_past_seconds: int(94608000, 'How far in the past created_at may be (seconds).'),
    created_at_future_seconds: int(900, 'How far in the future created_at may be (seconds).'),
    max_buffered_bytes: int(8388608, 'Outbound bytes buffered for a slow client before it is disconnected.', { min: 65536 }),
    idle_timeout_seconds: int(300, 'A connection with no open subscription that sends nothing for this long is closed (0: never).'),
    // One timer for every connection, started with the WebSocket server.
    ping_interval_seconds: int(30, 'Keepalive ping interval; a connection that missed the previous pong is dropped.', { min: 1, max: 3600, reloadable: false }),
  }),
  relay_info: reloadable({
    name: str('mls-relay', 'NIP-11 name.'),
    description: str('A private relay for MLS-over-Nostr encrypted group messaging.', 'NIP-11 description.'),
    contact: str('', 'NIP-11 contact.'),
    pubkey: str('', 'NIP-11 operator pubkey (hex).'),
    icon: str('', 'NIP-11 icon URL.'),
  }),
  auth: reloadable({
    required: bool(true, 'Reads and writes need an authenticated, allowlisted pubkey (NIP-42).', {
      env: 'RELAY_AUTH_REQUIRED',
    }),
    allowlist: pubkeys('Pubkeys (npub or hex) allowed to use the relay.', { env: 'RELAY_AUTH_ALLOWLIST' }),
    admin_pubkeys: pubkeys('Pubkeys allowed to use NIP-86 management; implicitly allowlisted.', { env: 'RELAY_AUTH_ADMIN_PUBKEYS' }),
    challenge_ttl_seconds: int(600, 'How far an AUTH event created_at may be from now (seconds).', { min: 1 }),
    auth_timeout_seconds: int(60, 'When auth is required, a connection not authenticated after this long is closed (0: never).'),
    public_read_kinds: intList(
      [],
      'Kinds anyone may read without an allowed identity (e.g. profiles and relay lists [0, 10002, 10050], plus the discovery kinds an extension documents) so inviters elsewhere find them. Outsiders\' filters are narrowed to these kinds; every other kind stays private.',
      { min: 0, max: 65535, env: 'RELAY_AUTH_PUBLIC_READ_KINDS' },
    ),
    inbox_from_anyone: bool(
      false,
      'Accept a NIP-59 gift wrap addressed to an allowed member from any connection, authenticated or not (NIP-17 inbox relays); nothing else is accepted from strangers.',
      { env: 'RELAY_AUTH_INBOX_FROM_ANYONE' },
    ),
    inbox_max_bytes: int(524288, 'With inbox_from_anyone: largest gift wrap (serialized event, bytes) a stranger may deliver.', {
      min: 1024,
    }),
  }),
  rate_limits: reloadable({
    events_per_minute: int(600, 'Events per minute per authenticated pubkey (0: unlimited).'),
    events_per_minute_per_ip: int(1200, 'Events per minute per IP (0: unlimited).'),
    reqs_per_minute: int(600, 'REQ and COUNT per minute per connection (0: unlimited).'),
    query_rows_per_minute: int(
      2_000_000,
      'What the REQs and COUNTs of one authenticated pubkey (its IP when it has none) may cost per minute, all its connections together: one per filter value (a seek and a live-index entry) and one per stored row (index entry or event) their reads examine on SQLite (each request is still capped by limits.query_max_rows_examined). A member past it has its next request held until its allowance is back, or refused `rate-limited:` when that would take more than 15 s; its connection waits meanwhile. The default allows ten requests a minute that examine the most a request may, and far more of the ones clients send (0: unlimited).',
    ),
    connections_per_ip: int(100, 'Open WebSocket connections per IP (0: unlimited).'),
    http_per_minute: int(300, 'HTTP API requests per minute per IP (0: unlimited).'),
    inbox_deliveries_per_minute_per_ip: int(
      30,
      'With auth.inbox_from_anyone: gift wraps per minute per IP from connections without an allowed identity (0: unlimited).',
    ),
  }),
  extensions: {
    // The default is every extension the build registers (relaySchema fills it in).
    enabled: strList([], 'Extensions to load, by name (default: every extension this build registers).', { env: 'RELAY_EXTENSIONS' }),
  },
  logging: {
    level: choice(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info', 'pino log level.', { env: 'LOG_LEVEL' }),
  },
  metrics: {
    token: str('', 'Bearer token required by GET /metrics. Empty: /metrics is served only on the metrics listener (host, port below), not on the public port.', {
      env: 'RELAY_METRICS_TOKEN',
      secret: true,
    }),
    host: str('127.0.0.1', 'Address of the metrics listener (GET /metrics). Loopback by default: a local Prometheus or the Cloud Run Managed Prometheus sidecar scrapes it; the public port stays free of metadata.', {
      env: 'RELAY_METRICS_HOST',
    }),
    port: int(9464, 'Port of the metrics listener (0: any free port).', { env: 'RELAY_METRICS_PORT', max: 65535 }),
  },
  verify: {
    backend: choice([AUTO_BACKEND, ...BACKEND_NAMES], AUTO_BACKEND, 'Signature verification backend: "auto" takes the fastest that loads here (see bench/verify.ts); a named one that cannot load falls back to pure JS.', {
      env: 'RELAY_VERIFY_BACKEND',
    }),
    threads: int(0, 'Verification worker threads (0: one per core; with `server.workers` = N, per worker the cores divided by N, at least 1).', { max: 256, env: 'RELAY_VERIFY_THREADS' }),
    max_queue: int(4096, 'Signature checks waiting at once; past it events are answered `rate-limited:`.', { min: 1 }),
    in_process: bool(false, 'Verify on the event loop instead of worker threads (tests and tools: no worker start-up; `threads` then does not apply). A busy relay keeps the pool.'),
  },
} satisfies Section;

/** The values of the core sections, as the loader validates them. */
export type CoreConfig = Infer<typeof coreSchema>;
