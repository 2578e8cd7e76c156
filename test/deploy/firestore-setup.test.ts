import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { firestoreSetupCommands, INDEXES_FILE } from '../../scripts/firestore-setup.js';

const file = JSON.parse(readFileSync(INDEXES_FILE, 'utf8')) as Parameters<typeof firestoreSetupCommands>[0];

describe('scripts/firestore-setup.ts (runbook: Firestore indexes and TTL policies)', () => {
  it('emits one composite create per index in config/firestore.indexes.json, naming every field in order', () => {
    const cmds = firestoreSetupCommands(file, { project: 'p1' }).filter((c) => c.includes('composite create'));
    expect(cmds).toHaveLength(file.indexes.length);
    file.indexes.forEach((index, i) => {
      const fieldPaths = [...cmds[i]!.matchAll(/--field-config=field-path=([\w.]+)/g)].map((m) => m[1]);
      expect(fieldPaths).toEqual(index.fields.map((f) => f.fieldPath));
      expect(cmds[i]).toContain(`--collection-group=${index.collectionGroup} `);
    });
  });

  it('enables a TTL policy for every ttl override and disables the indexes the file exempts', () => {
    const cmds = firestoreSetupCommands(file, { project: 'p1', database: 'relay-db' });
    const ttl = file.fieldOverrides.filter((o) => o.ttl);
    expect(ttl.length).toBeGreaterThan(0);
    for (const o of ttl) {
      expect(cmds).toContain(
        `gcloud firestore fields ttls update ${o.fieldPath} --project=p1 --database=relay-db --collection-group=${o.collectionGroup} --enable-ttl --async`,
      );
    }
    for (const o of file.fieldOverrides.filter((x) => x.indexes.length === 0)) {
      expect(cmds.some((c) => c.startsWith(`gcloud firestore indexes fields update ${o.fieldPath} `) && c.includes(`--collection-group=${o.collectionGroup} --disable-indexes`))).toBe(true);
    }
    // The sequential times are among them (issue 18): their single-field indexes would cap writes near 500/s.
    expect(cmds).toContain(`gcloud firestore indexes fields update created_at --project=p1 --database=relay-db --collection-group=events --disable-indexes --async`);
    expect(cmds).toContain(`gcloud firestore indexes fields update stored_at --project=p1 --database=relay-db --collection-group=events --disable-indexes --async`);
  });

  it('prefixes the events and coords collection groups, not the KV entries, and quotes the default database id for the shell', () => {
    const cmds = firestoreSetupCommands(file, { project: 'p1', prefix: 'r1_' });
    expect(cmds.filter((c) => c.includes('--collection-group=events') || c.includes('--collection-group=coords'))).toEqual([]);
    expect(cmds.some((c) => c.includes('--collection-group=r1_events'))).toBe(true);
    expect(cmds.some((c) => c.includes('--collection-group=r1_coords'))).toBe(true);
    expect(cmds.some((c) => c.includes('--collection-group=entries'))).toBe(true);
    expect(cmds.every((c) => c.includes("--database='(default)'"))).toBe(true);
  });
});
