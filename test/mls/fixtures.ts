/**
 * Real MLS fixtures for tests (ts-mls objects, nostr-tools events): one import for the clients,
 * KeyPackages, group flows, Marmot events, gift-wrapped Welcomes and the large-group Welcome.
 */
export * from './mls-client.js';
export * from './mls-group.js';
export * from './marmot-events.js';
export * from './large-welcome.js';
export * from './client-generations.js';
