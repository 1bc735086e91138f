// Launching Debian's Chromium headless for the browser tests and the page benchmark:
// playwright-core drives /usr/bin/chromium (no browser download), with a fresh profile in a
// temporary folder and the flags that keep it off the network.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const k_chromium = process.env.SLIPWAY_CHROMIUM || '/usr/bin/chromium';

/** Why Chromium or playwright-core cannot be used here, or null when both can. */
export async function whyNoBrowser() {
  if (!existsSync(k_chromium)) return `${k_chromium} is missing (Debian package chromium; scripts/setup.sh installs it)`;
  try {
    await import('playwright-core');
  } catch {
    return 'playwright-core is missing (scripts/setup.sh runs npm ci in tests/web)';
  }
  return null;
}

/** A headless Chromium on a fresh profile; close() also removes the profile. */
export async function launch() {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'slipway-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: k_chromium,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}
