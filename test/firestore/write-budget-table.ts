/**
 * Reads the write-budget tables of README.md (section "Firestore", "### Write budget"): the documents
 * each kind writes and the RPCs per accepted event. The test compares them with what the adapter does.
 */

/** One row: the kinds (or every stored kind), the document pattern (ids as `{}`), and writes per accepted event. */
export type BudgetRow = { kinds: number[] | 'all'; pattern: string; perEvent: number | 'batched' };
export type WriteBudget = { rows: BudgetRow[]; rpcs: Map<number, number> };

function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const at = lines.findIndex((l) => l.trim() === heading);
  if (at < 0) return [];
  const rows: string[][] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.startsWith('#')) break;
    if (!line.startsWith('|')) {
      if (rows.length > 0) break;
      continue;
    }
    rows.push(line.split('|').slice(1, -1).map((c) => c.trim()));
  }
  return rows.slice(2); // header and separator
}

const kindsOf = (cell: string): number[] | 'all' => (/every/.test(cell) ? 'all' : (cell.match(/\d+/g) ?? []).map(Number));
// The document id (the last segment) becomes `{}`, as documentPattern does: `events/{id}` → `events/{}`.
const patternOf = (cell: string): string => (cell.match(/`([^`]+)`/)?.[1] ?? cell).replace(/\/[^/]*$/, '/{}');

/** Parses the two tables under `### Write budget` and `### RPCs per accepted event`. */
export function readWriteBudget(readme: string): WriteBudget {
  const rows = tableAfter(readme, '### Write budget').map(([kinds = '', doc = '', writes = '']) => ({
    kinds: kindsOf(kinds),
    pattern: patternOf(doc),
    perEvent: /batched/.test(writes) ? ('batched' as const) : Number(writes.match(/[\d.]+/)?.[0] ?? Number.NaN),
  }));
  const rpcs = new Map<number, number>();
  for (const [kinds = '', n = ''] of tableAfter(readme, '### RPCs per accepted event')) {
    const kindList = kindsOf(kinds);
    if (kindList !== 'all') for (const k of kindList) rpcs.set(k, Number(n.match(/[\d.]+/)?.[0]));
  }
  return { rows, rpcs };
}
