// Turns the RPCs recorded by write-counter.ts (in every relay process) into the figures of the firestore-scale
// benchmark: writes per document (average and peak rate), RPCs per type, the hottest documents.
import { documentPattern } from './write-log.js';
import type { RecordedRpc } from './write-counter.js';

/** One document's writes within the window. */
export type DocWrites = { path: string; pattern: string; writes: number; perSecond: number; peakPerSecond: number };

/** What the recorded RPCs of a window say. */
export type WriteStats = {
  rpcs: number;
  rpcsByType: Record<string, number>;
  writes: number;
  /** Documents by writes, most written first. */
  hottest: DocWrites[];
};

/** Figures of the RPCs recorded in [fromMs, toMs]; rates are per second of `seconds` (the traffic's length). */
export function writeStats(rpcs: RecordedRpc[], fromMs: number, toMs: number, seconds: number): WriteStats {
  const byType: Record<string, number> = {};
  const times = new Map<string, number[]>();
  let total = 0;
  let writes = 0;
  for (const rpc of rpcs) {
    if (rpc.t < fromMs || rpc.t > toMs) continue;
    total += 1;
    byType[rpc.type] = (byType[rpc.type] ?? 0) + 1;
    for (const path of rpc.writes) {
      writes += 1;
      const list = times.get(path);
      if (list) list.push(rpc.t);
      else times.set(path, [rpc.t]);
    }
  }
  const docs: DocWrites[] = [];
  for (const [path, ts] of times) {
    if (ts.length < 2) continue; // written once: never hot
    docs.push({ path, pattern: documentPattern(path), writes: ts.length, perSecond: ts.length / seconds, peakPerSecond: peak(ts) });
  }
  docs.sort((a, b) => b.writes - a.writes);
  return { rpcs: total, rpcsByType: byType, writes, hottest: docs };
}

/** The most writes that fell in any one-second window (sliding), i.e. the peak rate per second. */
function peak(ts: number[]): number {
  const sorted = [...ts].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi] as number) - (sorted[lo] as number) >= 1000) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
