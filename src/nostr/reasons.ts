/** Machine-readable prefixes of OK and CLOSED messages (NIP-01, NIP-42). The only place they are spelled. */
export type ReasonPrefix =
  | 'duplicate'
  | 'pow'
  | 'blocked'
  | 'rate-limited'
  | 'invalid'
  | 'restricted'
  | 'auth-required'
  | 'unsupported'
  | 'error';

/** A reason is a prefixed, human-readable message: `invalid: bad signature`. */
export type Reason = { prefix: ReasonPrefix; message: string };

/** Builds a reason. */
export function reason(prefix: ReasonPrefix, message: string): Reason {
  return { prefix, message };
}

/** The wire form `prefix: message`. */
export function formatReason(r: Reason): string {
  return `${r.prefix}: ${r.message}`;
}

/** A decision of a policy: accept, or reject with a reason. */
export type Decision = { ok: true } | { ok: false; reason: Reason };

export const ACCEPT: Decision = Object.freeze({ ok: true });

/** Rejects with a prefixed reason. */
export function reject(prefix: ReasonPrefix, message: string): Decision {
  return { ok: false, reason: reason(prefix, message) };
}

/** An error that carries a prefixed reason to the client. */
export class RelayError extends Error {
  constructor(
    readonly prefix: ReasonPrefix,
    message: string,
  ) {
    super(message);
    this.name = 'RelayError';
  }

  get reason(): Reason {
    return reason(this.prefix, this.message);
  }
}
