/**
 * The admin console in a real browser (Debian chromium via playwright-core) against a real relay:
 * NIP-07 sign-in, Members (allow, ban with its effect on a live client), KeyPackages (low pool),
 * Groups, Config, a non-admin refused, and the single-use admin link. Screenshots of each page go to
 * test-artifacts/admin/.
 */
import { join } from 'node:path';
import { nip19 } from 'nostr-tools';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminLinkCommand } from '../../src/cli/admin-link.js';
import { RawClient, startTestRelay, TEST_RELAY_URL, type TestRelay } from '../harness.js';
import { identity, signed, type Identity } from '../helpers.js';
import { keyPackageEvent30443, makeKeyPackage, mlsIdentity } from '../mls/fixtures.js';
import { ARTIFACTS, browserRequired, contextWithSigner, hasChromium, launch } from './browser.js';

async function authedClient(url: string, who: Identity): Promise<RawClient> {
  const c = await RawClient.open(url);
  const challenge = (await c.next((m) => m[0] === 'AUTH'))[1] as string;
  const ev = signed(who, { kind: 22242, content: '', tags: [['relay', TEST_RELAY_URL], ['challenge', challenge]] });
  const ok = await c.request(['AUTH', ev], (m) => m[0] === 'OK' && m[1] === ev.id);
  expect(ok[2], String(ok[3])).toBe(true);
  return c;
}

