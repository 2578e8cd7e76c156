// Small statistics helpers for the benchmark tables.

/** The q-quantile (0..1) of a list of numbers, nearest-rank; NaN for an empty list. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Milliseconds with a precision that suits the magnitude. */
export function ms(v: number): string {
  if (Number.isNaN(v)) return 'n/a';
  return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
}

/** An integer with thousands separators. */
export function int(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

/** One row of the final table. */
export type Row = { bench: string; what: string; result: string; target?: string };

/** Prints rows as a Markdown table. */
export function printTable(rows: Row[]): void {
  console.log('| benchmark | measurement | result | target |');
  console.log('|---|---|---:|---|');
  for (const r of rows) console.log(`| ${r.bench} | ${r.what} | ${r.result} | ${r.target ?? ''} |`);
}

/** Load average and free memory, noted beside the figures (other work shares this machine). */
export async function machineLoad(): Promise<string> {
  const { loadavg } = await import('node:os');
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}
