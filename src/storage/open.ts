import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RelayConfig } from '../config/types.js';
import type { PrimaryPort } from './sqlite/cluster-protocol.js';
import type { SqliteStorageOptions } from './sqlite/index.js';
import type { Storage } from './types.js';

/**
 * Opens the configured backend. Only the chosen backend's driver is loaded. `primary`: this process
 * is a cluster worker and, on SQLite, writes events through the primary (openSqliteStorage); a
 * Firestore worker is one more instance and needs nothing else.
 */
export async function openStorage(config: RelayConfig, logger?: Logger, primary?: PrimaryPort): Promise<Storage> {
  if (config.storage.backend === 'firestore') {
    const { openFirestoreStorage } = await import('./firestore/index.js');
    const fs = config.storage.firestore;
    return openFirestoreStorage({
      projectId: fs.project_id,
      databaseId: fs.database_id,
      collectionPrefix: fs.collection_prefix,
      feedShards: fs.feed_shards,
      // Each process marks what it stores, so its own watcher skips its own events: they are fanned
      // out once, locally, after the observers ran (a remote echo could overtake them).
      instanceId: randomUUID(),
      logger,
    });
  }
  const { openSqliteStorage } = await import('./sqlite/index.js');
  return openSqliteStorage({ ...sqliteStorageOptions(config, logger), ...(primary ? { primary } : {}) });
}

/** `[storage.sqlite]` as the SQLite store takes it: a single relay's store and a cluster primary's writer read the same keys. */
export function sqliteStorageOptions(config: RelayConfig, logger?: Logger): SqliteStorageOptions {
  const sqlite = config.storage.sqlite;
  return {
    path: sqlite.path,
    checkpointWorker: sqlite.checkpoint_worker,
    checkpointIntervalMs: sqlite.checkpoint_interval_ms,
    threads: sqlite.threads,
    writerThread: sqlite.writer_thread,
    readerNice: sqlite.reader_nice,
    onCheckpointFailure: (why) => logger?.warn({ err: why }, 'sqlite WAL checkpoint worker failed; checkpointing on the writing connection'),
  };
}
