import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { VerifyWorkerData } from './worker-protocol.js';

/** URL of tsx's ESM API (its `tsImport`), used to run the .ts worker in dev and tests. */
function tsxApiUrl(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    // Test runners that rewrite modules may lack import.meta.resolve; the CJS entry sits beside the ESM one.
    const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
    return pathToFileURL(cjs.replace(/\.cjs$/, '.mjs')).href;
  }
}

/**
 * Starts one verify worker thread. After `npm run build` this file is .js and so is its sibling
 * worker. Under tsx (`npm start`) or vitest it is .ts: Node 20 does not apply a `--import tsx`
 * loader to a worker's entry module, so a one-line eval bootstrap imports the worker through
 * tsx's `tsImport` instead.
 */
export function spawnVerifyWorker(data: VerifyWorkerData): Worker {
  const isTypeScript = import.meta.url.endsWith('.ts');
  const entry = new URL(isTypeScript ? './worker.ts' : './worker.js', import.meta.url);
  if (!isTypeScript) return new Worker(entry, { workerData: data });
  const api = JSON.stringify(tsxApiUrl());
  const href = JSON.stringify(entry.href);
  const bootstrap = `import(${api}).then((tsx) => tsx.tsImport(${href}, ${href}));`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}
