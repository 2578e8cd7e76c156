/**
 * Strict decoding of KeyPackage event content (hex or standard base64), with a size guard that
 * runs on the string length before any bytes are allocated.
 */

import { isPaddedBase64 } from '../base64.js';

/** Largest decoded KeyPackage content we accept: 64 KiB (a real KeyPackage is ~360 bytes). */
export const MAX_KEYPACKAGE_BYTES = 64 * 1024;

/** Content encodings a KeyPackage event may use. */
export type ContentEncoding = 'hex' | 'base64';

/** Result of decoding: the bytes, or a reason without prefix. */
export type DecodeResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Upper bound of the decoded size of a string in the given encoding, without decoding it. */
function decodedLength(text: string, encoding: ContentEncoding): number {
  return encoding === 'hex' ? Math.floor(text.length / 2) : Math.floor(text.length / 4) * 3;
}

/**
 * Decodes `text` in `encoding`. Refuses empty content, content over {@link MAX_KEYPACKAGE_BYTES}
 * decoded (checked before decoding) and any character outside the encoding's alphabet.
 */
export function decodeContent(text: string, encoding: ContentEncoding): DecodeResult {
  if (text.length === 0) return { ok: false, reason: 'content is empty' };
  if (decodedLength(text, encoding) > MAX_KEYPACKAGE_BYTES) {
    return { ok: false, reason: `content exceeds ${MAX_KEYPACKAGE_BYTES} bytes decoded` };
  }
  if (encoding === 'hex') {
    if (!HEX.test(text)) return { ok: false, reason: 'content is not valid hex' };
    return { ok: true, bytes: new Uint8Array(Buffer.from(text, 'hex')) };
  }
  // Buffer's base64 decoder skips bad characters silently, so the alphabet is checked first (standard, padded:
  // Marmot's rule; URL-safe input is refused).
  if (!isPaddedBase64(text)) return { ok: false, reason: 'content is not valid base64' };
  return { ok: true, bytes: new Uint8Array(Buffer.from(text, 'base64')) };
}
