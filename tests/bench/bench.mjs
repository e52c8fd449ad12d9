// bench.mjs: what ./build.sh bench reports. Not a test: numbers, no
// pass/fail. Bundle sizes; N cold loads (a new Chromium and profile each)
// from navigation to onLoaded; register() → onConnected, cold (first in a
// fresh page) and warm (again in the same page). Medians with min–max.
import { statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startKamailio, repoRoot, accounts, realm } from '../playwright/lib/kamailio.mjs';
import { startServer, launchBrowser } from '../playwright/lib/lab.mjs';

const RUNS = Number(process.env.KAZOO_BENCH_RUNS || 5);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const summary = (xs) => `${median(xs).toFixed(0)} ms [${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}]`;

function sizes() {
  const out = {};
  for (const f of ['kazoo.wasm', 'kazoo.js']) {
    const p = path.join(repoRoot, 'dist', f);
    out[f] = { raw: statSync(p).size, gzip: statSync(`${p}.gz`).size, brotli: statSync(`${p}.br`).size };
  }
  return out;
}

async function main() {
  const kamailio = await startKamailio();
  const server = await startServer({ wsUrl: kamailio.wsUrl });
  const a = accounts[0];
  const params = { wsUrl: kamailio.wsUrl, realm, publicIdentity: a.uri, privateIdentity: a.user, password: a.password };
  const load = [];
  const wasmFetch = [];
  const registerCold = [];
  const registerWarm = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const browser = await launchBrowser();
      try {
        const page = await (await browser.newContext()).newPage();
        await page.goto(`${server.url}/test/bench.html`);
        await page.waitForFunction(() => window.loadedAt !== null, null, { timeout: 30_000, polling: 10 });
        load.push(await page.evaluate(() => window.loadedAt));
        wasmFetch.push(await page.evaluate(() => {
          const e = performance.getEntriesByType('resource').find((r) => r.name.endsWith('/kazoo.wasm'));
          return e ? e.responseEnd : NaN;
        }));
        const timeRegister = () => page.evaluate((p) => new Promise((resolve, reject) => {
          const t0 = performance.now();
          kazoo.register({ ...p, onConnected: () => resolve(performance.now() - t0), onError: reject });
        }), params);
        registerCold.push(await timeRegister());
        await page.evaluate(() => kazoo.logout());
        registerWarm.push(await timeRegister());
        await page.evaluate(() => kazoo.logout());
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.stop();
    await kamailio.stop();
  }
  const result = {
    date: new Date().toISOString(),
    runs: RUNS,
    sizes: sizes(),
    navigationToOnLoadedMs: load,
    wasmDownloadedMs: wasmFetch,
    registerColdMs: registerCold,
    registerWarmMs: registerWarm,
  };
  const s = result.sizes['kazoo.wasm'];
  const j = result.sizes['kazoo.js'];
  console.log(`kazoo.wasm  raw ${s.raw} B, gzip ${s.gzip} B, brotli ${s.brotli} B`);
  console.log(`kazoo.js    raw ${j.raw} B, gzip ${j.gzip} B, brotli ${j.brotli} B`);
  console.log(`navigation → onLoaded (cold, ${RUNS} runs): ${summary(load)}`);
  console.log(`  of which kazoo.wasm downloaded at:       ${summary(wasmFetch)}`);
  console.log(`register() → onConnected, first in page:   ${summary(registerCold)}`);
  console.log(`register() → onConnected, again:           ${summary(registerWarm)}`);
  mkdirSync(path.join(repoRoot, '.cache'), { recursive: true });
  writeFileSync(path.join(repoRoot, '.cache', 'bench.json'), JSON.stringify(result, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
