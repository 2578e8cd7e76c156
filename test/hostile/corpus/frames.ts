/**
 * The hostile WebSocket corpus: frames a client can send that the relay must refuse without harm.
 * Built by code rather than stored as JSON lines because many frames are only meaningful when
 * freshly signed (ids not matching content, stale AUTH) or are megabytes long.
 * Each case names the reply it must get: a verb and a reason prefix, or a disconnect.
 */
import { finalizeEvent } from 'nostr-tools/pure';
import type { ReasonPrefix } from '../../../src/nostr/reasons.js';
import { identity, now, signed, type Identity } from '../../helpers.js';

/** What the relay must answer: a reply frame, or the socket closed with one of these codes. */
export type Expectation =
  | { verb: 'NOTICE' | 'OK' | 'CLOSED' | 'EOSE' | 'COUNT'; prefix?: ReasonPrefix; accepted?: boolean; subId?: string }
  | { disconnect: number[] }
  /** Nothing to answer (CLOSE of a subscription that cannot exist): no reply at all, connection open. */
  | { silent: true };

/** One hostile frame. */
export type HostileCase = { name: string; data: string | Buffer; binary?: boolean; expect: Expectation };

/** The limits the corpus relay runs with (the cases are built around them). */
export const CORPUS_LIMITS = {
  max_message_bytes: 8 * 1024 * 1024,
  max_event_tags: 100,
  max_content_bytes: 64 * 1024,
  max_subscriptions: 1000,
  max_filter_values: 1000,
} as const;

const notice = (prefix: ReasonPrefix = 'invalid'): Expectation => ({ verb: 'NOTICE', prefix });
const okFalse = (prefix: ReasonPrefix = 'invalid'): Expectation => ({ verb: 'OK', accepted: false, prefix });
const closed = (prefix: ReasonPrefix = 'invalid', subId?: string): Expectation => ({ verb: 'CLOSED', prefix, ...(subId === undefined ? {} : { subId }) });

const HEX_A = 'a'.repeat(64);
const SIG_A = 'b'.repeat(128);

function invalidJson(): HostileCase[] {
  const texts = [
    '', ' ', 'null', 'true', '0', '-1', '1e999', '"EVENT"', '{}', '[]', '[[]]', '[{}]', '[1]', '[null]', '[true]',
    'not json', '[', ']', '["EVENT"', '["EVENT",}', "['EVENT', {}]", '["EVENT",{"id":1,}]', '[,]', '[1,,2]',
    '{"0":"EVENT"}', '["REQ","a",{]', '\u0000', '["\u0000"]', 'NaN', '[NaN]', '[Infinity]', '[undefined]',
    '["EVENT",{"id":"x"}]garbage', '/*c*/["REQ","x",{}]', '["REQ","x",{}] //', '\uFEFF["REQ","bom",{}]',
  ];
  return texts.map((t, i) => ({ name: `invalid json #${i}: ${JSON.stringify(t).slice(0, 40)}`, data: t, expect: notice() }));
}

function unknownVerbs(): HostileCase[] {
  const verbs = ['NOPE', 'event', 'req', 'Event', 'EOSE', 'OK', 'NOTICE', 'CLOSED', 'NEG-OPEN', 'SYNC', 'x'.repeat(10_000), '', 'ÉVÉNEMENT', '🔥'];
  return verbs.map((v) => ({ name: `unknown verb ${v.slice(0, 20)}`, data: JSON.stringify([v, {}]), expect: notice() }));
}

function wrongArity(): HostileCase[] {
  const frames: unknown[] = [
    ['EVENT'], ['EVENT', {}, {}], ['AUTH'], ['AUTH', {}, {}], ['REQ'], ['COUNT'], ['CLOSE'], ['CLOSE', 'a', 'b'],
  ];
  return frames.map((f) => ({ name: `wrong arity ${JSON.stringify(f)}`, data: JSON.stringify(f), expect: notice() }));
}

