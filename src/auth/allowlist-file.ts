import { readFile, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from '../config/load.js';
import type { RelayConfig } from '../config/types.js';

/** The hot-reloadable auth lists read from the config file. */
export type AuthLists = { allowlist: readonly string[]; admins: readonly string[] };

/** Options of watchAllowlistFile. */
export type AllowlistWatchOptions = {
  /** The config file to watch. */
  file: string;
  /** Called with the new lists after a valid edit that changed them. */
  onChange: (lists: AuthLists) => void;
  logger: Logger;
  /**
   * Loads and validates the whole config (so an invalid file is refused as at boot). Defaults to
   * loadConfig({ file }); the composition root passes one that knows the extension sections.
   */
  load?: () => RelayConfig;
  /** The lists the relay started with; a file that differs already at the first read is applied. */
  initial?: AuthLists;
  /** Quiet time after a change event before reading, in ms. Default 50. */
  debounceMs?: number;
  /** Poll interval of the fallback check, in ms. Default 1000. */
  pollMs?: number;
};

/** A running watcher. */
export type AllowlistWatcher = {
  /** Re-reads now (tests, SIGHUP); resolves when done. */
  check(): Promise<void>;
  close(): void;
};

type Signature = { ino: number; mtimeMs: number; size: number };

function listsOf(config: RelayConfig): AuthLists {
  return { allowlist: config.auth.allowlist, admins: config.auth.admin_pubkeys };
}

function sameLists(a: AuthLists, b: AuthLists): boolean {
  const eq = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return eq(a.allowlist, b.allowlist) && eq(a.admins, b.admins);
}

/**
 * Watches the config file and applies edits of `[auth] allowlist` and `admin_pubkeys` without a
 * restart. Robust to editors that write a new file and rename it over the old one: it watches the
 * directory (a watch on the file would follow the replaced inode) and also polls the file's
 * inode, mtime and size every `pollMs` (fs.watch is unreliable on network and container
 * filesystems). Only the reloadable auth keys are taken; an invalid file keeps the old lists and
 * logs why.
 */
export function watchAllowlistFile(opts: AllowlistWatchOptions): AllowlistWatcher {
  const file = resolve(opts.file);
  const load = opts.load ?? (() => loadConfig({ file }));
  const log = opts.logger.child({ component: 'allowlist-watch' });
  let current: AuthLists | undefined = opts.initial;
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
      log.warn({ file, code: (err as NodeJS.ErrnoException).code }, 'config file unreadable, keeping the current allowlist');
      return;
    }
    if (text === lastText) return;
    let next: AuthLists;
    try {
      next = listsOf(load());
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems : [(err as Error).message];
      log.error({ file, problems }, 'config file invalid, keeping the current allowlist');
      lastText = text;
      return;
    }
    lastText = text;
    if (current && sameLists(current, next)) return;
    const first = current === undefined;
    current = next;
    if (first) return;
    log.info({ allowlist: next.allowlist.length, admins: next.admins.length }, 'allowlist reloaded');
    opts.onChange(next);
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
