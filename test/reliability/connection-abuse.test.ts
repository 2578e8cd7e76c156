import { afterEach, describe, expect, it } from 'vitest';
import { connect as tcpConnect, type Socket } from 'node:net';
import { RawClient, startTestRelay, waitFor, type TestRelay } from '../harness.js';
import { identity } from '../helpers.js';
import { authAs } from '../auth/e2e-support.js';

let relay: TestRelay | undefined;
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});

/** Resolves to the close code once the relay closes this client. */
function closeCode(c: RawClient): Promise<number> {
  return new Promise((resolve) => c.ws.once('close', (code) => resolve(code)));
}

function isOpen(c: RawClient): boolean {
  return c.ws.readyState === c.ws.OPEN;
}

/** Proves `c` is open and served: a frame the relay answers (with a NOTICE) gets its answer. */
async function answers(c: RawClient): Promise<boolean> {
  const notice = await c.request(['PING?'], (m) => m[0] === 'NOTICE').catch(() => undefined);
  return notice !== undefined && isOpen(c);
}

// The server's per-connection timers (auth, idle) fire in the order they were set or refreshed:
// once a later-armed connection is closed by its timer, an earlier one that is still open and
// answering was spared, not merely not yet reached. No test here sleeps to see something not happen.

/** A raw TCP socket that completes the WebSocket handshake and then never answers anything. */
async function silentWebSocket(url: string): Promise<{ sock: Socket; gone: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const sock = tcpConnect(Number(port), hostname);
  sock.on('error', () => undefined);
  const gone = new Promise<void>((r) => sock.once('close', () => r()));
  let head = '';
  sock.on('data', (d: Buffer) => {
    head += d.toString('latin1');
  });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write(
    'GET / HTTP/1.1\r\nHost: relay.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await waitFor(() => head.startsWith('HTTP/1.1 101'), 3000);
  return { sock, gone };
}

describe('connection abuse', () => {
  it('refuses connections past rate_limits.connections_per_ip and admits again when one leaves', async () => {
    relay = await startTestRelay({ overrides: { rate_limits: { connections_per_ip: 3 } } });
    const ok = await Promise.all([1, 2, 3].map(() => RawClient.open(relay!.url)));
    const fourth = await RawClient.open(relay.url);
    expect(await closeCode(fourth)).toBe(1008);
    expect(ok.every(isOpen)).toBe(true);
    ok[0]!.close();
    await waitFor(() => relay!.server.sessions.countForIp('127.0.0.1') === 2);
    const again = await RawClient.open(relay.url);
    await again.next((m) => m[0] === 'AUTH');
    expect(isOpen(again)).toBe(true);
    for (const c of [...ok, again]) c.close();
  });

  it('closes a connection that does not authenticate within auth.auth_timeout_seconds; an authenticated one stays', async () => {
    const who = identity();
    relay = await startTestRelay({
      overrides: { auth: { required: true, allowlist: [who.pk], auth_timeout_seconds: 1 }, limits: { idle_timeout_seconds: 0 } },
    });
    // The authenticated connection is opened first: its auth timer, were it still armed, would fire first.
    const authed = await RawClient.open(relay.url);
    expect((await authAs(authed, who))[0]).toBe(true);
    const anonymous = await RawClient.open(relay.url);
    expect(await closeCode(anonymous)).toBe(1008);
    expect(await answers(authed)).toBe(true);
    authed.close();
  });

  it('closes a connection idle past limits.idle_timeout_seconds unless it holds a subscription', async () => {
    relay = await startTestRelay({ overrides: { limits: { idle_timeout_seconds: 1 } } });
    // Both others are opened before `idle`: without a subscription, or without frames resetting
    // its clock, each would be closed before it.
    const subscriber = await RawClient.open(relay.url);
    await subscriber.req('live', { kinds: [1] });
    const chatty = await RawClient.open(relay.url);
    const idle = await RawClient.open(relay.url);
    let idleCode: number | undefined;
    const idleClosed = closeCode(idle).then((code) => (idleCode = code));
    // Frames reset the idle clock: chatty keeps talking, one frame after each answer, until idle is closed.
    let chattyAnswered = true;
    while (idleCode === undefined && chattyAnswered) chattyAnswered = await answers(chatty);
    await idleClosed;
    expect(idleCode).toBe(1000);
    expect(chattyAnswered).toBe(true);
    expect(await answers(chatty)).toBe(true);
    expect(await answers(subscriber)).toBe(true);
    subscriber.close();
    chatty.close();
  });

  it('pings every limits.ping_interval_seconds and drops a peer that never answers, keeping one that does', async () => {
    relay = await startTestRelay({ overrides: { limits: { ping_interval_seconds: 1, idle_timeout_seconds: 0 } } });
    const live = await RawClient.open(relay.url);
    let pings = 0;
    live.ws.on('ping', () => pings++);
    const dead = await silentWebSocket(relay.url);
    await dead.gone;
    // The dead peer missed one pong, so it went within ~2 intervals; the live one answered every ping.
    expect(pings).toBeGreaterThanOrEqual(1);
    expect(isOpen(live)).toBe(true);
    // One more ping round: a peer is pinged only if it answered the previous ping (else it is dropped).
    const seen = pings;
    await new Promise<void>((resolve) => live.ws.once('ping', () => resolve()));
    expect(pings).toBeGreaterThan(seen);
    expect(await answers(live)).toBe(true);
    live.close();
  });

  it('cuts off an HTTP client that sends its headers byte by byte (slowloris)', async () => {
    relay = await startTestRelay({ overrides: { server: { http_request_timeout_seconds: 1 } } });
    const { hostname, port } = new URL(relay.httpUrl);
    const sock = tcpConnect(Number(port), hostname);
    let reply = '';
    sock.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    sock.on('error', () => undefined);
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    let isClosed = false;
    void closed.then(() => (isClosed = true));
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const request = 'GET /health HTTP/1.1\r\nHost: relay.test\r\nX-Slow: ' + 'a'.repeat(200);
    let sentBytes = 0;
    // The attack itself: 200 ms per byte, so the request would take ~45 s to arrive. The pause is the
    // client's behaviour being simulated, not a wait for the relay; the loop ends when the relay cuts.
    for (const ch of request) {
      if (isClosed) break;
      sock.write(ch);
      sentBytes++;
      await Promise.race([closed, new Promise((r) => setTimeout(r, 200))]);
    }
    expect(isClosed).toBe(true);
    expect(sentBytes).toBeLessThan(request.length);
    expect(reply === '' || reply.startsWith('HTTP/1.1 408')).toBe(true);
    // The server itself is fine.
    expect((await fetch(`${relay.httpUrl}/health`)).status).toBe(200);
  }, 60_000);
});
