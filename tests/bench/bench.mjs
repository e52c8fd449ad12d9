// bench.mjs: what ./build.sh bench reports first. Not a test: numbers, no
// pass/fail. kazoo and JsSIP side by side, against one real Kamailio (and
// rtpengine, as the media lab runs it), in Debian Chromium:
//
//   - bundle bytes: kazoo.wasm + kazoo.js from dist/; JsSIP's esbuild
//     bundle, minified, compressed here (gzip -9, brotli q11) as build.sh
//     compresses dist/;
//   - navigation → ready, cold (a fresh Chromium profile) and warm (the same
//     page again in that profile: HTTP cache revalidated with 304s, and
//     Chromium's compiled-code cache). kazoo: onLoaded; JsSIP: its script
//     ran and a JsSIP.UA was constructed (pages/*.html);
//   - register → registered, socket opening included: kazoo register() →
//     onConnected; JsSIP new UA + start() → 'registered';
//   - calls between two pages of the same library through Kamailio, the
//     callee answering at once: connect → our INVITE on the wire, → accepted
//     (200 OK received, answer applied, ACK sent: kazoo onAccepted, JsSIP
//     'confirmed'), → first inbound RTP packet (getStats inbound-rtp
//     packetsReceived > 0, polled every 5 ms once accepted); the callee's
//     INVITE in → 200 out, at its WebSocket (drivers/wiretap.js). The first
//     call of a fresh page and later ones apart;
//   - memory after register, after GC: JS heap and wasm linear memory;
//   - growth: C cycles of register / call / hang up / unregister in one
//     page, memory sampled every 20 cycles; the least-squares slope over the
//     second half of the samples.
//
// Environment: KAZOO_BENCH_RUNS (default 5) fresh-page runs per library;
// KAZOO_BENCH_WARM_CALLS (default 3) calls after the first in each run;
// KAZOO_BENCH_CYCLES (default 200) growth cycles, KAZOO_BENCH_JSSIP_CYCLES
// for JsSIP if it must differ; KAZOO_BENCH_KAZOO_PARAMS, JSON merged into
// kazoo's register() params (e.g. {"warmup":"full"}). The libraries take
// turns in each run. Writes .cache/bench.json and prints it.
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import path from 'node:path';
import { repoRoot } from '../playwright/lib/kamailio.mjs';
import { startLab } from '../playwright/lib/lab.mjs';
import { jssipBundle } from '../playwright/lib/jssip.mjs';
import { pagesDir, libs, loadTimes } from './pages.mjs';
import { callRun, growth } from './phases.mjs';
import { summarize, slope, table, ratio } from './stats.mjs';

const env = (name, dflt) => (process.env[name] ? Number(process.env[name]) : dflt);
const RUNS = env('KAZOO_BENCH_RUNS', 5);
const WARM_CALLS = env('KAZOO_BENCH_WARM_CALLS', 3);
const CYCLES = { kazoo: env('KAZOO_BENCH_CYCLES', 200) };
CYCLES.jssip = env('KAZOO_BENCH_JSSIP_CYCLES', CYCLES.kazoo);
const KAZOO_PARAMS = JSON.parse(process.env.KAZOO_BENCH_KAZOO_PARAMS || '{}');