/** Every field of an event, each replaced by values of the wrong type or range. */
function eventFieldAbuse(who: Identity): HostileCase[] {
  const base = signed(who) as unknown as Record<string, unknown>;
  const bad: Record<string, unknown[]> = {
    id: [1, null, true, [], {}, '', 'zz', HEX_A.toUpperCase(), HEX_A + 'a', HEX_A.slice(1), 'g'.repeat(64)],
    pubkey: [1, null, [], {}, '', HEX_A.toUpperCase(), HEX_A.slice(2), 'x'.repeat(64)],
    sig: [1, null, [], '', SIG_A.toUpperCase(), SIG_A.slice(2), 'z'.repeat(128)],
    created_at: [-1, 1.5, '1700000000', null, [], {}, 1e300, Number.MAX_SAFE_INTEGER + 2, -0.5, 2 ** 53],
    kind: [-1, 65536, 1.5, '1', null, [], 1e20, 2 ** 31],
    content: [1, null, [], {}, true],
    tags: ['x', 1, null, {}, [1], [[]], [[1]], [['e', 2]], [['e', null]], [[{}]], [['e', ['nested']]]],
  };
  const cases: HostileCase[] = [];
  for (const [field, values] of Object.entries(bad)) {
    for (const value of values) {
      const ev = { ...base, [field]: value };
      cases.push({ name: `EVENT ${field}=${JSON.stringify(value).slice(0, 30)}`, data: JSON.stringify(['EVENT', ev]), expect: okFalse() });
    }
    const missing = { ...base };
    delete missing[field];
    cases.push({ name: `EVENT without ${field}`, data: JSON.stringify(['EVENT', missing]), expect: okFalse() });
  }
  // Wrong types of the event itself.
  for (const v of [null, 1, 'str', [], true]) cases.push({ name: `EVENT of ${JSON.stringify(v)}`, data: JSON.stringify(['EVENT', v]), expect: okFalse() });
  // NaN and Infinity cannot be JSON; these are the texts a sloppy client sends.
  const raw = JSON.stringify(['EVENT', base]);
  for (const token of ['NaN', 'Infinity', '-Infinity', '0x10', '1e']) {
    cases.push({ name: `EVENT created_at ${token}`, data: raw.replace(/"created_at":\d+/, `"created_at":${token}`), expect: notice() });
  }
  // Huge numbers that JSON.parse turns into Infinity or lose precision.
  cases.push({ name: 'EVENT created_at 1e400', data: raw.replace(/"created_at":\d+/, '"created_at":1e400'), expect: okFalse() });
  cases.push({ name: 'EVENT kind of 400 digits', data: raw.replace(/"kind":\d+/, `"kind":${'9'.repeat(400)}`), expect: okFalse() });
  return cases;
}

