import { toHexPubkey } from '../config/pubkeys.js';

/** A string element of the allowlist array: its value and where its literal sits in the text. */
type Element = { value: string; start: number; end: number };
/** The `allowlist = [ … ]` array inside `[auth]`: bracket offsets and its string elements. */
type ArraySpan = { open: number; close: number; elements: Element[] };

const HEADER = /^[ \t]*\[\[?[ \t]*([A-Za-z0-9_.\-"' ]+?)[ \t]*\]\]?[ \t]*(#.*)?$/;
const KEY = /^[ \t]*allowlist[ \t]*=[ \t]*/;

/** Where the `[auth]` table starts and ends (offsets of its body) in the TOML text. */
function authTable(text: string): { headerEnd: number; end: number } | undefined {
  let offset = 0;
  let found: { headerEnd: number } | undefined;
  for (const line of text.split('\n')) {
    const match = HEADER.exec(line);
    if (match) {
      if (found) return { ...found, end: offset };
      if (match[1] === 'auth' && !line.trim().startsWith('[[')) found = { headerEnd: offset + line.length + 1 };
    }
    offset += line.length + 1;
  }
  return found ? { ...found, end: text.length } : undefined;
}

/** Scans a string literal starting at `i` (a quote); returns its end offset (exclusive) and value. */
function scanString(text: string, i: number): { end: number; value: string } {
  const quote = text[i];
  let j = i + 1;
  while (j < text.length && text[j] !== quote && text[j] !== '\n') j += text[j] === '\\' && quote === '"' ? 2 : 1;
  if (text[j] !== quote) throw new Error('unterminated string in the allowlist array');
  const raw = text.slice(i, j + 1);
  return { end: j + 1, value: quote === '"' ? (JSON.parse(raw) as string) : raw.slice(1, -1) };
}

/** Scans the array whose `[` is at `open`, recording top-level string elements. */
function scanArray(text: string, open: number): ArraySpan {
  const elements: Element[] = [];
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      const s = scanString(text, i);
      if (depth === 1) elements.push({ value: s.value, start: i, end: s.end });
      i = s.end - 1;
    } else if (c === '[') {
      depth++;
    } else if (c === ']' && --depth === 0) {
      return { open, close: i, elements };
    }
  }
  throw new Error('the allowlist array is not closed');
}

/** Finds `allowlist = [` inside `[auth]`. */
function findAllowlist(text: string): { table?: { headerEnd: number; end: number }; array?: ArraySpan } {
  const table = authTable(text);
  if (!table) return {};
  let offset = table.headerEnd;
  for (const line of text.slice(table.headerEnd, table.end).split('\n')) {
    const key = KEY.exec(line);
    if (key) {
      const open = offset + key[0].length;
      if (text[open] !== '[') throw new Error('[auth] allowlist is not an array');
      return { table, array: scanArray(text, open) };
    }
    offset += line.length + 1;
  }
  return { table };
}

function lineStart(text: string, i: number): number {
  return text.lastIndexOf('\n', i - 1) + 1;
}

function lineEnd(text: string, i: number): number {
  const n = text.indexOf('\n', i);
  return n < 0 ? text.length : n;
}

function insertAt(text: string, at: number, piece: string): string {
  return text.slice(0, at) + piece + text.slice(at);
}

function appendElement(text: string, arr: ArraySpan, literal: string): string {
  const last = arr.elements[arr.elements.length - 1];
  const multiLine = text.slice(arr.open, arr.close).includes('\n');
  if (!last) {
    // An empty array, maybe with comments: put the entry on the closing bracket's line or just after `[`.
    const closeLine = lineStart(text, arr.close);
    if (multiLine && text.slice(closeLine, arr.close).trim() === '') return insertAt(text, closeLine, `  ${literal},\n`);
    return insertAt(text, arr.open + 1, literal);
  }
  const after = /^[ \t]*,/.exec(text.slice(last.end));
  const commaEnd = after ? last.end + after[0].length : last.end;
  if (multiLine && lineEnd(text, last.end) < arr.close) {
    // One entry per line: keep the previous line's comment where it is and add a line below.
    const indent = /^[ \t]*/.exec(text.slice(lineStart(text, last.start), last.start))?.[0] ?? '  ';
    const withComma = after ? text : insertAt(text, last.end, ',');
    const shift = after ? 0 : 1;
    return insertAt(withComma, lineEnd(withComma, last.end + shift), `\n${indent}${literal},`);
  }
  return after ? insertAt(text, commaEnd, ` ${literal}`) : insertAt(text, last.end, `, ${literal}`);
}

function removeElement(text: string, el: Element, isLast: boolean): string {
  const start = lineStart(text, el.start);
  const end = lineEnd(text, el.end);
  const before = text.slice(start, el.start);
  const rest = text.slice(el.end, end);
  if (before.trim() === '' && /^[ \t]*,?[ \t]*(#.*)?$/.test(rest)) {
    // Alone on its line: the line goes, with its comment (which was about this entry).
    return text.slice(0, start) + text.slice(Math.min(end + 1, text.length));
  }
  const following = /^[ \t]*,[ \t]*/.exec(text.slice(el.end));
  if (following) return text.slice(0, el.start) + text.slice(el.end + following[0].length);
  const preceding = isLast ? /,[ \t]*$/.exec(text.slice(0, el.start)) : null;
  if (preceding) return text.slice(0, preceding.index) + text.slice(el.end);
  return text.slice(0, el.start) + text.slice(el.end);
}

/** What an edit did. */
export type AllowlistEdit = { text: string; changed: boolean };

/**
 * Adds a pubkey (npub or hex, written as given, hex lowercased) to `[auth] allowlist` by a textual
 * edit that keeps every other line, comment and key. Creates the key or the `[auth]` table when
 * missing. Unchanged when an entry with the same hex pubkey is already there.
 */
export function addToAllowlist(text: string, ref: string): AllowlistEdit {
  const hex = toHexPubkey(ref);
  if (!hex) throw new Error(`not an npub or 64-hex pubkey: ${ref}`);
  const entry = ref.trim().startsWith('npub1') ? ref.trim() : hex;
  const literal = JSON.stringify(entry);
  const { table, array } = findAllowlist(text);
  if (array) {
    if (array.elements.some((e) => toHexPubkey(e.value) === hex)) return { text, changed: false };
    return { text: appendElement(text, array, literal), changed: true };
  }
  if (table) return { text: insertAt(text, table.headerEnd, `allowlist = [${literal}]\n`), changed: true };
  const sep = text.length === 0 || text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  return { text: `${text}${sep}[auth]\nallowlist = [${literal}]\n`, changed: true };
}

/** Removes every `[auth] allowlist` entry naming this pubkey (npub or hex forms alike), keeping the rest of the text. */
export function removeFromAllowlist(text: string, ref: string): AllowlistEdit {
  const hex = toHexPubkey(ref);
  if (!hex) throw new Error(`not an npub or 64-hex pubkey: ${ref}`);
  const { array } = findAllowlist(text);
  if (!array) return { text, changed: false };
  let out = text;
  // Right to left, so earlier offsets stay valid.
  for (let i = array.elements.length - 1; i >= 0; i--) {
    const el = array.elements[i] as Element;
    if (toHexPubkey(el.value) === hex) out = removeElement(out, el, i === array.elements.length - 1);
  }
  return { text: out, changed: out !== text };
}
