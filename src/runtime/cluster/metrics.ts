import { AggregatorRegistry, Registry } from 'prom-client';
import { onChannel, trySend, type IpcPort } from '../../storage/sqlite/cluster-protocol.js';

/**
 * /metrics of a relay cluster: the primary serves it on the metrics listener (the workers start
 * none, so the port never collides), asking every worker for its registry's samples and adding them
 * up with prom-client's cluster aggregation (counters and histograms summed; its default process
 * metrics carry their own rules). Our own request/answer messages rather than AggregatorRegistry's
 * listeners: those throw in the primary on an answer that arrives after their timeout.
 */
const METRICS_CHANNEL = 'mls-relay:metrics';
/** How long a scrape waits for every worker; past it the scrape fails (a partial sum would look like counter resets). */
const SCRAPE_TIMEOUT_MS = 3000;

type MetricsAsk = { ch: typeof METRICS_CHANNEL; id: number };
type MetricsAnswer = { ch: typeof METRICS_CHANNEL; id: number; metrics: object[] | null };

/** A worker as the primary sees it (node:cluster's Worker fits). */
export type MetricsWorker = IpcPort;

function isAnswer(m: unknown, id: number): m is MetricsAnswer {
  return onChannel(m, METRICS_CHANNEL) && m.id === id;
}

/** The primary's registry: `metrics()` is the sum of the workers' registries at the time of the scrape. */
export class ClusterMetrics extends Registry {
  private nextId = 1;

  constructor(private readonly workers: () => MetricsWorker[]) {
    super();
  }

  override async metrics(): Promise<string> {
    const answers = await Promise.all(this.workers().filter((w) => w.isConnected()).map((w) => this.ask(w)));
    return AggregatorRegistry.aggregate(answers).metrics();
  }

  private ask(worker: MetricsWorker): Promise<object[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        worker.off('message', listener);
      };
      const listener = (m: unknown): void => {
        if (!isAnswer(m, id)) return;
        done();
        if (Array.isArray(m.metrics)) resolve(m.metrics);
        else reject(new Error('a worker could not read its metrics'));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error('a worker did not answer the metrics scrape in time'));
      }, SCRAPE_TIMEOUT_MS);
      worker.on('message', listener);
      if (!trySend(worker, { ch: METRICS_CHANNEL, id } satisfies MetricsAsk)) {
        done();
        reject(new Error('a worker could not be asked for its metrics'));
      }
    });
  }
}

/** In a worker: answers the primary's scrapes with `registry`'s samples. Returns a stop function. */
export function answerMetricsScrapes(port: IpcPort, registry: Registry): () => void {
  const listener = (m: unknown): void => {
    if (!onChannel(m, METRICS_CHANNEL)) return;
    const id = (m as MetricsAsk).id;
    // A primary that is gone gets no answer; this worker exits with it.
    const answer = (metrics: object[] | null): void => void trySend(port, { ch: METRICS_CHANNEL, id, metrics } satisfies MetricsAnswer);
    registry.getMetricsAsJSON().then(answer, () => answer(null));
  };
  port.on('message', listener);
  return () => port.off('message', listener);
}
