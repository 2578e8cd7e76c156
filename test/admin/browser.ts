/**
 * Browser support for the admin console tests: Debian's chromium driven by playwright-core, with a
 * NIP-07 signer (`window.nostr`) injected into the page and backed by a test identity.
 * Absent chromium skips the browser tests with a message, unless CI or REQUIRE_BROWSER=1 (then it fails).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { finalizeEvent } from 'nostr-tools/pure';
import type { Identity } from '../helpers.js';

/** Where chromium is looked for (CHROMIUM_PATH overrides). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
/** In CI (and with REQUIRE_BROWSER=1) a missing chromium is a failure, not a skip. */
export const browserRequired = Boolean(process.env.CI) || process.env.REQUIRE_BROWSER === '1';
/** Screenshots of every console page, kept as test artifacts (git-ignored). */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'admin');

if (!hasChromium) {
  console.warn(`admin console browser tests: chromium not found at ${CHROMIUM_PATH}; skipped (apt-get install chromium, or set CHROMIUM_PATH)`);
}

export async function launch(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Root in a container cannot use chromium's sandbox.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
}

/**
 * A browser context whose pages have `window.nostr` (NIP-07: getPublicKey, signEvent) signing as
 * `who` in the test process; without `who`, a context with no signer (the admin-link path).
 * `signed` records the kinds of events signed, so a test can see the console asked for NIP-98 tokens.
 */
export async function contextWithSigner(browser: Browser, who?: Identity): Promise<{ context: BrowserContext; signed: number[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const signed: number[] = [];
  if (who) {
    await context.exposeFunction('__testSignerPubkey', () => who.pk);
    await context.exposeFunction('__testSignerSign', (template: { kind: number; created_at: number; tags: string[][]; content: string }) => {
      signed.push(template.kind);
      return finalizeEvent(template, who.sk);
    });
    await context.addInitScript(() => {
      const w = globalThis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>> & { nostr?: unknown };
      w.nostr = { getPublicKey: () => w.__testSignerPubkey!(), signEvent: (t: unknown) => w.__testSignerSign!(t) };
    });
  }
  return { context, signed };
}
