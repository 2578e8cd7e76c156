import { describe, expect, it } from 'vitest';
import { ACCEPT, formatReason, reason, reject, RelayError } from './reasons.js';

describe('reasons', () => {
  it('formats as `prefix: message`', () => {
    expect(formatReason(reason('rate-limited', 'slow down'))).toBe('rate-limited: slow down');
  });

  it('reject builds a refusal; ACCEPT is frozen', () => {
    expect(reject('blocked', 'no')).toEqual({ ok: false, reason: { prefix: 'blocked', message: 'no' } });
    expect(ACCEPT).toEqual({ ok: true });
    expect(Object.isFrozen(ACCEPT)).toBe(true);
  });

  it('RelayError carries its prefix to the client', () => {
    const err = new RelayError('restricted', 'members only');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('RelayError');
    expect(err.reason).toEqual({ prefix: 'restricted', message: 'members only' });
    expect(formatReason(err.reason)).toBe('restricted: members only');
  });
});
