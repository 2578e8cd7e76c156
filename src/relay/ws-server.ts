import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { authChallengeFrame, noticeFrame } from '../nostr/frames.js';
import { formatReason, reason } from '../nostr/reasons.js';
import type { RelayContext } from './context.js';
import { authPrefix } from './hooks.js';
import { dispatchFrame } from './dispatch.js';
import { removeSubscription } from './req.js';
import { Session } from './session.js';
import type { SessionRegistry } from './sessions.js';

/** Options of the WebSocket side. */
export type WsServerOptions = {
  /** Client IP of a request (X-Forwarded-For aware when configured). */
  clientIp: (req: IncomingMessage) => string;
  /** Keepalive ping interval. Default `limits.ping_interval_seconds`. */
  pingIntervalMs?: number;
};

/**
 * Closes a connection that never authenticates (when auth is required) or sits idle with no
 * subscription: an open socket costs memory and a connections_per_ip slot, so an anonymous
 * or forgotten one must not hold them forever. Returns `touch` (call on every frame) and `stop`.
 */
function watchTimeouts(ctx: RelayContext, session: Session) {
  const idleMs = ctx.config.limits.idle_timeout_seconds * 1000;
  const authMs = ctx.config.auth.required ? ctx.config.auth.auth_timeout_seconds * 1000 : 0;
  const authTimer =
    authMs > 0
      ? setTimeout(() => {
          if (session.authed.size === 0) session.close(1008, formatReason(reason(authPrefix(session), 'authentication timed out')));
        }, authMs).unref()
      : undefined;
  const idleTimer =
    idleMs > 0
      ? setTimeout(function onIdle() {
          // A quiet subscriber is waiting for live events, not idle.
          if (session.subs.size > 0) idleTimer?.refresh();
          else session.close(1000, 'idle timeout');
        }, idleMs).unref()
      : undefined;
  return {
    touch: () => idleTimer?.refresh(),
    stop: () => {
      clearTimeout(authTimer);
      clearTimeout(idleTimer);
    },
  };
}

let connSeq = 0;

/** The first rejectConnection hook's refusal of a new connection from `ip`. */
function refusal(ctx: RelayContext, ip: string, open: number): string | undefined {
  for (const hook of ctx.hooks.rejectConnection) {
    const why = hook(ip, open);
    if (why) return why;
  }
  return undefined;
}

/**
 * The NIP-01 WebSocket endpoint. Frames up to `limits.max_message_bytes` are handled; larger ones
 * (up to 4× that) get a NOTICE and the connection lives on; beyond that `ws` closes with 1009.
 */
export function createWsServer(ctx: RelayContext, sessions: SessionRegistry, opts: WsServerOptions) {
  const maxBytes = ctx.config.limits.max_message_bytes;
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBytes * 4, perMessageDeflate: false });

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const ip = opts.clientIp(req);
    const refused = refusal(ctx, ip, sessions.countForIp(ip));
    if (refused) {
      ws.close(1008, refused.slice(0, 120));
      return;
    }
    const session = new Session(
      `c${++connSeq}`,
      ip,
      randomBytes(16).toString('hex'),
      ws,
      ctx.config.limits.max_buffered_bytes,
      () => ctx.metrics.slowClientsDropped.inc(),
      (s) => ctx.preauth.highWater(s),
    );
    sessions.add(session);
    ctx.metrics.connectionsActive.inc();
    ctx.metrics.connectionsTotal.inc();
    const timeouts = watchTimeouts(ctx, session);
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      timeouts.touch();
      const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
      // Before AUTH every frame counts against the IP's byte budget, oversized and binary ones too.
      const admitted = ctx.preauth.admitFrame(session, size);
      if (!admitted.ok && admitted.close) return void session.close(1008, formatReason(admitted.reason));
      if (isBinary) return void session.send(noticeFrame('invalid: binary frames are not supported'));
      if (size > maxBytes) return void session.send(noticeFrame(`invalid: message is larger than ${maxBytes} bytes`));
      if (!admitted.ok) return void session.send(noticeFrame(formatReason(admitted.reason)));
      dispatchFrame(ctx, session, data as Buffer);
    });
    ws.on('error', () => {
      // A protocol error (bad UTF-8, oversized frame) closes this socket only; nothing to do here.
    });
    ws.on('close', () => {
      timeouts.stop();
      session.markClosed();
      for (const subId of [...session.subs.keys()]) removeSubscription(ctx, session, subId);
      sessions.delete(session);
      ctx.metrics.connectionsActive.dec();
    });
    session.send(authChallengeFrame(session.challenge));
  });

  const pingTimer = setInterval(() => {
    for (const session of sessions.all()) {
      if (!session.alive) session.terminate('idle');
      else session.ping();
    }
  }, opts.pingIntervalMs ?? ctx.config.limits.ping_interval_seconds * 1000);
  pingTimer.unref();

  return {
    wss,
    handleUpgrade(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    /** Stops the keepalive timer and sends close frames to every client. */
    close(code = 1001, why = 'relay shutting down') {
      clearInterval(pingTimer);
      for (const session of sessions.all()) session.close(code, why);
      wss.close();
    },
  };
}
