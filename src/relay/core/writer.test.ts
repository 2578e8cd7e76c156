import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identity, signed } from '../../../test/helpers.js';
import { openSqliteStorage } from '../../storage/sqlite/index.js';
import type { Storage } from '../../storage/types.js';
import { deletionRule } from './deletion-rule.js';
import { Writer } from './writer.js';

const logger = pino({ level: 'silent' });

describe('Writer', () => {
  let storage: Storage;
  beforeEach(async () => {
    storage = await openSqliteStorage({ path: ':memory:' });
  });
  afterEach(async () => storage.close());

  it('commits the saves of one turn together and answers each caller after the commit', async () => {
    const writer = new Writer(storage.events, { logger });
    const alice = identity();
    const events = Array.from({ length: 5 }, (_, i) => signed(alice, { content: `n${i}` }));
    const results = await Promise.all([...events, events[0]!].map((ev) => writer.save(ev)));
    expect(results.map((r) => r.status)).toEqual(['saved', 'saved', 'saved', 'saved', 'saved', 'duplicate']);
    // Resolved means committed: a fresh read sees every saved event.
    expect(await storage.events.count([{ authors: [alice.pk] }])).toBe(5);
    expect(writer.pending).toBe(0);
  });

  it('hands the store its deletion rule: a recipient deletes only when a mayDelete hook allows it', async () => {
    const author = identity();
    const recipient = identity();
    const wrap = signed(author, { kind: 1059, tags: [['p', recipient.pk]] });
    const deletion = (by: typeof author) => signed(by, { kind: 5, tags: [['e', wrap.id]] });
    const strict = new Writer(storage.events, { logger });
    await strict.save(wrap);
    await strict.save(deletion(recipient), { ids: [wrap.id], addresses: [] });
    expect(await storage.events.has(wrap.id)).toBe(true);

    const lenient = new Writer(storage.events, { logger, mayDelete: deletionRule([{ recipientKinds: [1059] }]) });
    await lenient.save(deletion(recipient), { ids: [wrap.id], addresses: [] });
    expect(await storage.events.has(wrap.id)).toBe(false);
    // The tombstone refuses a later copy, by the same rule.
    expect((await lenient.save(wrap)).status).toBe('deleted');
  });

  it('removes through the writer and tells every onEventsDeleted observer; a failing one does not stop the rest', async () => {
    const heard: string[][] = [];
    const writer = new Writer(storage.events, {
      logger,
      onDeleted: [
        () => {
          throw new Error('observer down');
        },
        (ids) => void heard.push(ids),
      ],
    });
    const ev = signed(identity(), {});
    await writer.save(ev);
    expect(await writer.remove([ev.id])).toBe(1);
    expect(heard).toEqual([[ev.id]]);
    expect(await storage.events.has(ev.id)).toBe(false);
    expect(await writer.remove([])).toBe(0);
    expect(heard).toHaveLength(1);
  });

  it('flush resolves once everything queued is committed', async () => {
    const writer = new Writer(storage.events, { logger });
    const ev = signed(identity(), {});
    const saved = writer.save(ev);
    await writer.flush();
    expect(await storage.events.has(ev.id)).toBe(true);
    expect((await saved).status).toBe('saved');
  });
});
