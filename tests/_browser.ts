/**
 * Debian's chromium driven by puppeteer-core (no browser is downloaded):
 * headless, and without the sandbox, which Chromium refuses to use as root.
 */

import puppeteer, { type Browser } from "puppeteer-core";

/** Where Debian installs Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Starts a headless Chromium; close it with `await using`. */
export async function launchBrowser(): Promise<Browser & AsyncDisposable> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
  return Object.assign(browser, {
    [Symbol.asyncDispose]: () => browser.close(),
  });
}
