import { describe, expect, it } from 'vitest';
import type { NostrEvent } from './event.js';
import {
  authChallengeFrame,
  closedFrame,
  countFrame,
  eoseFrame,
  eventFrame,
  noticeFrame,
  okFrame,
  parseClientMessage,
  serializeEvent,
} from './frames.js';
import { reason } from './reasons.js';

describe('parseClientMessage', () => {
  it('reads each verb with its arguments, leaving their values unchecked', () => {
    expect(parseClientMessage('["EVENT",{"id":1}]')).toEqual({ verb: 'EVENT', event: { id: 1 } });
    expect(parseClientMessage('["AUTH",null]')).toEqual({ verb: 'AUTH', event: null });
    expect(parseClientMessage('["REQ","s",{},{"kinds":[1]}]')).toEqual({ verb: 'REQ', subId: 's', filters: [{}, { kinds: [1] }] });
    expect(parseClientMessage('["REQ",5]')).toEqual({ verb: 'REQ', subId: 5, filters: [] });
    expect(parseClientMessage('["COUNT","c",{}]')).toEqual({ verb: 'COUNT', subId: 'c', filters: [{}] });
    expect(parseClientMessage('["CLOSE","s"]')).toEqual({ verb: 'CLOSE', subId: 's' });
  });

  it.each([
    ['invalid JSON', '["EVENT"', /not valid JSON/],
    ['an object', '{"verb":"EVENT"}', /JSON array starting with a verb/],
    ['an empty array', '[]', /JSON array starting with a verb/],
    ['a verb that is not a string', '[1]', /JSON array starting with a verb/],
    ['EVENT with two events', '["EVENT",{},{}]', /EVENT takes exactly one event/],
    ['AUTH without an event', '["AUTH"]', /AUTH takes exactly one event/],
    ['REQ without an id', '["REQ"]', /REQ needs a subscription id/],
    ['COUNT without an id', '["COUNT"]', /COUNT needs a subscription id/],
    ['CLOSE with extra items', '["CLOSE","a","b"]', /CLOSE takes exactly one/],
    ['a lowercase verb', '["event",{}]', /unknown message type "event"/],
  ])('answers %s with a problem text', (_what, text, why) => {
    expect(parseClientMessage(text)).toMatch(why);
  });

  it('cuts an unknown verb to 32 characters in the problem text', () => {
    const text = parseClientMessage(JSON.stringify(['X'.repeat(100)])) as string;
    expect(text).toBe(`unknown message type ${JSON.stringify('X'.repeat(32))}`);
  });
});

describe('relay frames', () => {
  it('spell NIP-01 and NIP-42 messages', () => {
    expect(JSON.parse(okFrame('id', true))).toEqual(['OK', 'id', true, '']);
    expect(JSON.parse(okFrame('id', false, reason('invalid', 'bad sig')))).toEqual(['OK', 'id', false, 'invalid: bad sig']);
    expect(JSON.parse(eoseFrame('s"1'))).toEqual(['EOSE', 's"1']);
    expect(JSON.parse(closedFrame('s', reason('auth-required', 'log in')))).toEqual(['CLOSED', 's', 'auth-required: log in']);
    expect(JSON.parse(noticeFrame('hi'))).toEqual(['NOTICE', 'hi']);
    expect(JSON.parse(authChallengeFrame('ch'))).toEqual(['AUTH', 'ch']);
    expect(JSON.parse(countFrame('c', 3))).toEqual(['COUNT', 'c', { count: 3 }]);
    expect(JSON.parse(countFrame('c', 3, true))).toEqual(['COUNT', 'c', { count: 3, approximate: true }]);
  });

  it('eventFrame wraps an event serialized once, escaping the subscription id', () => {
    const frame = eventFrame('sub"\\x', '{"id":"a"}');
    expect(JSON.parse(frame)).toEqual(['EVENT', 'sub"\\x', { id: 'a' }]);
  });
});

describe('serializeEvent', () => {
  it('keeps only the seven NIP-01 fields, in a stable order', () => {
    const ev = { sig: 's', content: 'c', tags: [['t', 'x']], kind: 1, created_at: 2, pubkey: 'p', id: 'i', extra: 'leak' } as NostrEvent & { extra: string };
    expect(serializeEvent(ev)).toBe('{"id":"i","pubkey":"p","created_at":2,"kind":1,"tags":[["t","x"]],"content":"c","sig":"s"}');
  });
});
