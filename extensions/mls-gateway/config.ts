import { int, type Field, type Section } from '../../src/config/schema-dsl.js';
import type { Profile } from './profile.js';

/** The `[mls_gateway]` config section: keys, types, defaults. */
export const mlsGatewaySchema: Section = {
  enabled: { type: 'boolean', default: true, description: 'Load the MLS gateway rules, directory, registry and REST API.' },
  membership: {
    type: 'string',
    default: 'open',
    oneOf: ['open', 'roster'],
    description:
      '"open": any allowlisted member may read and write any group; "roster": only the roster members of a group (kind 450) may.',
  },
  profile: {
    type: 'string',
    default: 'compat',
    oneOf: ['compat', 'strict'],
    description:
      '"compat": accept the KeyPackage and group message shapes deployed Marmot clients publish (bare or MLSMessage-framed KeyPackages, free-text slots, extra tags), each fully validated; "strict": enforce every relay-checkable rule of the adopted Marmot spec. See extensions/mls-gateway/README.md.',
  },
  predecessor_kinds: {
    type: 'boolean',
    default: false,
    description:
      'Under profile = "strict", still accept the predecessor\'s top-level kinds 443, 446, 447 and 450 (the compat profile always does).',
  },
  keypackage_ttl: int(604800, 'Lifetime (seconds) of a KeyPackage that carries no expiry of its own.', { min: 60 }),
  max_keypackages_per_user: int(15, 'KeyPackages kept per owner; the oldest are trimmed beyond this.', { min: 1, max: 1000 }),
  consume_on_fetch: {
    type: 'boolean',
    default: false,
    description: "Hand each KeyPackage out once (claimed by its first requester); the owner's last one is never consumed.",
  },
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
};

/** The validated `[mls_gateway]` section. */
export type MlsGatewayConfig = {
  readonly enabled: boolean;
  readonly membership: 'open' | 'roster';
  readonly profile: Profile;
  readonly predecessor_kinds: boolean;
  readonly keypackage_ttl: number;
  readonly max_keypackages_per_user: number;
  readonly consume_on_fetch: boolean;
  readonly keypackage_fetches_per_hour: number;
  readonly keypackage_fetches_per_owner_per_hour: number;
  readonly low_pool_threshold: number;
  readonly welcome_ttl: number;
  readonly archive_ttl_days: number;
  readonly mailbox_per_sender: number;
  readonly group_activity_shards: number;
};

/** The schema defaults, as a config. */
export function defaultMlsGatewayConfig(): MlsGatewayConfig {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(mlsGatewaySchema)) out[key] = (field as Field).default;
  return out as MlsGatewayConfig;
}

/**
 * The section the core validated with `mlsGatewaySchema`, over the defaults (a key the core
 * left out keeps its default; the core has already refused wrong types).
 */
export function readMlsGatewayConfig(raw: unknown): MlsGatewayConfig {
  const given = typeof raw === 'object' && raw !== null ? (raw as Partial<MlsGatewayConfig>) : {};
  return Object.freeze({ ...defaultMlsGatewayConfig(), ...given });
}
