/**
 * Issue 16, item 2: refusals made before a handler runs (a full queue) or when it fails answer in
 * the form the verb calls for: CLOSED for REQ and COUNT, OK false for an EVENT, never only a NOTICE
 * (a client waits for the CLOSED or OK). These paths cannot be reached deterministically over a
 * socket, so the dispatcher runs against a session whose socket records what is sent.
 */
import pino from 'pino';
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import type { RelayContext } from '../../src/relay/context.js';
import { dispatchFrame, MAX_QUEUED_MESSAGES } from '../../src/relay/dispatch.js';
import { Session } from '../../src/relay/session.js';
import { identity, signed } from '../helpers.js';

function recordingSession() {
  const sent: unknown[][] = [];
  const ws = { bufferedAmount: 0, send: (frame: string) => void sent.push(JSON.parse(frame) as unknown[]) } as unknown as WebSocket;
  return { session: new Session('c1', '127.0.0.1', 'challenge', ws, 1 << 20, () => undefined), sent };
}

// Only what the refusal paths touch; anything else a handler reaches throws (the "handler failed" path).
const ctx = { config: { limits: { max_subid_length: 64 } }, logger: pino({ level: 'silent' }) } as unknown as RelayContext;

describe('dispatcher refusals', () => {
  it('a full queue answers REQ and COUNT with CLOSED rate-limited, EVENT with OK false', () => {
    const { session, sent } = recordingSession();
    session.queued = MAX_QUEUED_MESSAGES;
    const ev = signed(identity());
    dispatchFrame(ctx, session, JSON.stringify(['REQ', 'sub-1', {}]));
    dispatchFrame(ctx, session, JSON.stringify(['COUNT', 'n', {}]));
    dispatchFrame(ctx, session, JSON.stringify(['EVENT', ev]));
    dispatchFrame(ctx, session, JSON.stringify(['CLOSE', 'sub-1']));
    expect(sent).toEqual([
      ['CLOSED', 'sub-1', 'rate-limited: too many messages waiting on this connection'],
      ['CLOSED', 'n', 'rate-limited: too many messages waiting on this connection'],
      ['OK', ev.id, false, 'rate-limited: too many messages waiting on this connection'],
      ['NOTICE', 'rate-limited: too many messages waiting on this connection'],
    ]);
  });

  it('a handler that fails answers its REQ with CLOSED error:', async () => {
    const { session, sent } = recordingSession();
    dispatchFrame(ctx, session, JSON.stringify(['REQ', 'boom', {}]));
    await session.idle();
    expect(sent).toEqual([['CLOSED', 'boom', 'error: internal error']]);
  });
});
