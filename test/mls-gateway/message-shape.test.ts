import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { defaultMlsGatewayConfig } from '../../extensions/mls-gateway/config.js';
import { createGatewayMetrics } from '../../extensions/mls-gateway/metrics.js';
import { base64DecodedLength, rejectMalformedMessages } from '../../extensions/mls-gateway/policies/message-shape.js';
import { identity, signed } from '../helpers.js';
import { sessionOf } from './gateway-fixture.js';

const registry = new Registry();
const policy = rejectMalformedMessages({ metrics: createGatewayMetrics(registry), cfg: defaultMlsGatewayConfig() });
const who = identity();
const session = sessionOf(who);
const GROUP = 'b'.repeat(64);
const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');

async function verdict(kind: number, tags: string[][], content = '') {
  const d = await policy(session, signed(who, { kind, tags, content }));
  return d.ok ? 'ok' : `${d.reason.prefix}: ${d.reason.message}`;
}

describe('message shape rules', () => {
  it('decodes base64 lengths and refuses non-base64', () => {
    expect(base64DecodedLength(b64(28))).toBe(28);
    expect(base64DecodedLength(b64(29))).toBe(29);
    expect(base64DecodedLength('abc')).toBeUndefined();
    expect(base64DecodedLength('ab!d')).toBeUndefined();
  });

  it('refuses a top-level Welcome with the documented reason', async () => {
    expect(await verdict(444, [], b64(100))).toBe('invalid: a Welcome (kind 444) must be sent inside a kind 1059 gift wrap');
  });

  it('445 needs exactly one h and base64 content of at least 28 bytes', async () => {
    expect(await verdict(445, [['h', GROUP]], b64(28))).toBe('ok');
    expect(await verdict(445, [], b64(28))).toMatch(/^invalid: .*exactly one "h"/);
    expect(await verdict(445, [['h', GROUP], ['h', GROUP]], b64(28))).toMatch(/exactly one "h"/);
    expect(await verdict(445, [['h', GROUP]], b64(27))).toMatch(/^invalid: .*at least 28 bytes/);
    expect(await verdict(445, [['h', GROUP]], 'not base64 at all!')).toMatch(/^invalid: .*base64/);
    expect(await verdict(445, [['h', 'bad/id']], b64(40))).toMatch(/^invalid: .*group id/);
  });

  it('446 needs p and v=noise.1; 447 needs p; 1059 exactly one p', async () => {
    const p = identity().pk;
    expect(await verdict(446, [['p', p], ['v', 'noise.1']], 'x')).toBe('ok');
    expect(await verdict(446, [['p', p]], 'x')).toMatch(/^invalid: .*noise\.1/);
    expect(await verdict(446, [['v', 'noise.1']], 'x')).toMatch(/^invalid: .*"p"/);
    expect(await verdict(447, [['p', p]], '')).toBe('ok');
    expect(await verdict(447, [], '')).toMatch(/^invalid: .*"p"/);
    expect(await verdict(1059, [['p', p]], 'x')).toBe('ok');
    expect(await verdict(1059, [['p', p], ['p', identity().pk]], 'x')).toMatch(/^invalid: .*exactly one "p"/);
    expect(await verdict(1, [], 'x')).toBe('ok');
  });

  it('counts refusals by rule', async () => {
    await verdict(444, [], '');
    const data = await registry.getSingleMetric('mls_gateway_rejected_total')!.get();
    expect(data.values.find((v) => v.labels.reason === 'welcome_top_level')?.value).toBeGreaterThan(0);
  });
});
