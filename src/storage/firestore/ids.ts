import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

// Firestore document ids are at most 1,500 bytes; stay well under so the full path fits too.
const MAX_ID_BYTES = 1_000;
const encoder = new TextEncoder();

/**
 * Turns any string into a valid Firestore document id, injectively: `%` and `/` are percent-encoded,
 * and ids Firestore reserves (`.`, `..`, `__x__`) get their first character encoded. Over-long keys
 * become `%h<sha256>`, which no encoded key can equal because `%h` never appears in an escape.
 */
export function toDocId(key: string): string {
  if (key === '') return '%00'; // a literal "%00" key is encoded as "%2500", so this cannot collide
  let id = key.replace(/%/g, '%25').replace(/\//g, '%2F');
  // '.' is %2E and '_' is %5F; escaping the first character is enough to leave the reserved forms.
  if (id === '.' || id === '..') id = `%2E${id.slice(1)}`;
  else if (id.startsWith('__')) id = `%5F${id.slice(1)}`;
  if (encoder.encode(id).length > MAX_ID_BYTES) return `%h${bytesToHex(sha256(encoder.encode(key)))}`;
  return id;
}

/** The document id of a replaceable (d = '') or addressable coordinate `kind:pubkey:d`. */
export function coordinateDocId(kind: number, pubkey: string, d: string): string {
  return toDocId(`${kind}:${pubkey}:${d}`);
}