// Bundle sizes. JsSIP's gzip and brotli copies are written next to it, so
// that kazoo-dev serves them precompressed as it serves dist/ (rather than
// compressing on the first request, inside a timed load).
function sizes(jssipPath) {
  const kazoo = {};
  for (const f of ['kazoo.wasm', 'kazoo.js']) {
    const p = path.join(repoRoot, 'dist', f);
    kazoo[f] = { raw: statSync(p).size, gzip: statSync(`${p}.gz`).size, brotli: statSync(`${p}.br`).size };
  }
  const js = readFileSync(jssipPath);
  const gz = gzipSync(js, { level: 9 });
  const br = brotliCompressSync(js, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(`${jssipPath}.gz`, gz);
  writeFileSync(`${jssipPath}.br`, br);
  const jssip = { raw: js.length, gzip: gz.length, brotli: br.length };
  const sum = (k) => kazoo['kazoo.wasm'][k] + kazoo['kazoo.js'][k];
  return { kazoo: { raw: sum('raw'), gzip: sum('gzip'), brotli: sum('brotli'), files: kazoo }, jssip };
}

// The unit of a row's values (the table shows some scaled).
const units = { ms: 'ms', B: 'bytes', MB: 'bytes', 'KB/cycle': 'bytes/cycle' };

// The growth run's figures: slopes (bytes per cycle) over the samples of
// the second half, and the first and last sample.
function growthFigures(g) {
  const half = g.samples.filter((s) => s.cycle >= g.cycles / 2);
  const xs = half.map((s) => s.cycle);
  const fig = (samples) => ({
    slope: Object.fromEntries(['heap', 'wasm', 'total'].map((k) => [k, slope(xs, samples.filter((s) => s.cycle >= g.cycles / 2).map((s) => s[k]))])),
    start: samples[0],
    end: samples[samples.length - 1],
  });
  return { ...g, caller: fig(g.samples), callee: fig(g.calleeSamples) };
}

async function main() {
  const jssipPath = await jssipBundle({ minify: true });
  const size = sizes(jssipPath);
  const lab = await startLab({
    media: true,
    serverArgs: ['-mount', `/bench/=${pagesDir}`, '-mount', `/jssip/=${path.dirname(jssipPath)}`],
  });
  const jssipVersion = JSON.parse(readFileSync(path.join(repoRoot, 'tests', 'playwright', 'node_modules', 'jssip', 'package.json'))).version;
  const header = {
    date: new Date().toISOString(),
    chromium: lab.browser.version(),
    jssip: jssipVersion,
    runs: RUNS,
    warmCalls: WARM_CALLS,
    cycles: CYCLES,
    kazooParams: KAZOO_PARAMS,
  };
  console.log(`bench: ${JSON.stringify(header)}`);
  const raw = Object.fromEntries(libs.map((l) => [l, { load: [], runs: [] }]));
  const growthOf = {};
  try {
    // One load of each page first, unmeasured: the server reads its files
    // once, the OS caches Chromium's.
    for (const lib of libs) await loadTimes(lab.server.url, lib);
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 ? [...libs].reverse() : libs;
      for (const lib of order) {
        raw[lib].load.push(await loadTimes(lab.server.url, lib));
        raw[lib].runs.push(await callRun(lab, lib, { warmCalls: WARM_CALLS, extra: KAZOO_PARAMS }));
        console.error(`run ${i + 1}/${RUNS} ${lib} done`);
      }
    }
    for (const lib of libs) {
      const t0 = Date.now();
      growthOf[lib] = growthFigures(await growth(lab, lib, { cycles: CYCLES[lib], extra: KAZOO_PARAMS }));
      console.error(`growth ${lib}: ${CYCLES[lib]} cycles in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await lab.stop();
  }

  const per = (lib, f) => summarize(raw[lib].runs.flatMap(f));
  const row = (label, unit, f) => ({ label, unit, jssip: f('jssip'), kazoo: f('kazoo') });
  const one = (v) => summarize([v]);
  const g = (lib) => growthOf[lib];
  const rows = [
    row('bundle, raw', 'B', (l) => one(size[l].raw)),
    row('bundle, gzip -9', 'B', (l) => one(size[l].gzip)),
    row('bundle, brotli q11', 'B', (l) => one(size[l].brotli)),
    row('load → ready, cold profile', 'ms', (l) => summarize(raw[l].load.map((x) => x.cold))),
    row('load → ready, warm (same profile)', 'ms', (l) => summarize(raw[l].load.map((x) => x.warm))),
    row('register → registered, fresh page', 'ms', (l) => per(l, (r) => [r.register])),
    row('register → registered, again', 'ms', (l) => per(l, (r) => [r.registerAgain])),
    row('connect → INVITE on wire, 1st call', 'ms', (l) => per(l, (r) => [r.calls[0].invite])),
    row('connect → INVITE on wire, later', 'ms', (l) => per(l, (r) => r.calls.slice(1).map((c) => c.invite))),
    row('connect → accepted, 1st call', 'ms', (l) => per(l, (r) => [r.calls[0].accepted])),
    row('connect → accepted, later calls', 'ms', (l) => per(l, (r) => r.calls.slice(1).map((c) => c.accepted))),
    row('caller: 200 OK on wire → accepted', 'ms', (l) => per(l, (r) => r.calls.map((c) => c.accepted - c.ok200))),
    row('connect → first inbound RTP, 1st', 'ms', (l) => per(l, (r) => [r.calls[0].firstRtp])),
    row('connect → first inbound RTP, later', 'ms', (l) => per(l, (r) => r.calls.slice(1).map((c) => c.firstRtp))),
    row('callee INVITE → 200 (wire), 1st call', 'ms', (l) => per(l, (r) => r.calleeInviteTo200.slice(0, 1))),
    row('callee INVITE → 200 (wire), later', 'ms', (l) => per(l, (r) => r.calleeInviteTo200.slice(1))),
    row('JS heap after register', 'MB', (l) => per(l, (r) => [r.memory.heap])),
    row('wasm memory after register', 'MB', (l) => per(l, (r) => [r.memory.wasm])),
    row('heap + wasm after register', 'MB', (l) => per(l, (r) => [r.memory.total])),
    row('growth: time per cycle', 'ms', (l) => one(g(l).msPerCycle)),
    row('growth: JS heap slope, 2nd half', 'KB/cycle', (l) => one(g(l).caller.slope.heap)),
    row('growth: wasm slope, 2nd half', 'KB/cycle', (l) => one(g(l).caller.slope.wasm)),
    row('growth: heap + wasm slope', 'KB/cycle', (l) => one(g(l).caller.slope.total)),
    row('growth: heap + wasm at start', 'MB', (l) => one(g(l).caller.start.total)),
    row('growth: heap + wasm at end', 'MB', (l) => one(g(l).caller.end.total)),
    row('growth: callee heap + wasm slope', 'KB/cycle', (l) => one(g(l).callee.slope.total)),
  ];
  const result = {
    ...header,
    accepted: 'kazoo onAccepted; JsSIP session confirmed: both after the 200 OK is received, the answer applied and the ACK sent',
    sizes: size,
    metrics: rows.map((r) => ({ ...r, unit: units[r.unit], ratio: ratio(r.kazoo, r.jssip) })),
    raw,
    growth: growthOf,
  };
  console.log(`\nkazoo vs JsSIP ${jssipVersion}; ${RUNS} runs, ${WARM_CALLS} later calls per run; growth cycles kazoo ${CYCLES.kazoo}, JsSIP ${CYCLES.jssip}; kazoo register params ${JSON.stringify(KAZOO_PARAMS)}`);
  console.log(table(rows));
  console.log(`accepted = ${result.accepted}; "1st call" = the first call of a fresh page, "later" = the calls after it in that page; growth slopes by least squares over cycles ${CYCLES.kazoo / 2}…${CYCLES.kazoo} (kazoo) and ${CYCLES.jssip / 2}…${CYCLES.jssip} (JsSIP).`);
  mkdirSync(path.join(repoRoot, '.cache'), { recursive: true });
  // Indented, with lists of numbers on one line.
  const json = JSON.stringify(result, null, 2)
    .replace(/\[\s+([-\d.e+,\s]*?)\s+\]/g, (_, xs) => `[${xs.split(/,\s*/).join(', ')}]`);
  writeFileSync(path.join(repoRoot, '.cache', 'bench.json'), json);
  // The table as JSON (bench.json also has every value, per run and per
  // growth sample): one metric a line.
  // Values rounded; in ms, bytes or bytes per cycle as in bench.json.
  const round = (v, d) => Math.round(v * 10 ** d) / 10 ** d;
  const brief = (s) => s && { median: round(s.median, 1), min: round(s.min, 1), max: round(s.max, 1), n: s.n };
  const lines = result.metrics.map((m) => `    ${JSON.stringify({
    metric: m.label, unit: m.unit, jssip: brief(m.jssip), kazoo: brief(m.kazoo), ratio: m.ratio === null ? null : round(m.ratio, 3),
  })}`);
  console.log(`{\n  "bench": ${JSON.stringify(header)},\n  "accepted": ${JSON.stringify(result.accepted)},\n  "metrics": [\n${lines.join(',\n')}\n  ]\n}`);
  console.log('(every value: .cache/bench.json)');
}

main().catch((e) => { console.error(e); process.exit(1); });
