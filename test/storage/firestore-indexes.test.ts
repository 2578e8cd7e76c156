import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planFilter } from '../../src/storage/firestore/event-query.js';
import { QUERY_SHAPES, SEQUENTIAL_FIELDS, type QueryShape } from '../../src/storage/firestore/query-shapes.js';
import { toEventDoc } from '../../src/storage/firestore/event-doc.js';
import { Timestamp, FieldValue } from '@google-cloud/firestore';
import type { Filter } from '../../src/nostr/filter.js';

type IndexField = { fieldPath: string; order?: 'ASCENDING' | 'DESCENDING'; arrayConfig?: 'CONTAINS' };
type CompositeIndex = { collectionGroup: string; queryScope: string; fields: IndexField[] };
type FieldOverride = { collectionGroup: string; fieldPath: string; ttl?: boolean; indexes: { order?: string; arrayConfig?: string; queryScope: string }[] };
type IndexFile = { indexes: CompositeIndex[]; fieldOverrides: FieldOverride[] };

const file = JSON.parse(readFileSync(new URL('../../config/firestore.indexes.json', import.meta.url), 'utf8')) as IndexFile;
const shapes: QueryShape[] = Object.values(QUERY_SHAPES);
const ownGroups = new Set(shapes.map((s) => s.collectionGroup).concat('coords'));

const EQUALITY = new Set(['==', 'in', 'array-contains', 'array-contains-any']);
const ARRAY = new Set(['array-contains', 'array-contains-any']);

/**
 * What Firestore needs to serve a shape: nothing beyond the automatic single-field indexes when the
 * query touches one field only (a range and order on the same field included); otherwise a
 * composite index with the equality fields first, then the inequality/order fields in order.
 */
function requirement(shape: QueryShape): { single: IndexField } | { composite: IndexField[] } {
  const fields = new Set([...shape.where.map((c) => c.field), ...(shape.orderBy ? [shape.orderBy.field] : [])]);
  const toField = (field: string): IndexField => {
    const clause = shape.where.find((c) => c.field === field);
    if (clause && ARRAY.has(clause.op)) return { fieldPath: field, arrayConfig: 'CONTAINS' };
    if (shape.orderBy?.field === field) return { fieldPath: field, order: shape.orderBy.direction === 'desc' ? 'DESCENDING' : 'ASCENDING' };
    return { fieldPath: field, order: 'ASCENDING' };
  };
  if (fields.size === 1) return { single: toField([...fields][0] as string) };
  const equality = shape.where.filter((c) => EQUALITY.has(c.op)).map((c) => c.field);
  const rest = [...fields].filter((f) => !equality.includes(f));
  return { composite: [...new Set(equality)].map(toField).concat(rest.map(toField)) };
}

function sameFields(a: IndexField[], b: IndexField[]): boolean {
  // Equality fields may come in any order in an index; the ordered tail must match exactly.
  if (a.length !== b.length) return false;
  const key = (f: IndexField): string => `${f.fieldPath}/${f.order ?? ''}/${f.arrayConfig ?? ''}`;
  const last = a.length - 1;
  return key(a[last] as IndexField) === key(b[last] as IndexField) && new Set(a.map(key)).size === new Set([...a, ...b].map(key)).size;
}

function needed(): { shape: QueryShape; fields: IndexField[] }[] {
  const out: { shape: QueryShape; fields: IndexField[] }[] = [];
  for (const shape of shapes) {
    const req = requirement(shape);
    if ('composite' in req) out.push({ shape, fields: req.composite });
  }
  return out;
}

