import { describe, expect, it } from 'vitest';
import { MAX_SPLIT_ELEMENTS, topLevelElements } from './frame-elements.js';
import { parseClientMessage, parseLargeFrame } from './frames.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const elementsOf = (text: string): string[] | undefined => topLevelElements(bytes(text))?.map((b) => b.toString());

describe('topLevelElements', () => {
  it('splits at top-level commas only, keeping strings with quotes, backslashes, brackets and commas whole', () => {
    expect(elementsOf('["REQ","s",{"#t":["a,b","[x]","{y}"]},{"kinds":[1,2]}]')).toEqual(['"REQ"', '"s"', '{"#t":["a,b","[x]","{y}"]}', '{"kinds":[1,2]}']);
    expect(elementsOf('["a\\"b,c", "d\\\\", "e\\\\\\",f"]')).toEqual(['"a\\"b,c"', ' "d\\\\"', ' "e\\\\\\",f"']);
    expect(elementsOf(' \n[ "é,ü",  [[1],[2,3]] ] \t')).toEqual([' "é,ü"', '  [[1],[2,3]] ']);
    expect(elementsOf('[]')).toEqual([]);
    expect(elementsOf('[ ]')).toEqual([]);
  });

  it(`splits at most ${MAX_SPLIT_ELEMENTS} elements (a frame of many tiny ones is cheaper to parse whole)`, () => {
    const frame = (n: number) => `["REQ","s"${',{}'.repeat(n - 2)}]`;
    expect(topLevelElements(bytes(frame(MAX_SPLIT_ELEMENTS)))).toHaveLength(MAX_SPLIT_ELEMENTS);
    expect(topLevelElements(bytes(frame(MAX_SPLIT_ELEMENTS + 1)))).toBeUndefined();
    expect(parseLargeFrame(bytes(`["REQ","s"${',1'.repeat(500_000)}]`))).toBeUndefined();
  });

  it('is undefined when the bytes are not one array: another value, an unclosed string or array, trailing bytes, a mismatched end', () => {
    for (const text of ['{"a":1}', '"REQ"', '["REQ","s', '["REQ",{"a":1}', '["REQ"] x', '["REQ"]]', '[{"a":1]', '']) {
      expect(elementsOf(text), text).toBeUndefined();
    }
  });
});

describe('parseLargeFrame', () => {
  // Frames whose every element parses: the element-wise answer must be the whole frame's.
  const frames = [
    '["REQ","sub",{"#h":["a","b"],"until":5},{}]',
    '["COUNT","c",{"kinds":[1]}]',
    '["CLOSE","sub"]',
    '["REQ",5]',
    '["REQ","s",{"#t":["\\u0041\\"]",",","é"]}]',
    '["REQ"]',
    '["CLOSE","a","b"]',
    ' ["REQ" , "s" , {"ids":[]} ] ',
  ];
  it.each(frames)('gives the same message as parsing the decoded frame: %s', (text) => {
    expect(parseLargeFrame(bytes(text))).toEqual(parseClientMessage(text));
  });

  it.each([
    ['an empty element', '["REQ",,{}]'],
    ['a trailing comma', '["REQ","s",{},]'],
    ['a malformed filter', '["REQ","s",{"a":}]'],
    ['a bad verb token', '[REQ,"s"]'],
  ])('answers %s with the NOTICE text of parsing it whole', (_, text) => {
    expect(parseLargeFrame(bytes(text))).toBe('could not parse message: not valid JSON');
    expect(parseClientMessage(text)).toBe('could not parse message: not valid JSON');
  });

  it('leaves EVENT, AUTH, unknown verbs, non-arrays and broken arrays to the text path', () => {
    for (const text of ['["EVENT",{"id":"x"}]', '["AUTH",{}]', '["NOPE"]', '[1]', '[]', '{"verb":"REQ"}', '["REQ","s"'] ) {
      expect(parseLargeFrame(bytes(text)), text).toBeUndefined();
    }
  });

  it('reads a 260 KB hostile REQ (20 filters x 200 values) as the whole frame would be read', () => {
    const values = Array.from({ length: 200 }, (_, i) => i.toString(16).padStart(64, 'a'));
    const text = JSON.stringify(['REQ', 'h1', ...Array.from({ length: 20 }, (_, f) => ({ '#h': values, until: 1_700_000_000 - f }))]);
    expect(text.length).toBeGreaterThan(260_000);
    expect(parseLargeFrame(bytes(text))).toEqual(parseClientMessage(text));
  });
});
