// A relay started as `[server] workers = 2` in its own process (the real `start` command), and what its
// log says: which worker listens, and which worker serves a connection. Each connection authenticates as
// its own identity, and a worker's "authenticated" line carries its worker index and pid.
import { join } from 'node:path';
import { startRelayProcess, type RelayProcess, type RelayProcessOptions } from '../../bench/lib/relay-process.js';
import { shortKey } from '../../src/config/pubkeys.js';
import { TEST_RELAY_URL } from '../harness.js';
import { eventually, type Identity } from '../helpers.js';

export type LogLine = { message?: string; worker?: number; pid?: number; pubkey?: string; restartInMs?: number };

/** Where the cluster stores: a SQLite file in `dir`, or the config and environment given (Firestore). */
export type ClusterStore = { dir: string } | { config: Record<string, unknown>; env: NodeJS.ProcessEnv };

/** A cluster relay process and what its log told about it. */
export class ClusterRelay {
  private constructor(
    readonly proc: RelayProcess,
    /** Every JSON line the primary and the workers logged so far. */
    readonly lines: LogLine[],
  ) {}

  /** Starts a 2-worker relay with auth on; resolves once both workers listen. */
  static async start(store: ClusterStore, allowlist: Identity[], admin: Identity): Promise<ClusterRelay> {
    const lines: LogLine[] = [];
    const where: RelayProcessOptions = 'dir' in store ? { dbPath: join(store.dir, 'relay.db') } : { env: store.env };
    const proc = await startRelayProcess({
      ...where,
      config: {
        server: { url: TEST_RELAY_URL, workers: 2 },
        auth: { required: true, allowlist: allowlist.map((w) => w.pk), admin_pubkeys: [admin.pk] },
        logging: { level: 'info' },
        ...('config' in store ? { storage: store.config } : {}),
      },
      onLogLine: (text) => {
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          return; // not a log line
        }
        lines.push(line);
      },
    });
    const relay = new ClusterRelay(proc, lines);
    // /health answers once the first worker listens; connections made before the second one does all go to the first.
    try {
      await eventually(() => relay.listeningPids().length === 2, { timeoutMs: 60_000, what: 'both workers listening' });
    } catch (err) {
      await proc.stop('SIGKILL');
      throw err;
    }
    return relay;
  }

  /** Pids of the workers that logged they listen (one per fork, replacements included). */
  listeningPids(): number[] {
    return this.lines.filter((l) => l.message === 'cluster worker listening').map((l) => l.pid!);
  }

  /** The worker index that authenticated `who` (its connection's worker), once logged. */
  async workerOf(who: Identity): Promise<number> {
    const key = shortKey(who.pk);
    let found: LogLine | undefined;
    await eventually(() => (found = this.lines.find((l) => l.message === 'authenticated' && l.pubkey === key)) !== undefined, {
      what: `the authenticated line of ${key}`,
    });
    return found!.worker!;
  }
}
