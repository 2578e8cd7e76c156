// A lean WebSocket client for load generation: raw frames, NIP-42 auth, and callbacks keyed by event or
// subscription id (no per-message array scans, so thousands of connections fit in one generator thread).
import WebSocket from 'ws';
import type { NostrEvent } from '../../src/nostr/event.js';
import { BENCH_RELAY_URL } from './relay-process.js';
import { signEvent, type BenchIdentity } from './sign.js';

/** What OK said: accepted or not, and the message. */
export type OkReply = { ok: boolean; message: string };

/** One connection to the relay under test. */
export class BenchClient {
  private readonly oks = new Map<string, (r: OkReply) => void>();
  /** Pending REQs: resolved at EOSE, rejected at CLOSED. */
  private readonly eoses = new Map<string, { resolve: () => void; reject: (err: Error) => void }>();
  /**
   * Called for every EVENT frame: subscription id, the event, and when the frame arrived
   * (performance.now() before parsing, so a latency does not include this client's own parse).
   */
  onEvent: (subId: string, ev: NostrEvent, receivedAt: number) => void = () => {};
  private challenge?: string;
  private challengeWaiter?: (c: string) => void;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const receivedAt = performance.now();
      this.dispatch(JSON.parse(data.toString()) as unknown[], receivedAt);
    });
  }

  /** Opens a connection (no auth yet). */
  static open(url: string): Promise<BenchClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });
    const client = new BenchClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** Opens a connection and authenticates it (NIP-42) as `who`. */
  static async openAs(url: string, who: BenchIdentity): Promise<BenchClient> {
    const client = await BenchClient.open(url);
    await client.auth(who);
    return client;
  }

  private dispatch(msg: unknown[], receivedAt: number): void {
    switch (msg[0]) {
      case 'OK': {
        const cb = this.oks.get(msg[1] as string);
        if (cb) {
          this.oks.delete(msg[1] as string);
          cb({ ok: msg[2] === true, message: String(msg[3] ?? '') });
        }
        return;
      }
      case 'EVENT':
        this.onEvent(msg[1] as string, msg[2] as NostrEvent, receivedAt);
        return;
      case 'EOSE': {
        this.eoses.get(msg[1] as string)?.resolve();
        this.eoses.delete(msg[1] as string);
        return;
      }
      case 'CLOSED': {
        // Rejects the REQ's promise: thrown here, in the socket's handler, it killed the bench and left its relay running.
        this.eoses.get(msg[1] as string)?.reject(new Error(`subscription closed: ${String(msg[2])}`));
        this.eoses.delete(msg[1] as string);
        return;
      }
      case 'AUTH':
        this.challenge = msg[1] as string;
        this.challengeWaiter?.(this.challenge);
        return;
    }
  }

  /** Answers the relay's challenge with a kind 22242 event signed by `who`; rejects if refused. */
  async auth(who: BenchIdentity): Promise<void> {
    const challenge = this.challenge ?? (await new Promise<string>((r) => (this.challengeWaiter = r)));
    const ev = signEvent(who, {
      kind: 22242,
      created_at: Math.floor(Date.now() / 1000),
      tags: [['relay', BENCH_RELAY_URL], ['challenge', challenge]],
      content: '',
    });
    const reply = await this.send(['AUTH', ev], ev.id);
    if (!reply.ok) throw new Error(`auth refused: ${reply.message}`);
  }

  /** Sends a pre-serialized frame and resolves to the OK for `id`. */
  send(frame: unknown[] | string, id: string): Promise<OkReply> {
    return new Promise((resolve) => {
      this.oks.set(id, resolve);
      this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    });
  }

  /** Publishes an event and resolves to its OK. */
  publish(ev: NostrEvent): Promise<OkReply> {
    return this.send(`["EVENT",${JSON.stringify(ev)}]`, ev.id);
  }

  /** Opens a subscription and resolves at EOSE (events before it go to onEvent). */
  req(subId: string, ...filters: object[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.eoses.set(subId, { resolve, reject });
      this.ws.send(JSON.stringify(['REQ', subId, ...filters]));
    });
  }

  /** Closes a subscription. */
  closeSub(subId: string): void {
    this.ws.send(JSON.stringify(['CLOSE', subId]));
  }

  close(): void {
    this.ws.terminate();
  }
}
