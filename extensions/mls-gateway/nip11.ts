import type { Nip11Contribution } from '../../src/relay/extension.js';
import type { MlsGatewayConfig } from './config.js';
import { GATEWAY_KINDS } from './kinds.js';
import { MIN_GROUP_MESSAGE_BYTES } from './policies/message-shape.js';

/** What the gateway adds to the NIP-11 document: its kinds, rules and limits. */
export function gatewayNip11(cfg: MlsGatewayConfig): Nip11Contribution {
  return {
    supported_nips: [59],
    mls_gateway: {
      kinds: [...GATEWAY_KINDS],
      membership: cfg.membership,
      profile: cfg.profile,
      predecessor_kinds: cfg.profile === 'compat' || cfg.predecessor_kinds,
      keypackage_framings: cfg.profile === 'compat' ? ['mls_message', 'bare'] : ['mls_message'],
      keypackage_ttl: cfg.keypackage_ttl,
      max_keypackages_per_user: cfg.max_keypackages_per_user,
      consume_on_fetch: cfg.consume_on_fetch,
      welcome_ttl: cfg.welcome_ttl,
      archive_ttl_days: cfg.archive_ttl_days,
      min_group_message_bytes: MIN_GROUP_MESSAGE_BYTES,
      rest_api: '/api/v1/mls',
    },
  };
}
