import { readFile, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from './load.js';
import type { RelayConfig } from './types.js';

/** Options of watchConfigFile. */
export type ConfigFileWatchOptions = {
  /** The config file to watch. */
  file: string;
  /** Loads and validates the whole config (so an invalid file is refused as at start). */
  load: () => RelayConfig;
  /**
   * Called with each valid config read from the file: at the first read (the file may have changed
   * between start and watch) and after every edit that changed its text.
   */
  onLoad: (config: RelayConfig) => void;
  logger: Logger;
  /** Quiet time after a change event before reading, in ms. Default 50. */
  debounceMs?: number;
  /** Poll interval of the fallback check, in ms. Default 1000. */
  pollMs?: number;
};

/** A running watcher. */
export type ConfigFileWatcher = {
  /** Re-reads now (tests, SIGHUP); resolves when done. */
  check(): Promise<void>;
  close(): void;
};

type Signature = { ino: number; mtimeMs: number; size: number };

/**
 * Watches the config file and hands every valid edit to `onLoad` (src/config/reload.ts decides
 * what it changes). Robust to editors that write a new file and rename it over the old one: it
 * watches the directory (a watch on the file would follow the replaced inode) and also polls the
 * file's inode, mtime and size every `pollMs` (fs.watch is unreliable on network and container
 * filesystems). An invalid file is logged and skipped: the running config stays.
 */
export function watchConfigFile(opts: ConfigFileWatchOptions): ConfigFileWatcher {
  const file = resolve(opts.file);
  const log = opts.logger.child({ component: 'config-watch' });
  let signature: Signature | undefined;
  let lastText: string | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const reload = async (): Promise<void> => {
    let text: string;
    try {
      const st = await stat(file);
      signature = { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size };
      text = await readFile(file, 'utf8');
    } catch (err) {
      // Mid-rename the file may be missing for a moment; the next event or poll retries.
      log.warn({ file, code: (err as NodeJS.ErrnoException).code }, 'config file unreadable, keeping the running config');
      return;
    }
    if (text === lastText) return;
    let next: RelayConfig;
    try {
      next = opts.load();
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems : [(err as Error).message];
      log.error({ file, problems }, 'config file invalid, keeping the running config');
      lastText = text;
      return;
    }
    lastText = text;
    try {
      opts.onLoad(next);
    } catch (err) {
      log.error({ file, err: (err as Error).message }, 'applying the config file failed');
    }
  };

  // Runs reloads one at a time so two edits in a row are applied in order.
  const check = (): Promise<void> => {
    running = running.then(() => (closed ? undefined : reload()));
    return running;
  };
  const schedule = () => {
    if (closed) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void check(), opts.debounceMs ?? 50);
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), (_event, name) => {
      if (name === null || name === basename(file)) schedule();
    });
    watcher.on('error', (err) => log.warn({ err: err.message }, 'fs.watch failed, relying on polling'));
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'fs.watch unavailable, relying on polling');
  }
  const poll = setInterval(() => {
    stat(file).then(
      (st) => {
        if (!signature || st.ino !== signature.ino || st.mtimeMs !== signature.mtimeMs || st.size !== signature.size) {
          schedule();
        }
      },
      () => undefined,
    );
  }, opts.pollMs ?? 1000);
  poll.unref();
  void check();

  return {
    check,
    close() {
      closed = true;
      clearTimeout(debounce);
      clearInterval(poll);
      watcher?.close();
    },
  };
}
