import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** URL of tsx's ESM API (its `tsImport`), used to run .ts workers in dev and tests. */
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
 * Starts a worker thread on the module `name` (without extension) that sits beside `callerUrl`
 * (the caller's `import.meta.url`). After `npm run build` both are .js. Under tsx (`npm start`)
 * or vitest they are .ts: Node 20 does not apply a `--import tsx` loader to a worker's entry
 * module, so a one-line eval bootstrap imports the worker through tsx's `tsImport` instead.
 */
export function spawnModuleWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  const isTypeScript = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}.${isTypeScript ? 'ts' : 'js'}`, callerUrl);
  if (!isTypeScript) return new Worker(entry, { workerData });
  const api = JSON.stringify(tsxApiUrl());
  const href = JSON.stringify(entry.href);
  const bootstrap = `import(${api}).then((tsx) => tsx.tsImport(${href}, ${href}));`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/**
 * Stops a worker that finishes its work on the message 'stop' and then exits: waits up to `graceMs`
 * for that exit (the worker is ref'd meanwhile, so the process stays alive until it has closed its
 * connection), then terminates it. Its 'exit' listeners are dropped first, so a planned stop is not
 * taken for a crash.
 */
export async function stopWorker(worker: Worker, graceMs: number): Promise<void> {
  worker.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.ref();
  worker.postMessage('stop');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  await worker.terminate();
}