/** Well-formed events that fail on content: id, signature, size, timestamps, tags. */
function eventContentAbuse(who: Identity, other: Identity): HostileCase[] {
  const ev = signed(who);
  const cases: HostileCase[] = [];
  const variants: [string, Record<string, unknown>][] = [
    ['content changed after signing', { ...ev, content: ev.content + '!' }],
    ['kind changed after signing', { ...ev, kind: 2 }],
    ['tags added after signing', { ...ev, tags: [['p', other.pk]] }],
    ['created_at changed after signing', { ...ev, created_at: ev.created_at + 1 }],
    ['pubkey swapped', { ...ev, pubkey: other.pk }],
    ['garbage signature', { ...ev, sig: SIG_A }],
    ['zero signature', { ...ev, sig: '0'.repeat(128) }],
    ['signature of another event', { ...ev, sig: signed(who).sig }],
    ['random id', { ...ev, id: HEX_A }],
    ['pubkey not on the curve', { ...ev, pubkey: 'f'.repeat(64) }],
  ];
  for (const [name, v] of variants) cases.push({ name: `EVENT ${name}`, data: JSON.stringify(['EVENT', v]), expect: okFalse() });
  const sign = (fields: Parameters<typeof signed>[1]) => JSON.stringify(['EVENT', signed(who, fields)]);
  cases.push({ name: 'EVENT created_at 0', data: sign({ created_at: 0 }), expect: okFalse() });
  cases.push({ name: 'EVENT created_at far future', data: sign({ created_at: now() + 86_400 * 365 }), expect: okFalse() });
  cases.push({ name: 'EVENT created_at year 9999', data: sign({ created_at: 253402300799 }), expect: okFalse() });
  cases.push({ name: 'EVENT too many tags', data: sign({ tags: Array.from({ length: 101 }, (_, i) => ['t', String(i)]) }), expect: okFalse() });
  cases.push({ name: 'EVENT 100k tags', data: sign({ tags: Array.from({ length: 100_000 }, () => ['t']) }), expect: okFalse() });
  cases.push({ name: 'EVENT content over max_content_bytes', data: sign({ content: 'x'.repeat(65 * 1024) }), expect: okFalse() });
  // Tag values have a byte bound of their own (limits.max_tag_bytes), so an event fits a Firestore document.
  cases.push({ name: 'EVENT 1 MB tag value', data: sign({ tags: [['t', 'y'.repeat(1024 * 1024)]] }), expect: okFalse() });
  cases.push({ name: 'EVENT lone surrogates in content', data: sign({ content: '\ud800\udfff\ud800' }), expect: { verb: 'OK', accepted: true } });
  return cases;
}

function deepNesting(): HostileCase[] {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const deepObj = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  return [
    { name: 'array nested 10,000 levels', data: deep(10_000), expect: notice() },
    { name: 'array nested 100,000 levels', data: deep(100_000), expect: notice() },
    { name: 'object nested 10,000 levels', data: deepObj(10_000), expect: notice() },
    { name: 'EVENT with content nested 10,000 levels', data: `["EVENT",${deep(10_000)}]`, expect: okFalse() },
    { name: 'EVENT with a tag nested 10,000 levels', data: `["EVENT",{"tags":[${deep(10_000)}]}]`, expect: okFalse() },
    { name: 'REQ filter nested 10,000 levels', data: `["REQ","deep",{"authors":${deep(10_000)}}]`, expect: closed() },
    // A refused REQ always gets CLOSED (issue 16); an id nested too deep to serialize is echoed as "".
    { name: 'REQ sub id nested 10,000 levels', data: `["REQ",${deep(10_000)},{}]`, expect: closed('invalid', '') },
    { name: 'COUNT filter object nested 10,000 levels', data: `["COUNT","deepc",${deepObj(10_000)}]`, expect: closed() },
    { name: 'AUTH event nested 10,000 levels', data: `["AUTH",${deepObj(10_000)}]`, expect: okFalse() },
    { name: 'unclosed nesting 50,000', data: '['.repeat(50_000), expect: notice() },
  ];
}

function sizeAbuse(): HostileCase[] {
  const max = CORPUS_LIMITS.max_message_bytes;
  return [
    { name: 'frame 1 byte over max_message_bytes', data: JSON.stringify(['NOTICE', 'x'.repeat(max)]), expect: notice() },
    { name: 'frame 2x max_message_bytes', data: 'x'.repeat(max * 2), expect: notice() },
    { name: 'frame beyond the hard payload bound', data: 'x'.repeat(max * 4 + 16), expect: { disconnect: [1009] } },
  ];
}

function utf8Abuse(): HostileCase[] {
  const bad = [Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from([0xc3, 0x28]), Buffer.from('["REQ","\xed\xa0\x80",{}]', 'latin1'), Buffer.from([0xe2, 0x82])];
  const cases: HostileCase[] = bad.map((b, i) => ({ name: `invalid UTF-8 text frame #${i}`, data: b, expect: { disconnect: [1007] } }));
  const binaries = [Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(['REQ', 'bin', {}])), Buffer.alloc(1024 * 1024), Buffer.alloc(0)];
  binaries.forEach((b, i) => cases.push({ name: `binary frame #${i}`, data: b, binary: true, expect: notice() }));
  return cases;
}

