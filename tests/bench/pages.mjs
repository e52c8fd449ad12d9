// The bench's pages: tests/bench/pages/<lib>.html served by kazoo-dev at
// /bench/ (JsSIP's minified bundle at /jssip/), the in-page drivers, and
// the memory readings.
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { launchProfile } from '../playwright/lib/lab.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const drivers = path.join(here, 'drivers');

/** The bench pages' directory (kazoo-dev mounts it at /bench/). */
export const pagesDir = path.join(here, 'pages');

/** The two libraries, by the name of their page and driver. */
export const libs = ['jssip', 'kazoo'];

const pageReady = (page) => page.waitForFunction(() => window.readyAt !== null && window.readyAt !== undefined,
  null, { timeout: 60_000, polling: 10 });

/**
 * Loads lib's page twice in a fresh Chromium profile: cold (empty HTTP and
 * code caches) and warm (the same URL again in the same profile). Returns
 * ms from navigation to ready for each.
 */
export async function loadTimes(serverUrl, lib) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kazoo-bench-profile-'));
  const context = await launchProfile(dir);
  try {
    const page = context.pages()[0] || await context.newPage();
    const url = `${serverUrl}/bench/${lib}.html`;
    const once = async () => {
      await page.goto(url);
      await pageReady(page);
      return page.evaluate(() => window.readyAt);
    };
    const cold = await once();
    const warm = await once();
    return { cold, warm };
  } finally {
    await context.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Opens lib's page in a new context of the lab's browser (fake microphone),
 * waits until the library is ready and adds the bench driver. With tap,
 * the wire tap (drivers/wiretap.js) is in the page from the start, and with
 * pcCount the RTCPeerConnection counter (drivers/pc-count.js); the wasm
 * memory probe always is.
 */
export async function openBenchPage(lab, lib, { tap = true, pcCount = false } = {}) {
  const context = await lab.browser.newContext();
  if (tap) await context.addInitScript({ path: path.join(drivers, 'wiretap.js') });
  if (pcCount) await context.addInitScript({ path: path.join(drivers, 'pc-count.js') });
  await context.addInitScript({ path: path.join(drivers, 'wasm-memory.js') });
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  await page.goto(`${lab.server.url}/bench/${lib}.html`);
  await pageReady(page);
  await page.addScriptTag({ path: path.join(drivers, 'common.js') });
  await page.addScriptTag({ path: path.join(drivers, `${lib}.js`) });
  return page;
}

/** Closes a page opened by openBenchPage, with its context. */
export async function closeBenchPage(page) {
  await page.context().close();
}

/**
 * Memory of the page after a full garbage collection: the JS heap in use
 * (CDP Performance.getMetrics JSHeapUsedSize, after
 * HeapProfiler.collectGarbage) and the WebAssembly linear memory (kazoo's
 * Go heap and stacks live there; it only ever grows). Bytes.
 */
export async function memory(page) {
  if (!page.benchCdp) {
    page.benchCdp = await page.context().newCDPSession(page);
    await page.benchCdp.send('Performance.enable');
  }
  const cdp = page.benchCdp;
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const heap = metrics.find((m) => m.name === 'JSHeapUsedSize').value;
  const wasm = await page.evaluate(() => window.__benchWasmBytes());
  return { heap, wasm, total: heap + wasm };
}

/** Waits until the page's driver state satisfies state[key] >= n (or === n with exact). */
export async function waitState(page, key, n, { exact = false, timeout = 15_000 } = {}) {
  await page.waitForFunction(([k, v, eq]) => (eq ? window.bench.state[k] === v : window.bench.state[k] >= v),
    [key, n, exact], { timeout, polling: 10 });
}
