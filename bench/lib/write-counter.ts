// Preloaded into a relay process by the firestore-scale benchmark (`--import`): records every Firestore RPC the
// driver sends (time, type, documents written) and writes them as JSON lines to $BENCH_WRITE_LOG_FILE when the
// process exits. Never loaded by the relay itself.
import { writeFileSync } from 'node:fs';
import { setLogFunction } from '@google-cloud/firestore';
import { parseDriverLogLine, type LoggedRpc } from './write-log.js';

/** One recorded RPC: unix ms, then what write-log parsed. */
export type RecordedRpc = LoggedRpc & { t: number };

const recorded: RecordedRpc[] = [];
setLogFunction((line) => {
  const rpc = parseDriverLogLine(line);
  if (rpc) recorded.push({ t: Date.now(), ...rpc });
});
const file = process.env.BENCH_WRITE_LOG_FILE;
if (file) process.on('exit', () => writeFileSync(file, recorded.map((r) => JSON.stringify(r)).join('\n')));
