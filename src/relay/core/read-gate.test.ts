import { describe, expect, it } from 'vitest';
import type { NostrEvent } from '../../nostr/event.js';
import { requestContext, type ReadGate } from '../hooks.js';
import { combineReadGates } from './read-gate.js';

const OWNER = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const ev = (kind: number): NostrEvent => ({ id: 'c'.repeat(64), pubkey: OWNER, created_at: 1, kind, tags: [['p', OWNER]], content: '', sig: '' });

/** A gate for `kinds` that lets only the event's p-tagged recipient read. */
const recipientsOnly = (kinds?: number[]): ReadGate => ({
  kinds,
  canRead: (ctx, e) => e.tags.some((t) => t[0] === 'p' && t[1] !== undefined && ctx.authed.has(t[1])),
});

describe('combineReadGates', () => {
  const anonymous = requestContext('1.2.3.4');
  const owner = requestContext('1.2.3.4', OWNER);
  const other = requestContext('1.2.3.4', OTHER);

  it('lets everyone read when no gate is registered', () => {
    const gate = combineReadGates([]);
    expect(gate.canRead(anonymous, ev(1059))).toBe(true);
    expect(gate.mayGate([{}])).toBe(false);
  });

  it('applies a gate to its kinds only: anonymous, another pubkey and the owner', () => {
    const gate = combineReadGates([recipientsOnly([1059])]);
    expect([anonymous, other, owner].map((ctx) => gate.canRead(ctx, ev(1059)))).toEqual([false, false, true]);
    expect([anonymous, other, owner].map((ctx) => gate.canRead(ctx, ev(1)))).toEqual([true, true, true]);
  });

  it('requires every concerned gate to allow; a gate without kinds concerns every kind', () => {
    const never: ReadGate = { kinds: [1059], canRead: () => false };
    expect(combineReadGates([recipientsOnly([1059]), never]).canRead(owner, ev(1059))).toBe(false);
    const everywhere = combineReadGates([recipientsOnly()]);
    expect(everywhere.canRead(other, ev(1))).toBe(false);
    expect(everywhere.canRead(owner, ev(1))).toBe(true);
  });

  it('sees gates registered after it was built (extensions register later)', () => {
    const gates: ReadGate[] = [];
    const gate = combineReadGates(gates);
    expect(gate.canRead(other, ev(1059))).toBe(true);
    gates.push(recipientsOnly([1059]));
    expect(gate.canRead(other, ev(1059))).toBe(false);
  });

  it('mayGate: true when a filter could reach a gated kind, so COUNT must look at the events', () => {
    const gate = combineReadGates([recipientsOnly([1059, 446])]);
    expect(gate.mayGate([{ kinds: [1] }])).toBe(false);
    expect(gate.mayGate([{ kinds: [1] }, { kinds: [446] }])).toBe(true);
    expect(gate.mayGate([{ authors: [OWNER] }])).toBe(true);
    expect(combineReadGates([recipientsOnly()]).mayGate([{ kinds: [1] }])).toBe(true);
  });
});
