import { describe, expect, it } from 'vitest';
import { identity, signed } from '../../../test/helpers.js';
import type { SessionContext } from '../hooks.js';
import { LiveFanout, type Subscriber } from './live.js';
import { combineReadGates } from './read-gate.js';

/** A subscriber that records what it was sent. */
function subscriber(authed: string[] = []): Subscriber & { got: [string, string][] } {
  const got: [string, string][] = [];
  return {
    connId: `c${Math.random()}`,
    ip: '127.0.0.1',
    authed: new Set(authed),
    closed: false,
    got,
    deliver(subId, json) {
      got.push([subId, json]);
      return true;
    },
  };
}

describe('LiveFanout (the one live path)', () => {
  it('delivers a matching event once per id, whoever feeds it (local commit, remote instance)', () => {
    const fanout = new LiveFanout(combineReadGates([]));
    const alice = identity();
    const s = subscriber();
    fanout.subscribe(s, 'notes', [{ kinds: [1] }]);
    fanout.subscribe(s, 'other', [{ kinds: [7] }]);
    const ev = signed(alice, { kind: 1, content: 'hi' });
    expect(fanout.fanout(ev)).toBe(1);
    expect(fanout.fanout(ev)).toBe(0); // the same id again (e.g. the store's feed echoing it)
    expect(s.got).toHaveLength(1);
    expect(s.got[0]![0]).toBe('notes');
    expect(JSON.parse(s.got[0]![1])).toEqual(ev);
  });

  it('asks the read gate per subscriber and skips closed or unsubscribed ones', () => {
    const recipient = identity();
    const gate = combineReadGates([{ kinds: [1059], canRead: (ctx: SessionContext, ev) => ev.tags.some((t) => ctx.authed.has(t[1] ?? '')) }]);
    const fanout = new LiveFanout(gate);
    const reader = subscriber([recipient.pk]);
    const stranger = subscriber([identity().pk]);
    const gone = subscriber([recipient.pk]);
    fanout.subscribe(reader, 'w', [{ kinds: [1059] }]);
    fanout.subscribe(stranger, 'w', [{ kinds: [1059] }]);
    fanout.unsubscribe(fanout.subscribe(gone, 'w', [{ kinds: [1059] }]));
    const wrap = signed(identity(), { kind: 1059, tags: [['p', recipient.pk]] });
    expect(fanout.fanout(wrap)).toBe(1);
    expect(reader.got).toHaveLength(1);
    expect(stranger.got).toHaveLength(0);
    expect(gone.got).toHaveLength(0);
    expect(fanout.size).toBe(2);
  });

  it('runs overwriteResults hooks per subscriber and sends nothing they withhold', async () => {
    const seen: string[] = [];
    const fanout = new LiveFanout(combineReadGates([]), [
      (ctx, _filters, events, path) => {
        seen.push(`${path}`);
        return ctx.authed.size > 0 ? events : [];
      },
    ]);
    const named = subscriber([identity().pk]);
    const anonymous = subscriber();
    fanout.subscribe(named, 'k', [{ kinds: [443] }]);
    fanout.subscribe(anonymous, 'k', [{ kinds: [443] }]);
    fanout.fanout(signed(identity(), { kind: 443 }));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['live', 'live']);
    expect(named.got).toHaveLength(1);
    expect(anonymous.got).toHaveLength(0);
  });
});
