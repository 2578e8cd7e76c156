import { derive } from '../../src/config/live.js';
import type { ExtensionConfig } from '../../src/config/relay-schema.js';
import { bool, choice, defaultsOf, int, type Infer, type Section } from '../../src/config/schema-dsl.js';
import { PROFILES } from './profile.js';

/** The `[mls_gateway]` config section: the one declaration of its keys, types, defaults and docs. */
export const mlsGatewaySchema = {
  enabled: bool(true, 'Load the MLS gateway rules, directory, registry and REST API.'),
  membership: choice(
    ['open', 'roster'],
    'open',
    '"open": any allowlisted member may read and write any group; "roster": only the roster members of a group (kind 450) may.',
  ),
  profile: choice(
    PROFILES,
    'compat',
    '"compat": accept the KeyPackage and group message shapes deployed Marmot clients publish (bare or MLSMessage-framed KeyPackages, free-text slots, extra tags), each fully validated; "strict": enforce every relay-checkable rule of the adopted Marmot spec. See extensions/mls-gateway/README.md.',
  ),
  predecessor_kinds: bool(
    false,
    'Under profile = "strict", still accept the predecessor\'s top-level kinds 443, 446, 447 and 450 (the compat profile always does).',
  ),
  keypackage_ttl: int(604800, 'Lifetime (seconds) of a KeyPackage that carries no expiry of its own.', { min: 60 }),
  max_keypackages_per_user: int(15, 'KeyPackages kept per owner; the oldest are trimmed beyond this.', { min: 1, max: 1000 }),
  consume_on_fetch: bool(
    false,
    "Hand each KeyPackage out once (claimed by its first requester); the owner's last one is never consumed.",
  ),
  keypackage_fetches_per_hour: int(
    30,
    'With consume_on_fetch: KeyPackage fetches per requester per hour, all owners together (0: unlimited).',
  ),
  keypackage_fetches_per_owner_per_hour: int(
    3,
    "With consume_on_fetch: fetches of one owner's KeyPackages per requester per hour (0: unlimited); keep it well below max_keypackages_per_user, so one requester cannot drain a pool.",
  ),
  low_pool_threshold: int(5, 'Owners with fewer available KeyPackages than this count as low (gauge).'),
  welcome_ttl: int(2592000, 'Seconds undelivered gift wraps (1059) and Noise DMs (446) stay in the mailbox and the store.', {
    min: 60,
  }),
  archive_ttl_days: int(30, 'Days kinds 445, 446, 447 and 1059 are kept in the archive (0: forever).'),
  group_activity_shards: int(
    8,
    "Documents a group's message counts are spread over. Each instance writes a group's counts at most once a second, to one shard picked at random: keep it at least the number of instances, so no document takes more than ~1 write/s (Firestore's sustained rate per document).",
    { min: 1, max: 64 },
  ),
  mailbox_per_sender: int(
    20,
    "Mailbox entries one sender (the delivering connection's authenticated pubkey, else its IP) may have waiting in one recipient's mailbox before the rest are listed after everyone else's (0: no cap).",
  ),
  group_messages_per_minute: int(
    300,
    'Kind 445 events per minute per authenticated pubkey (its IP when it has none; 0: unlimited). Formerly rate_limits.group_messages_per_minute.',
    { reloadable: true },
  ),
  keypackages_per_hour: int(
    100,
    'KeyPackage events (443, 30443) per hour per authenticated pubkey (its IP when it has none; 0: unlimited). Formerly rate_limits.keypackages_per_hour.',
    { reloadable: true },
  ),
} satisfies Section;

/** The validated `[mls_gateway]` section. */
export type MlsGatewayConfig = Infer<typeof mlsGatewaySchema>;

/** What the gateway contributes to the relay's config (RelayExtension.config). */
export const mlsGatewayConfig: ExtensionConfig = {
  section: 'mls_gateway',
  schema: mlsGatewaySchema,
  // Kind rate limits were core keys before the gateway owned them; old files keep loading.
  movedKeys: {
    'rate_limits.group_messages_per_minute': 'group_messages_per_minute',
    'rate_limits.keypackages_per_hour': 'keypackages_per_hour',
  },
};

/** The schema defaults, as a config. */
export function defaultMlsGatewayConfig(): MlsGatewayConfig {
  return defaultsOf(mlsGatewaySchema);
}

/**
 * The section the core validated with `mlsGatewaySchema`, over the defaults (a key the core
 * left out keeps its default; the core has already refused wrong types).
 */
export function readMlsGatewayConfig(raw: unknown): MlsGatewayConfig {
  const given = typeof raw === 'object' && raw !== null ? (raw as Partial<MlsGatewayConfig>) : {};
  return Object.freeze({ ...defaultMlsGatewayConfig(), ...given });
}

/** The live section (ExtensionDeps.liveConfig) as a config, re-read only when a reload replaced it. */
export function liveMlsGatewayConfig(source: () => unknown): () => MlsGatewayConfig {
  return derive(source, readMlsGatewayConfig);
}