function filterAbuse(who: Identity): HostileCase[] {
  const filters: [string, unknown, ReasonPrefix][] = [
    ['100,000 authors', { authors: Array.from({ length: 100_000 }, (_, i) => i.toString(16).padStart(64, '0')) }, 'invalid'],
    ['100,000 ids', { ids: Array.from({ length: 100_000 }, () => HEX_A) }, 'invalid'],
    ['100,000 kinds', { kinds: Array.from({ length: 100_000 }, (_, i) => i % 65536) }, 'invalid'],
    ['100,000 #p', { '#p': Array.from({ length: 100_000 }, () => who.pk) }, 'invalid'],
    ['negative limit', { limit: -1 }, 'invalid'],
    ['float limit', { limit: 1.5 }, 'invalid'],
    ['string limit', { limit: '10' }, 'invalid'],
    ['limit 1e400 (Infinity)', { limit: Number.POSITIVE_INFINITY }, 'invalid'],
    ['negative since', { since: -5 }, 'invalid'],
    ['string until', { until: 'now' }, 'invalid'],
    ['kinds not array', { kinds: 1 }, 'invalid'],
    ['kinds negative', { kinds: [-1] }, 'invalid'],
    ['kinds too big', { kinds: [70000] }, 'invalid'],
    ['kinds float', { kinds: [1.5] }, 'invalid'],
    ['authors not hex', { authors: ['zz'] }, 'invalid'],
    ['authors uppercase hex', { authors: [who.pk.toUpperCase()] }, 'invalid'],
    ['ids short prefix', { ids: ['ab'] }, 'invalid'],
    ['authors null', { authors: null }, 'invalid'],
    ['#e of numbers', { '#e': [1, 2] }, 'invalid'],
    ['tag value 2 KB', { '#t': ['x'.repeat(2048)] }, 'invalid'],
    ['unknown field', { foo: 1 }, 'invalid'],
    ['search not a string', { search: 7 }, 'invalid'],
    ['filter is array', [], 'invalid'],
    ['filter is null', null, 'invalid'],
    ['filter is string', 'all', 'invalid'],
    ['filter is number', 7, 'invalid'],
    ['__proto__ key', JSON.parse('{"__proto__":{"kinds":[1]}}'), 'invalid'],
    ['constructor key', { constructor: { kinds: [1] } }, 'invalid'],
  ];
  const cases: HostileCase[] = [];
  filters.forEach(([name, f, prefix], i) => {
    cases.push({ name: `REQ filter ${name}`, data: JSON.stringify(['REQ', `f${i}`, f]), expect: closed(prefix) });
    cases.push({ name: `COUNT filter ${name}`, data: JSON.stringify(['COUNT', `c${i}`, f]), expect: closed(prefix) });
  });
  // Tag values are opaque strings in NIP-01: an uppercase #p is legal and simply matches nothing.
  cases.push({ name: 'REQ filter #p uppercase', data: JSON.stringify(['REQ', 'upper', { '#p': [who.pk.toUpperCase()] }]), expect: { verb: 'EOSE' } });
  cases.push({ name: 'COUNT filter #p uppercase', data: JSON.stringify(['COUNT', 'upperc', { '#p': [who.pk.toUpperCase()] }]), expect: { verb: 'COUNT' } });
  // NIP-50 is not supported: a search filter matches nothing, so the REQ ends with EOSE, the COUNT is 0.
  cases.push({ name: 'REQ filter search', data: JSON.stringify(['REQ', 'search', { search: 'x' }]), expect: { verb: 'EOSE' } });
  cases.push({ name: 'COUNT filter search', data: JSON.stringify(['COUNT', 'searchc', { search: 'x' }]), expect: { verb: 'COUNT' } });
  cases.push({ name: 'REQ with 1,000 filters', data: JSON.stringify(['REQ', 'many', ...Array.from({ length: 1000 }, () => ({}))]), expect: closed() });
  cases.push({ name: 'COUNT with 1,000 filters', data: JSON.stringify(['COUNT', 'manyc', ...Array.from({ length: 1000 }, () => ({}))]), expect: closed() });
  return cases;
}

