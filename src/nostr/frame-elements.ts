/**
 * Frames at least this long are parsed element by element (parseLargeFrame, frames.ts). V8 keeps
 * strings of 128 KiB and more in its large-object space, whose pages are mapped fresh for each one:
 * decoding a 200 KB frame into one string costs ~1 ms here (54 page faults), against ~30 µs for its
 * elements one at a time. Below this size one string is cheapest.
 */
export const LARGE_FRAME_BYTES = 64 * 1024;

/**
 * Most elements a frame is split into; beyond, the text path (JSON.parse of the whole frame) is the
 * cheaper one: a view per element costs more than parsing a small element in one go (a 1 MB frame of
 * 500,000 numbers: ~500 ms split, ~60 ms whole). A REQ has its verb, id and at most `max_filters` filters.
 */
export const MAX_SPLIT_ELEMENTS = 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The index just past the string whose opening quote is at `start`; -1 when it never closes. */
function stringEnd(bytes: Buffer, start: number): number {
  for (let i = start + 1; ; ) {
    const quote = bytes.indexOf(QUOTE, i);
    if (quote < 0) return -1;
    // Escaped when preceded by an odd run of backslashes.
    let slashes = 0;
    while (bytes[quote - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/**
 * The top-level elements of a JSON array frame, as views of its UTF-8 bytes (no copy, no decoding),
 * each still to be parsed on its own; undefined when the bytes are not one array with nothing but
 * whitespace around it. Structure outside strings is ASCII, and no byte of a multi-byte UTF-8
 * character is ASCII, so bytes can be scanned without decoding. The scan only finds boundaries:
 * JSON.parse of each element still checks its syntax (an empty or malformed element throws there).
 * Undefined as well past MAX_SPLIT_ELEMENTS elements.
 */
export function topLevelElements(bytes: Buffer): Buffer[] | undefined {
  let i = 0;
  while (i < bytes.length && isWhitespace(bytes[i]!)) i++;
  if (bytes[i] !== OPEN_ARRAY) return undefined;
  const elements: Buffer[] = [];
  let start = i + 1;
  let depth = 1;
  for (i = start; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      const end = stringEnd(bytes, i);
      if (end < 0) return undefined;
      i = end - 1;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth++;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
      if (depth === 0) {
        if (c !== CLOSE_ARRAY) return undefined;
        const last = bytes.subarray(start, i);
        // `[]` has no element; `[1,]` has an empty last one, which fails to parse like the whole would.
        if (elements.length > 0 || last.some((b) => !isWhitespace(b))) elements.push(last);
        for (let j = i + 1; j < bytes.length; j++) if (!isWhitespace(bytes[j]!)) return undefined;
        return elements;
      }
    } else if (c === COMMA && depth === 1) {
      if (elements.length === MAX_SPLIT_ELEMENTS - 1) return undefined;
      elements.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return undefined;
}
