/** The validated, frozen relay configuration. Keys mirror config/relay.toml (see src/config/schema.ts). */
export type RelayConfig = {
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly url: string;
    readonly trust_proxy: boolean;
    readonly http_request_timeout_seconds: number;
    readonly shutdown_grace_ms: number;
  };
  readonly storage: {
    readonly backend: 'sqlite' | 'firestore';
    readonly sqlite: { readonly path: string };
    readonly firestore: { readonly project_id: string; readonly database_id: string; readonly collection_prefix: string; readonly feed_shards: number };
  };
  readonly limits: {
    readonly max_message_bytes: number;
    readonly max_unauthenticated_message_bytes: number;
    readonly unauthenticated_bytes_per_minute_per_ip: number;
    readonly max_subscriptions: number;
    readonly max_filters: number;
    readonly max_limit: number;
    readonly default_limit: number;
    readonly max_filter_values: number;
    readonly max_filter_values_per_request: number;
    readonly max_request_events: number;
    readonly max_event_tags: number;
    readonly max_content_bytes: number;
    readonly max_tag_bytes: number;
    readonly max_subid_length: number;
    readonly max_count: number;
    readonly query_max_rows_examined: number;
    readonly query_statement_max_ms: number;
    readonly created_at_past_seconds: number;
    readonly created_at_future_seconds: number;
    readonly max_buffered_bytes: number;
    readonly idle_timeout_seconds: number;
    readonly ping_interval_seconds: number;
  };
  readonly relay_info: {
    readonly name: string;
    readonly description: string;
    readonly contact: string;
    readonly pubkey: string;
    readonly icon: string;
  };
  readonly auth: {
    readonly required: boolean;
    readonly allowlist: readonly string[];
    readonly admin_pubkeys: readonly string[];
    readonly challenge_ttl_seconds: number;
    readonly auth_timeout_seconds: number;
    readonly public_read_kinds: readonly number[];
    readonly inbox_from_anyone: boolean;
    readonly inbox_max_bytes: number;
  };
  readonly rate_limits: {
    readonly events_per_minute: number;
    readonly events_per_minute_per_ip: number;
    readonly group_messages_per_minute: number;
    readonly keypackages_per_hour: number;
    readonly reqs_per_minute: number;
    readonly connections_per_ip: number;
    readonly http_per_minute: number;
    readonly inbox_deliveries_per_minute_per_ip: number;
  };
  readonly extensions: { readonly enabled: readonly string[] };
  readonly logging: { readonly level: string };
  readonly metrics: { readonly token: string; readonly host: string; readonly port: number };
  /** Signature verification (src/verify): backend "auto" or a name from BACKEND_NAMES; threads 0 = one per core. */
  readonly verify: { readonly backend: string; readonly threads: number; readonly max_queue: number };
  /** Extension sections (e.g. `mls_gateway`), each validated by its extension's schema. */
  readonly sections: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The file this config came from, if any. */
  readonly file?: string;
};