describe('config/firestore.indexes.json', () => {
  it('has a composite index for every query shape that needs one', () => {
    const missing = needed().filter(
      ({ shape, fields }) => !file.indexes.some((ix) => ix.collectionGroup === shape.collectionGroup && ix.queryScope === 'COLLECTION' && sameFields(ix.fields, fields)),
    );
    expect(missing.map((m) => m.shape.name)).toEqual([]);
    expect(needed().length).toBeGreaterThan(0);
  });

  it('has no composite index on the backend collections that no query needs', () => {
    const extra = file.indexes.filter(
      (ix) => ownGroups.has(ix.collectionGroup) && !needed().some(({ shape, fields }) => shape.collectionGroup === ix.collectionGroup && sameFields(ix.fields, fields)),
    );
    expect(extra).toEqual([]);
  });

  it('keeps the single-field index of every single-field query (overrides may not drop it)', () => {
    for (const shape of shapes) {
      const req = requirement(shape);
      if (!('single' in req)) continue;
      const override = file.fieldOverrides.find((o) => o.collectionGroup === shape.collectionGroup && o.fieldPath === req.single.fieldPath);
      if (!override) continue; // the automatic single-field indexes apply
      const ok = override.indexes.some(
        (ix) => ix.queryScope === 'COLLECTION' && (req.single.arrayConfig ? ix.arrayConfig === 'CONTAINS' : ix.order !== undefined),
      );
      expect(ok, `${shape.name} needs the single-field index of ${req.single.fieldPath}`).toBe(true);
    }
  });

  it('exempts the single-field index of every sequential field (issue 18: ~500 writes/s per sequential index range)', () => {
    for (const [group, fields] of Object.entries(SEQUENTIAL_FIELDS)) {
      for (const field of fields) {
        const override = file.fieldOverrides.find((o) => o.collectionGroup === group && o.fieldPath === field);
        expect(override?.indexes, `${group}.${field} keeps a sequential single-field index`).toEqual([]);
      }
    }
  });

  it('serves every query on a sequential field by a composite index that starts with a non-sequential equality field', () => {
    const flagged = shapes.filter((shape) => {
      const sequential = SEQUENTIAL_FIELDS[shape.collectionGroup] ?? [];
      const touches = [...shape.where.map((c) => c.field), shape.orderBy?.field].some((f) => f !== undefined && sequential.includes(f));
      if (!touches) return false;
      const req = requirement(shape);
      if (!('composite' in req)) return true; // would need the exempted single-field index
      const first = req.composite[0] as IndexField;
      const present = file.indexes.some((ix) => ix.collectionGroup === shape.collectionGroup && sameFields(ix.fields, req.composite));
      return sequential.includes(first.fieldPath) || !present;
    });
    expect(flagged.map((s) => s.name)).toEqual([]);
  });

  it('flags a query that needs a sequential single-field index (the check itself works)', () => {
    const probe: QueryShape = { name: 'probe', collectionGroup: 'events', where: [{ field: 'stored_at', op: '>=' }] };
    const req = requirement(probe);
    expect('single' in req && (SEQUENTIAL_FIELDS.events ?? []).includes(req.single.fieldPath)).toBe(true);
  });

  it('declares every time field of an event document sequential', () => {
    const doc = toEventDoc({ id: 'a'.repeat(64), pubkey: 'b'.repeat(64), created_at: 1, kind: 1, tags: [['expiration', '9']], content: '', sig: '' }, 'i');
    const times = Object.entries(doc)
      .filter(([k, v]) => k === 'created_at' || v instanceof Timestamp || v instanceof FieldValue)
      .map(([k]) => k);
    expect(times.sort()).toEqual([...(SEQUENTIAL_FIELDS.events ?? [])].sort());
  });

  it('declares the TTL policies on expires_at of events and KV entries', () => {
    const ttl = file.fieldOverrides.filter((o) => o.ttl).map((o) => `${o.collectionGroup}.${o.fieldPath}`);
    expect(ttl.sort()).toEqual(['entries.expires_at', 'events.expires_at']);
  });

  it('fails a shape whose composite index is missing (the check itself works)', () => {
    const shape: QueryShape = { name: 'probe', collectionGroup: 'events', where: [{ field: 'd', op: '==' }], orderBy: { field: 'created_at', direction: 'desc' } };
    const req = requirement(shape);
    expect('composite' in req && file.indexes.some((ix) => sameFields(ix.fields, req.composite))).toBe(false);
  });
});

describe('query planning', () => {
  const pk = 'a'.repeat(64);
  const filters: Filter[] = [
    { ids: [pk] },
    { tags: { h: ['g'] }, kinds: [445], since: 1 },
    { tags: { p: [pk], e: [pk, pk.replace('a', 'b')] } },
    { authors: [pk], kinds: [30443], until: 5 },
    { kinds: [1059], limit: 10 },
    { since: 10, until: 20 },
    { authors: Array.from({ length: 65 }, (_, i) => i.toString(16).padStart(64, '0')) },
  ];

  it('serves every filter by a declared shape with at most 30 values per query', () => {
    for (const f of filters) {
      const plan = planFilter(f);
      if (plan.type !== 'query') continue;
      expect(shapes).toContain(plan.shape);
      for (const values of plan.chunks) for (const v of values) if (Array.isArray(v)) expect(v.length).toBeLessThanOrEqual(30);
    }
  });

  it('picks ids, then the tag with fewest values, then authors, then kinds', () => {
    expect(planFilter(filters[0] as Filter).type).toBe('ids');
    const tagPlan = planFilter(filters[2] as Filter);
    expect(tagPlan.type === 'query' && tagPlan.shape.name).toBe('eventsByTag');
    expect(tagPlan.type === 'query' && tagPlan.chunks).toEqual([[[`p:${pk}`]]]);
    const authorPlan = planFilter(filters[3] as Filter);
    expect(authorPlan.type === 'query' && authorPlan.shape.name).toBe('eventsByAuthor');
    const kindPlan = planFilter(filters[4] as Filter);
    expect(kindPlan.type === 'query' && kindPlan.shape.name).toBe('eventsByKind');
    const many = planFilter(filters[6] as Filter);
    expect(many.type === 'query' && many.chunks.length).toBe(3);
    expect(planFilter({ kinds: [] }).type).toBe('none');
  });
});
