/**
 * Reader threads run at a lower CPU priority (storage.sqlite.reader_nice): their nice value is their
 * own, the relay's event loop keeps the process's. Read from /proc, as the scheduler sees it (Linux).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';

/** The nice value in a /proc stat file (field 19; the fields after the command name, which may hold spaces, start at 3). */
function niceOf(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** The nice value of each thread of this process. */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => niceOf(`/proc/self/task/${tid}/stat`));
}

const dir = mkdtempSync(join(tmpdir(), 'mls-relay-nice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(existsSync('/proc/thread-self'))('reader threads yield the CPU to the event loop', () => {
  it('runs each reader thread at the configured nice value and leaves every other thread as it was', async () => {
    const before = threadNices().filter((n) => n === 7).length;
    const storage = await openSqliteStorage({ path: join(dir, 'relay.db'), checkpointWorker: false, readers: 2, readerNice: 7 });
    try {
      // The store still answers reads on those threads.
      expect(await storage.events.query([{ kinds: [1], limit: 1 }])).toEqual([]);
      expect(threadNices().filter((n) => n === 7).length - before).toBe(2);
      // The main thread (the event loop) keeps the process's priority.
      expect(niceOf(`/proc/self/task/${process.pid}/stat`)).toBe(0);
    } finally {
      await storage.close();
    }
  });
});