function subIdAbuse(): HostileCase[] {
  const cases: HostileCase[] = [];
  // NIP-01: a refused REQ or COUNT MUST get CLOSED, an unusable id too (issue 16). A non-string id is
  // echoed as its JSON text; a string id exactly as sent, so the client can match it.
  for (const id of [1, null, true, {}, [], 1.5, -1]) {
    for (const verb of ['REQ', 'COUNT']) {
      cases.push({ name: `${verb} sub id ${JSON.stringify(id)}`, data: JSON.stringify([verb, id, {}]), expect: closed('invalid', JSON.stringify(id)) });
    }
    cases.push({ name: `CLOSE sub id ${JSON.stringify(id)}`, data: JSON.stringify(['CLOSE', id]), expect: notice() });
  }
  for (const id of ['', 'x'.repeat(65), 'x'.repeat(1_000_000), '🔥'.repeat(40)]) {
    for (const verb of ['REQ', 'COUNT', 'CLOSE']) {
      const frame = verb === 'CLOSE' ? [verb, id] : [verb, id, {}];
      // NIP-01 has no reply to CLOSE; a string id that names no subscription is simply nothing to close.
      cases.push({ name: `${verb} sub id of ${id.length} chars`, data: JSON.stringify(frame), expect: verb === 'CLOSE' ? { silent: true } : closed('invalid', id) });
    }
  }
  return cases;
}

/** AUTH events that must not authenticate: wrong relay, stale or foreign challenge, wrong kind, forged. */
function authAbuse(who: Identity): HostileCase[] {
  const auth = (tags: string[][], fields: { kind?: number; created_at?: number } = {}) =>
    finalizeEvent({ kind: fields.kind ?? 22242, created_at: fields.created_at ?? now(), tags, content: '' }, who.sk);
  const relay = ['relay', 'ws://relay.test'];
  const challenge = ['challenge', 'not-the-challenge-of-this-connection'];
  const cases: [string, unknown, ReasonPrefix][] = [
    ['for another relay', auth([['relay', 'wss://other.example'], challenge]), 'auth-required'],
    ['stale challenge', auth([relay, ['challenge', '0'.repeat(32)]]), 'auth-required'],
    ['no challenge', auth([relay]), 'auth-required'],
    ['no relay tag', auth([challenge]), 'auth-required'],
    ['created two hours ago', auth([relay, challenge], { created_at: now() - 7200 }), 'auth-required'],
    ['created in the future', auth([relay, challenge], { created_at: now() + 7200 }), 'auth-required'],
    ['kind 1', auth([relay, challenge], { kind: 1 }), 'invalid'],
    ['forged signature', { ...auth([relay, challenge]), sig: SIG_A }, 'invalid'],
    ['tampered tags', { ...auth([relay, challenge]), tags: [relay] }, 'invalid'],
    ['not an object', 'token', 'invalid'],
    ['null', null, 'invalid'],
    ['array', [1, 2], 'invalid'],
  ];
  return cases.map(([name, ev, prefix]) => ({ name: `AUTH ${name}`, data: JSON.stringify(['AUTH', ev]), expect: okFalse(prefix) }));
}

/** The whole corpus; `who` signs the events that need a real signature. */
export function buildFrameCorpus(who: Identity = identity(), other: Identity = identity()): HostileCase[] {
  return [
    ...invalidJson(),
    ...unknownVerbs(),
    ...wrongArity(),
    ...eventFieldAbuse(who),
    ...eventContentAbuse(who, other),
    ...deepNesting(),
    ...filterAbuse(who),
    ...subIdAbuse(),
    ...authAbuse(who),
    ...sizeAbuse(),
    ...utf8Abuse(),
  ];
}
