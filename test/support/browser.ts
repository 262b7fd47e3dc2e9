import fs from 'node:fs';

import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium; browser tests skip where it is missing. */
export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = fs.existsSync(CHROMIUM);

export function warnIfNoChromium(what: string): void {
  if (!haveChromium) console.warn(`skipping ${what}: ${CHROMIUM} is missing (apt-get install chromium)`);
}

/**
 * Headless Chromium with one page on which nothing may be fetched from anywhere but 127.0.0.1 (and URLs of the
 * `alsoAllowed` protocols, e.g. `data:`); every other request is aborted and listed in `outside`.
 */
export async function offlinePage(alsoAllowed: string[] = []): Promise<{ browser: Browser; page: Page; outside: string[] }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const page = await browser.newPage();
  const outside: string[] = [];
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || alsoAllowed.includes(url.protocol)) return route.continue();
    outside.push(url.href);
    return route.abort();
  });
  return { browser, page, outside };
}
