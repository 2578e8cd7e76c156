/** The typed schema, the extensions' sections and the reload merge, without a running relay. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { configSources, configWarnings, ConfigError, loadConfig } from '../../src/config/load.js';
import { planReload } from '../../src/config/reload.js';
import { relaySchema, schemaKeys, type ConfigExtension } from '../../src/config/relay-schema.js';
import { choice, defaultsOf, int, reloadable, strList, type Infer } from '../../src/config/schema-dsl.js';
import type { RelayConfig } from '../../src/config/types.js';

const demoSchema = {
  mode: choice(['a', 'b'], 'a', 'A mode.'),
  budget: int(5, 'A budget.', { reloadable: true }),
  names: strList([], 'Names.'),
};
const demo: ConfigExtension = {
  name: 'demo',
  config: { section: 'demo_ext', schema: demoSchema, movedKeys: { 'rate_limits.demo_budget': 'budget' } },
};
const load = (overrides: Record<string, unknown>, extensions = [demo]) => loadConfig({ file: null, env: {}, overrides, extensions });

describe('typed schema', () => {
  it('infers each value type from its declaration', () => {
    expectTypeOf<Infer<typeof demoSchema>>().toEqualTypeOf<{ readonly mode: 'a' | 'b'; readonly budget: number; readonly names: readonly string[] }>();
    expectTypeOf<RelayConfig['storage']['backend']>().toEqualTypeOf<'sqlite' | 'firestore'>();
    expect(defaultsOf(demoSchema)).toEqual({ mode: 'a', budget: 5, names: [] });
  });

  it('reloadable() marks every field of a section but those that say otherwise', () => {
    const section = reloadable({ x: int(1, 'x'), y: int(2, 'y', { reloadable: false }) });
    expect([section.x.reloadable, section.y.reloadable]).toEqual([true, false]);
  });
});

describe('extension sections', () => {
  it('are validated by the loader and kept under config.sections; extensions.enabled defaults to every extension', () => {
    const c = load({ demo_ext: { mode: 'b' } });
    expect(c.sections.demo_ext).toEqual({ mode: 'b', budget: 5, names: [] });
    expect(c.extensions.enabled).toEqual(['demo']);
    expect(loadConfig({ file: null, env: {} }).extensions.enabled).toEqual([]);
    expect(() => load({ demo_ext: { mode: 'c' } })).toThrow(ConfigError);
    expect(schemaKeys([demo]).filter((k) => k.at[0] === 'sections').map((k) => k.key)).toEqual(['demo_ext.mode', 'demo_ext.budget', 'demo_ext.names']);
    expect(Object.keys(relaySchema([demo])).at(-1)).toBe('demo_ext');
  });

  it('a moved key still loads from its old place, with a warning; the new place wins when both are set', () => {
    const old = load({ rate_limits: { demo_budget: 9 } });
    expect(old.sections.demo_ext?.budget).toBe(9);
    expect(configWarnings(old)).toEqual(['rate_limits.demo_budget moved to demo_ext.budget: rename it in the config file']);
    expect(load({ rate_limits: { demo_budget: 9 }, demo_ext: { budget: 3 } }).sections.demo_ext?.budget).toBe(3);
    const fromEnv = loadConfig({ file: null, env: { RELAY_RATE_LIMITS_DEMO_BUDGET: '4' }, extensions: [demo] });
    expect(fromEnv.sections.demo_ext?.budget).toBe(4);
    expect(configWarnings(fromEnv)).toEqual(['RELAY_RATE_LIMITS_DEMO_BUDGET moved to RELAY_DEMO_EXT_BUDGET (demo_ext.budget): rename the variable']);
    // Without the extension the old key is unknown, as any other.
    expect(() => load({ rate_limits: { demo_budget: 9 } }, [])).toThrow(/unknown key rate_limits.demo_budget/);
  });
});

describe('planReload', () => {
  it('takes the changed reloadable keys, keeps the restart-only ones and lists both', () => {
    const current = load({ limits: { max_filters: 10 }, server: { shutdown_grace_ms: 100 }, demo_ext: { mode: 'a', budget: 1 } });
    const next = load({ limits: { max_filters: 3 }, server: { shutdown_grace_ms: 200 }, demo_ext: { mode: 'b', budget: 2 } });
    const plan = planReload(current, next, [demo]);
    expect(plan.applied).toEqual(['limits.max_filters', 'demo_ext.budget']);
    expect(plan.needRestart).toEqual(['server.shutdown_grace_ms', 'demo_ext.mode']);
    expect(plan.config.limits.max_filters).toBe(3);
    expect(plan.config.server.shutdown_grace_ms).toBe(100);
    expect(plan.config.sections.demo_ext).toEqual({ mode: 'a', budget: 2, names: [] });
    expect(Object.isFrozen(plan.config.limits)).toBe(true);
    expect(configSources(plan.config)['limits.max_filters']).toBe('file');
  });

  it('changes nothing when the file says what is running', () => {
    const current = load({ auth: { allowlist: ['a'.repeat(64)] } });
    expect(planReload(current, load({ auth: { allowlist: ['a'.repeat(64)] } }), [demo])).toMatchObject({ applied: [], needRestart: [] });
  });
});
