import type { Histogram } from 'prom-client';
import type { KeyValueStore, KvListOptions, KvUpdateFn, KvWriteOptions } from '../../src/storage/types.js';

/** Wraps a KeyValueStore so every call is observed in the gateway's db duration histogram. */
export function timedKv(kv: KeyValueStore, histogram: Histogram<'op'>): KeyValueStore {
  const time = async <T>(op: string, run: () => Promise<T>): Promise<T> => {
    const end = histogram.startTimer({ op });
    try {
      return await run();
    } finally {
      end();
    }
  };
  return {
    get: <T>(c: string, k: string) => time('get', () => kv.get<T>(c, k)),
    put: <T>(c: string, k: string, v: T, o?: KvWriteOptions) => time('put', () => kv.put<T>(c, k, v, o)),
    delete: (c: string, k: string) => time('delete', () => kv.delete(c, k)),
    list: <T>(c: string, o?: KvListOptions) => time('list', () => kv.list<T>(c, o)),
    update: <T>(c: string, k: string, fn: KvUpdateFn<T>, o?: KvWriteOptions) => time('update', () => kv.update<T>(c, k, fn, o)),
  };
}
