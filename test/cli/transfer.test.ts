import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { emulatorHost, freshProjectId, openEmulatorStorage } from '../storage/firestore-env.js';
import { identity, now, signed } from '../helpers.js';

const run = promisify(execFile);

/** Runs the real CLI (`tsx src/main.ts …`) with a config file of the given sections. */
async function cli(sections: Record<string, unknown>, args: string[], env: NodeJS.ProcessEnv = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'transfer-cfg-')), 'relay.toml');
  writeFileSync(file, stringify({ logging: { level: 'warn' }, ...sections }));
  return run(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { ...process.env, ...env, RELAY_CONFIG: file, METADATA_SERVER_DETECTION: 'none' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

function sampleEvents() {
  const who = identity();
  const t = now() - 500;
  // Many share one second, so export paging must neither lose nor repeat ties.
  const regular = Array.from({ length: 1200 }, (_, i) => signed(who, { created_at: t + (i % 7), content: `n${i}` }));
  const profile = signed(who, { kind: 0, created_at: t, content: '{"name":"a"}' });
  return [...regular, profile];
}

describe('export and import (JSON lines)', () => {
  it('round-trips every event between two SQLite files, with a progress display, and skips what is already there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'transfer-'));
    const src = await openSqliteStorage({ path: join(dir, 'a.db') });
    const events = sampleEvents();
    await src.events.saveBatch(events.map((event) => ({ event })));
    await src.close();

    const out = join(dir, 'backup.jsonl');
    const exp = await cli({ storage: { sqlite: { path: join(dir, 'a.db') } } }, ['export', out]);
    expect(exp.stderr).toMatch(/exported 1201 events/);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id))).toEqual(new Set(events.map((e) => e.id)));

    const target = { storage: { sqlite: { path: join(dir, 'b.db') } } };
    const imp = await cli(target, ['import', out]);
    expect(imp.stderr).toMatch(/1201 saved, 0 already there/);
    const again = await cli(target, ['import', out]);
    expect(again.stderr).toMatch(/0 saved, 1201 already there/);

    const dst = await openSqliteStorage({ path: join(dir, 'b.db') });
    expect(await dst.events.count([{}])).toBe(1201);
    await dst.close();
  }, 120_000); // three CLI processes (tsx start-up each)

  it('imports through the relay\'s writer: a kind 5 in the backup deletes and tombstones what it names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'transfer-'));
    const who = identity();
    const doomed = signed(who, { content: 'doomed', created_at: now() - 10 });
    const deletion = signed(who, { kind: 5, tags: [['e', doomed.id]], created_at: now() - 5 });
    const file = join(dir, 'in.jsonl');
    writeFileSync(file, `${JSON.stringify(doomed)}\n${JSON.stringify(deletion)}\n`);
    const target = { storage: { sqlite: { path: join(dir, 'd.db') } } };
    await cli(target, ['import', file]);
    // The doomed event comes again (an older backup): refused as deleted, not stored.
    writeFileSync(file, `${JSON.stringify(doomed)}\n`);
    const again = await cli(target, ['import', file]);
    expect(again.stderr).toMatch(/0 saved, 1 already there/);
    const dst = await openSqliteStorage({ path: join(dir, 'd.db') });
    expect(await dst.events.has(doomed.id)).toBe(false);
    expect(await dst.events.has(deletion.id)).toBe(true);
    await dst.close();
  }, 120_000);

  it('refuses forged lines and reports them, importing the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'transfer-'));
    const good = signed(identity());
    const forged = { ...signed(identity()), content: 'tampered' };
    const file = join(dir, 'in.jsonl');
    writeFileSync(file, `${JSON.stringify(good)}\nnot json\n${JSON.stringify(forged)}\n`);
    const res = await cli({ storage: { sqlite: { path: join(dir, 'c.db') } } }, ['import', file]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(res?.code).toBe(1);
    expect(res?.stderr).toMatch(/line 2: not a valid/);
    expect(res?.stderr).toMatch(/line 3: not a valid/);
    expect(res?.stderr).toMatch(/1 saved, 0 already there or superseded, 2 invalid/);
  });

  it.skipIf(!emulatorHost)('migrates a SQLite backup into Firestore', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'transfer-'));
    const src = await openSqliteStorage({ path: join(dir, 'a.db') });
    const events = sampleEvents().slice(0, 300);
    await src.events.saveBatch(events.map((event) => ({ event })));
    await src.close();
    const out = join(dir, 'backup.jsonl');
    await cli({ storage: { sqlite: { path: join(dir, 'a.db') } } }, ['export', out]);
    const project = freshProjectId('transfer');
    const imp = await cli({ storage: { backend: 'firestore', firestore: { project_id: project } } }, ['import', out], {
      FIRESTORE_EMULATOR_HOST: emulatorHost!,
    });
    expect(imp.stderr).toMatch(/import done into firestore: 300 saved/);
    const fs = await openEmulatorStorage(project);
    expect(await fs.events.count([{}])).toBe(300);
    await fs.close();
  }, 120_000);
});
