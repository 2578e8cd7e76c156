export { openFirestoreStorage, type FirestoreStorageOptions } from './open.js';
export { FirestoreEventStore, type FirestoreEventStoreOptions } from './event-store.js';
export { FirestoreKeyValueStore } from './kv-store.js';
export { QUERY_SHAPES, type QueryShape } from './query-shapes.js';
