import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { authMetrics } from '../../src/auth/metrics.js';
import type { SessionContext } from '../../src/relay/hooks.js';
import { defaultMlsGatewayConfig, type MlsGatewayConfig } from '../../extensions/mls-gateway/config.js';
import { limitGatewayKinds } from '../../extensions/mls-gateway/policies/kind-rate-limits.js';
import { clientAs, publish } from '../auth/e2e-support.js';
import { startTestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';

const [alice, eph] = [identity(), identity()];
const ctx = (ip: string, ...authed: string[]): SessionContext => ({ connId: `c-${ip}-${authed.join()}`, ip, authed: new Set(authed) });
const cfg = (over: Partial<MlsGatewayConfig>): MlsGatewayConfig => ({ ...defaultMlsGatewayConfig(), ...over });

describe('limitGatewayKinds', () => {
  it('limits group messages per minute per authenticated pubkey, counted as kind-445', async () => {
    const registry = new Registry();
    const { rateLimited } = authMetrics(registry);
    let clock = 0;
    const policy = limitGatewayKinds(() => cfg({ group_messages_per_minute: 3 }), { counter: rateLimited, clock: () => clock });
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await policy(ctx('1.1.1.1', alice.pk), signed(eph, { kind: 445 }))).ok);
    expect(results).toEqual([true, true, true, false]);
    expect(await policy(ctx('1.1.1.1', alice.pk), signed(eph, { kind: 445 }))).toMatchObject({
      ok: false,
      reason: { prefix: 'rate-limited', message: 'too many group messages, slow down' },
    });
    // Other kinds are not its business.
    expect((await policy(ctx('1.1.1.1', alice.pk), signed(alice))).ok).toBe(true);
    clock += 60_000;
    expect((await policy(ctx('1.1.1.1', alice.pk), signed(eph, { kind: 445 }))).ok).toBe(true);
    expect(await registry.getSingleMetricAsString('nostr_relay_rate_limited_total')).toContain('scope="kind-445"} 2');
  });

  it('limits KeyPackages (443 and 30443 together) per hour', async () => {
    let clock = 0;
    const policy = limitGatewayKinds(() => cfg({ keypackages_per_hour: 2 }), { clock: () => clock });
    const kp = () => policy(ctx('3.3.3.3', alice.pk), signed(alice, { kind: 30443 }));
    expect([(await kp()).ok, (await kp()).ok, (await kp()).ok]).toEqual([true, true, false]);
    expect((await policy(ctx('3.3.3.3', alice.pk), signed(alice, { kind: 443 }))).ok).toBe(false);
    clock += 30 * 60_000;
    expect((await kp()).ok).toBe(true);
  });

  it('reads the live section, so a reload of its limits applies at once', async () => {
    let current = cfg({ group_messages_per_minute: 0 });
    const policy = limitGatewayKinds(() => current, { clock: () => 0 });
    for (let i = 0; i < 5; i++) expect((await policy(ctx('5.5.5.5', alice.pk), signed(eph, { kind: 445 }))).ok).toBe(true);
    current = cfg({ group_messages_per_minute: 1 });
    expect((await policy(ctx('5.5.5.5', alice.pk), signed(eph, { kind: 445 }))).ok).toBe(true);
    expect((await policy(ctx('5.5.5.5', alice.pk), signed(eph, { kind: 445 }))).ok).toBe(false);
  });
});

describe('group message budget through the real relay', () => {
  it('applies the old rate_limits.group_messages_per_minute key (moved to [mls_gateway]) and counts kind-445', async () => {
    const relay = await startTestRelay({
      overrides: { auth: { required: true, allowlist: [alice.pk] }, rate_limits: { group_messages_per_minute: 2 } },
    });
    const c = await clientAs(relay.url, alice);
    try {
      expect(relay.config.sections.mls_gateway?.group_messages_per_minute).toBe(2);
      const message = () => signed(identity(), { kind: 445, tags: [['h', 'group1']], content: randomBytes(40).toString('base64') });
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await publish(c, message()));
      expect(results.map((r) => r[0])).toEqual([true, true, false]);
      expect(results[2]?.[1]).toMatch(/^rate-limited: too many group messages/);
      expect(await (await fetch(relay.server.metricsUrl)).text()).toMatch(/nostr_relay_rate_limited_total\{scope="kind-445"\} 1/);
    } finally {
      c.close();
      await relay.stop();
    }
  });
});