/** Waits until the console shows `page` loaded (its data-page set and not busy). */
async function onPage(page: Page, name: string): Promise<void> {
  await page.click(`nav button[data-page="${name}"]`);
  await page.waitForSelector(`#page[data-page="${name}"][aria-busy="false"]`);
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

describe.runIf(!hasChromium && browserRequired)('admin console browser tests (required here)', () => {
  it('has chromium', () => {
    throw new Error('chromium is required (CI or REQUIRE_BROWSER=1) but was not found; install Debian chromium or set CHROMIUM_PATH');
  });
});

describe.skipIf(!hasChromium)('admin console in chromium', () => {
  const admin = identity();
  const member = identity();
  const lowPool = identity();
  const outsider = identity(); // allowed on the relay, but not an admin
  const newcomer = identity();
  let relay: TestRelay;
  let browser: Browser;
  let page: Page;
  /** CSP violations, script errors and failed requests of the admin's page: there must be none. */
  const problems: string[] = [];

  beforeAll(async () => {
    relay = await startTestRelay({
      overrides: {
        auth: { required: true, allowlist: [member.pk, lowPool.pk, outsider.pk], admin_pubkeys: [nip19.npubEncode(admin.pk)] },
        metrics: { token: 'scrape-secret' },
        extensions: { enabled: ['mls-gateway'] },
        mls_gateway: { low_pool_threshold: 2, membership: 'roster' },
        rate_limits: { keypackages_per_hour: 0, events_per_minute: 0, group_messages_per_minute: 0 },
      },
    });
    // One KeyPackage for lowPool: below the threshold of 2. A stored profile name, and a group message.
    const c = await authedClient(relay.url, lowPool);
    const kp = await c.publish(keyPackageEvent30443(lowPool, await makeKeyPackage(mlsIdentity(lowPool))));
    expect(kp[2], String(kp[3])).toBe(true);
    const profile = await c.publish(signed(lowPool, { kind: 0, content: JSON.stringify({ name: 'Lowpool Lou' }) }));
    expect(profile[2], String(profile[3])).toBe(true);
    // Roster mode: lowPool creates the group (kind 450 bootstrap, then add), and posts to it as a member.
    const roster = (seq: number, op: string, targets: string[]) =>
      signed(lowPool, { kind: 450, content: '', tags: [['h', 'console-test-group'], ['seq', String(seq)], ['op', op], ...targets.map((p) => ['p', p])] });
    for (const op of [roster(1, 'bootstrap', [member.pk]), roster(2, 'add', [outsider.pk])]) {
      const ok = await c.publish(op);
      expect(ok[2], String(ok[3])).toBe(true);
    }
    const msg = signed(identity(), { kind: 445, tags: [['h', 'console-test-group']], content: Buffer.alloc(64, 7).toString('base64') });
    const sent = await c.publish(msg);
    expect(sent[2], String(sent[3])).toBe(true);
    c.ws.close();
    browser = await launch();
    const { context } = await contextWithSigner(browser, admin);
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => /Content.Security.Policy/i.test(m.text()) && problems.push(`csp: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
  });

  it('signs in with the NIP-07 signer and shows the Overview', async () => {
    await page.goto(`${relay.httpUrl}/admin`);
    await page.click('#signin-nip07');
    await page.waitForSelector('#page[data-page="overview"][aria-busy="false"]');
    expect(await page.textContent('#who')).toContain(nip19.npubEncode(admin.pk).slice(0, 16));
    const text = (await page.textContent('#page')) ?? '';
    expect(text).toContain('healthy');
    expect(text).toContain('sqlite');
    // The KeyPackage, the profile and the group message were counted by kind.
    expect(text).toMatch(/30443/);
    await shot(page, 'overview');
  });

  it('adds a pubkey (npub) on the Members page and lists it', async () => {
    await onPage(page, 'members');
    await page.fill('#member-form input[name="pubkey"]', nip19.npubEncode(newcomer.pk));
    await page.click('#allow-btn');
    await page.waitForSelector(`tr[data-pubkey="${newcomer.pk}"]`);
    expect(await page.textContent(`tr[data-pubkey="${newcomer.pk}"]`)).toContain('api');
    expect(await page.textContent(`tr[data-pubkey="${member.pk}"]`)).toContain('file');
    expect(await page.textContent(`tr[data-pubkey="${lowPool.pk}"]`)).toContain('Lowpool Lou');
    expect(relay.server.ctx.access.isAllowed(newcomer.pk)).toBe(true);
    await shot(page, 'members-added');
  });

  it('bans a connected member: its live subscription is closed and the console shows the effect', async () => {
    const client = await authedClient(relay.url, member);
    const eose = await client.request(['REQ', 'live', { kinds: [1] }], (m) => (m[0] === 'EOSE' || m[0] === 'CLOSED') && m[1] === 'live');
    expect(eose[0]).toBe('EOSE');
    await onPage(page, 'members'); // re-read: the live session is listed
    expect(await page.textContent(`tr[data-pubkey="${member.pk}"]`)).toContain('1 conn / 1 subs');
    await page.fill('#member-form input[name="reason"]', 'key compromised');
    await page.click(`button[data-ban="${member.pk}"]`);
    await page.waitForSelector(`tr[data-banned="${member.pk}"]`);
    expect(await page.textContent('#notice')).toContain('1 live session revoked, 1 subscription closed');
    expect(await page.textContent(`tr[data-banned="${member.pk}"]`)).toContain('key compromised');
    // Asserted from the banned client: its subscription was closed by the relay.
    const closed = await client.next((m) => m[0] === 'CLOSED' && m[1] === 'live');
    expect(String(closed[2])).toMatch(/^restricted:/);
    await shot(page, 'members-banned');
    client.ws.close();
  });

  it('highlights a low KeyPackage pool', async () => {
    await onPage(page, 'keypackages');
    const row = page.locator(`tr[data-owner="${lowPool.pk}"]`);
    expect(await row.getAttribute('class')).toBe('low');
    expect(await row.textContent()).toContain('low pool');
    await shot(page, 'keypackages');
  });

  it('shows the group registry, a group roster and its history of kind 450 operations', async () => {
    await onPage(page, 'groups');
    expect(await page.textContent('#page')).toContain('membership: roster');
    await page.click('button.group:has-text("console-test-group")');
    await page.waitForSelector('#group-detail h2');
    const detail = (await page.textContent('#group-detail')) ?? '';
    expect(detail).toContain('Roster seq 2');
    for (const pk of [lowPool.pk, member.pk, outsider.pk]) expect(detail).toContain(pk);
    const history = await page.locator('#group-detail table').nth(1).locator('tbody tr').allTextContents();
    expect(history.map((r) => r.slice(0, 2))).toEqual(['2a', '1b']); // seq then op: add, bootstrap (newest first)
    await shot(page, 'groups');
  });

  it('shows the configuration with sources and secrets redacted', async () => {
    await onPage(page, 'config');
    const text = (await page.textContent('#page')) ?? '';
    expect(text).toContain('auth.admin_pubkeys');
    expect(text).toContain('"[redacted]"');
    expect(text).not.toContain('scrape-secret');
    await shot(page, 'config');
  });

  it('ran every admin page without a CSP violation, a script error or a failed request', () => {
    expect(problems).toEqual([]);
  });

  it('refuses a non-admin signer without showing data', async () => {
    const { context, signed: kinds } = await contextWithSigner(browser, outsider);
    const other = await context.newPage();
    await other.goto(`${relay.httpUrl}/admin`);
    await other.click('#signin-nip07');
    await other.waitForSelector('#notice.error');
    expect(await other.textContent('#notice')).toContain('not a relay admin');
    expect(kinds).toContain(27235); // it did try, with a NIP-98 token
    expect(await other.isHidden('#page')).toBe(true);
    expect(await other.textContent('#page')).toBe('');
    expect(await other.isHidden('#nav')).toBe(true);
    await shot(other, 'refused-non-admin');
    await context.close();
  });

  it('accepts an admin link once and refuses it the second time', async () => {
    const lines: string[] = [];
    const code = await runAdminLinkCommand([], { config: relay.config, kv: relay.server.storage.kv, out: (l) => lines.push(l) });
    expect(code).toBe(0);
    const printed = new URL(lines[0] as string);
    expect(printed.origin).toBe('http://relay.test');
    expect(printed.hash).toMatch(/^#link=[A-Za-z0-9_-]{43}$/);
    const link = `${relay.httpUrl}${printed.pathname}${printed.hash}`;

    const first = await contextWithSigner(browser); // no NIP-07 signer at all
    const p1 = await first.context.newPage();
    await p1.goto(link);
    await p1.waitForSelector('#page[data-page="overview"][aria-busy="false"]');
    expect(await p1.textContent('#who')).toContain('link session');
    expect(p1.url()).not.toContain('link='); // the secret left the address bar
    await onPage(p1, 'members');
    await shot(p1, 'admin-link-session');

    const second = await contextWithSigner(browser);
    const p2 = await second.context.newPage();
    await p2.goto(link);
    await p2.waitForSelector('#notice.error');
    expect(await p2.textContent('#notice')).toContain('already used');
    expect(await p2.isHidden('#page')).toBe(true);
    await shot(p2, 'admin-link-reused');
    await first.context.close();
    await second.context.close();
  });
});
