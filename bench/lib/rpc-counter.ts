// Preloaded into a relay process by the Firestore benchmark (`--import`): counts the Firestore driver's RPCs
// (it logs one "Sending request" line per unary or streaming call) and writes the total to
// $BENCH_RPC_COUNT_FILE when the process exits. Never loaded by the relay itself.
import { writeFileSync } from 'node:fs';
import { setLogFunction } from '@google-cloud/firestore';

let rpcs = 0;
setLogFunction((line) => {
  if (line.includes('Sending request')) rpcs++;
});
const file = process.env.BENCH_RPC_COUNT_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(rpcs)));
