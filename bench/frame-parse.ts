// Benchmark: the event loop's cost of reading one large REQ frame (issue 15, the hostile-queries load): the
// frame's bytes decoded into one string and parsed (the text path), against parsed element by element
// (parseLargeFrame). In-process, no relay: the same frames the hostile-queries bench sends.
import { parseClientMessage, parseLargeFrame } from '../src/nostr/frames.js';
import type { Row } from './lib/stats.js';

/** Microseconds per call of `fn` over `rounds` calls, after a warm-up, and the process's page faults per call. */
function measure(rounds: number, fn: () => unknown): { us: number; faults: number } {
  for (let i = 0; i < 50; i++) fn();
  const before = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) fn();
  const us = ((performance.now() - t0) * 1000) / rounds;
  return { us, faults: (process.resourceUsage().minorPageFault - before) / rounds };
}

/** `npm run bench -- frame-parse [rounds]`: 20 filters × `values` 64-character `#h` values, as one REQ frame. */
export async function runFrameParse(rounds: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const values of [50, 100, 200]) {
    const ids = Array.from({ length: values }, (_, i) => i.toString(16).padStart(64, 'a'));
    const frame = Buffer.from(JSON.stringify(['REQ', 'h1', ...Array.from({ length: 20 }, (_, f) => ({ '#h': ids, until: 1_700_000_000 - f }))]));
    const text = measure(rounds, () => parseClientMessage(frame.toString()));
    const elements = measure(rounds, () => parseLargeFrame(frame));
    rows.push({
      bench: 'frame-parse',
      what: `REQ of 20 filters × ${values} values (${(frame.length / 1024).toFixed(0)} KiB): one string + JSON.parse / element by element, µs per frame (page faults)`,
      result: `${text.us.toFixed(0)} (${text.faults.toFixed(0)}) / ${elements.us.toFixed(0)} (${elements.faults.toFixed(0)})`,
    });
  }
  return rows;
}
