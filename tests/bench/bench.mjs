// bench.mjs: what ./build.sh bench reports. Not a test: numbers, no
// pass/fail. Bundle sizes; N cold loads (a new Chromium and profile each)
// from navigation to onLoaded; register() → onConnected, cold (first in a
// fresh page) and warm (again in the same page). Medians with min–max.
import { statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startKamailio, repoRoot, accounts, realm } from '../playwright/lib/kamailio.mjs';
import { startServer, launchBrowser, startLab, loadKazoo, register, registerParams, waitEvent } from '../playwright/lib/lab.mjs';

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

// callTimings measures, in one page pair, connect() → onAccepted and
// connect() → first inbound RTP packet (getStats polled every 5 ms in the
// page), for `calls` calls: the first is cold (getUserMedia, first peer
// connection), the others warm.
async function callTimings(calls) {
  const lab = await startLab({ media: true });
  try {
    const [a, b] = [await lab.openPage(), await lab.openPage()];
    for (const [page, user] of [[a, '1001'], [b, '1002']]) {
      await loadKazoo(page);
      await register(page, registerParams(lab, user));
      await waitEvent(page, 'onConnected');
    }
    await b.evaluate(() => { window.autoAnswer = true; });
    const out = [];
    for (let i = 0; i < calls; i++) {
      out.push(await a.evaluate(() => new Promise((resolve, reject) => {
        const t0 = performance.now();
        let accepted = null;
        const before = window.events.length;
        const poll = setInterval(async () => {
          if (accepted === null) {
            const ev = window.events.slice(before).find((e) => e.name === 'onAccepted');
            if (ev) accepted = ev.at - t0;
            const fail = window.events.slice(before).find((e) => e.name === 'onCancel' || e.name === 'onError');
            if (fail) { clearInterval(poll); reject(new Error(JSON.stringify(fail))); }
          }
          const st = await kazoo.getStats().catch(() => null);
          if (st && st.inbound.packets > 0 && accepted !== null) {
            clearInterval(poll);
            resolve({ accepted, firstRtp: performance.now() - t0 });
          }
        }, 5);
        kazoo.connect('1002').catch(reject);
      })));
      await a.evaluate(() => kazoo.hangup());
      await waitEvent(b, 'onHangup');
      await b.evaluate(() => { window.events = []; });
    }
    return out;
  } finally {
    await lab.stop();
  }
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
  const calls = await callTimings(RUNS + 1);
  const result = {
    date: new Date().toISOString(),
    callsColdFirst: calls[0],
    connectToAcceptedMs: calls.slice(1).map((c) => c.accepted),
    connectToFirstRtpMs: calls.slice(1).map((c) => c.firstRtp),
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
  console.log(`first call in a page: connect → onAccepted ${calls[0].accepted.toFixed(0)} ms, → first inbound RTP ${calls[0].firstRtp.toFixed(0)} ms`);
  console.log(`connect() → onAccepted (kazoo ↔ kazoo, auto-answer, ${RUNS} warm calls): ${summary(result.connectToAcceptedMs)}`);
  console.log(`connect() → first inbound RTP packet:      ${summary(result.connectToFirstRtpMs)}`);
  mkdirSync(path.join(repoRoot, '.cache'), { recursive: true });
  writeFileSync(path.join(repoRoot, '.cache', 'bench.json'), JSON.stringify(result, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
