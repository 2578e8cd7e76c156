/**
 * Prints the gcloud commands that create what config/firestore.indexes.json declares: composite
 * indexes, single-field index overrides and TTL policies. Generated from the file, so the runbook's
 * setup cannot drift from the indexes the queries need (test/storage/firestore-indexes.test.ts
 * checks the file against the query shapes).
 *
 *   npx tsx scripts/firestore-setup.ts --project my-project [--database '(default)'] [--prefix relay1_]
 *   npx tsx scripts/firestore-setup.ts --project my-project | sh -x     # run them
 *
 * `--prefix` is storage.firestore.collection_prefix: it renames the `events` and `coords` collection
 * groups; the KV `entries` sub-collections keep their name. Fields whose values only grow (times) have
 * their single-field indexes disabled (`--disable-indexes`): the queries on them use composite
 * indexes after the event's `shard` (see SEQUENTIAL_FIELDS in src/storage/firestore/query-shapes.ts).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type IndexField = { fieldPath: string; order?: 'ASCENDING' | 'DESCENDING'; arrayConfig?: 'CONTAINS' };
type IndexFile = {
  indexes: { collectionGroup: string; queryScope: string; fields: IndexField[] }[];
  fieldOverrides: {
    collectionGroup: string;
    fieldPath: string;
    ttl?: boolean;
    indexes: { order?: string; arrayConfig?: string; queryScope?: string }[];
  }[];
};

/** Options of firestoreSetupCommands. */
export type SetupOptions = { project: string; database?: string; prefix?: string };

/** The indexes file shipped in the repository. */
export const INDEXES_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'config', 'firestore.indexes.json');

// Top-level collections take the prefix; the KV `entries` sub-collections do not.
const PREFIXED_GROUPS = new Set(['events', 'coords']);

function quote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The gcloud commands, one per line, in the order to run them. */
export function firestoreSetupCommands(file: IndexFile, opts: SetupOptions): string[] {
  const group = (name: string) => (PREFIXED_GROUPS.has(name) ? `${opts.prefix ?? ''}${name}` : name);
  const common = `--project=${quote(opts.project)} --database=${quote(opts.database ?? '(default)')}`;
  const out: string[] = [];
  for (const index of file.indexes) {
    const fields = index.fields.map((f) =>
      f.arrayConfig ? `--field-config=field-path=${f.fieldPath},array-config=contains` : `--field-config=field-path=${f.fieldPath},order=${(f.order ?? 'ASCENDING').toLowerCase()}`,
    );
    out.push(
      `gcloud firestore indexes composite create ${common} --collection-group=${group(index.collectionGroup)} --query-scope=${index.queryScope.toLowerCase()} ${fields.join(' ')} --async`,
    );
  }
  for (const o of file.fieldOverrides) {
    const indexes =
      o.indexes.length === 0
        ? '--disable-indexes'
        : o.indexes
            .map((i) => {
              const parts = [i.order ? `order=${i.order.toLowerCase()}` : `array-config=${(i.arrayConfig ?? 'contains').toLowerCase()}`];
              if (i.queryScope) parts.push(`query-scope=${i.queryScope.toLowerCase()}`);
              return `--index=${parts.join(',')}`;
            })
            .join(' ');
    out.push(`gcloud firestore indexes fields update ${o.fieldPath} ${common} --collection-group=${group(o.collectionGroup)} ${indexes} --async`);
    if (o.ttl) out.push(`gcloud firestore fields ttls update ${o.fieldPath} ${common} --collection-group=${group(o.collectionGroup)} --enable-ttl --async`);
  }
  return out;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const project = flag(args, 'project');
  if (!project) {
    console.error("usage: npx tsx scripts/firestore-setup.ts --project ID [--database '(default)'] [--prefix P]");
    process.exit(2);
  }
  const file = JSON.parse(readFileSync(INDEXES_FILE, 'utf8')) as IndexFile;
  const database = flag(args, 'database');
  const prefix = flag(args, 'prefix');
  for (const line of firestoreSetupCommands(file, { project, ...(database ? { database } : {}), ...(prefix ? { prefix } : {}) })) {
    console.log(line);
  }
}
