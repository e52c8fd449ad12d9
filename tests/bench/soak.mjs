// soak.mjs: does a kazoo page stay healthy for long? A benchmark, not a
// test: it prints figures and judges nothing. Against the lab's Kamailio
// (with rtpengine, as bench.mjs runs it), two kazoo pages in one Chromium:
// B registered and answering every call at once, and A.
//
//   -cycles N  (default 1000) N cycles in A: register, call B, wait until
//              A's RTCPeerConnection received RTP packets (getStats), hang
//              up, unregister (logout); a reading at the start and every
//              -every cycles (default 100).
//   -idle S    instead: A registered and idle for S seconds, a reading at
//              the start and every -every-s seconds (default 300).
//   -out FILE  the JSON (default .cache/soak.json, .cache/soak-idle.json
//              with -idle).
//
// A reading, of each page, after CDP HeapProfiler.collectGarbage (twice)
// and a Go collection: goroutines, kazoo's live js.Funcs, the calls kazoo
// tracks and the Go heap in use (kazoo.diagnostics({gc: true})); the
// RTCPeerConnections made, not closed, and still reachable
// (drivers/pc-count.js); the JS heap in use (CDP JSHeapUsedSize); the
// wasm linear memory (drivers/wasm-memory.js). At the end the goroutine
// stacks of both pages go to FILE's name with .stacks.txt.
//
// Run it inside a network namespace, as build.sh does:
//
//   ip netns exec <ns> node tests/bench/soak.mjs -cycles 1000
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../playwright/lib/kamailio.mjs';
import { startLab } from '../playwright/lib/lab.mjs';
import { pagesDir, openBenchPage, closeBenchPage, memory, waitState } from './pages.mjs';
import { openCallee, params, target } from './phases.mjs';

const lib = 'kazoo';
// Inbound RTP packets A waits for in each call: 10 × 20 ms of audio.
const PACKETS = 10;

function flags(argv) {
  const o = { cycles: 1000, every: 100, idle: 0, everyS: 300, out: '' };
  const names = { '-cycles': 'cycles', '-every': 'every', '-idle': 'idle', '-every-s': 'everyS', '-out': 'out' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = names[argv[i]];
    if (!k || i + 1 >= argv.length) throw new Error(`usage: soak.mjs [-cycles N] [-every N] [-idle S] [-every-s S] [-out FILE]; bad ${argv[i]}`);
    o[k] = k === 'out' ? argv[i + 1] : Number(argv[i + 1]);
  }
  o.out ||= path.join(repoRoot, '.cache', o.idle ? 'soak-idle.json' : 'soak.json');
  return o;
}

/** One page's reading (see the top of the file). */
async function reading(page) {
  const mem = await memory(page);
  const d = await page.evaluate(() => kazoo.diagnostics({ gc: true }));
  const pcs = await page.evaluate(() => window.__benchPCs());
  return {
    goroutines: d.goroutines,
    jsFuncs: d.jsFuncs,
    calls: d.calls,
    goHeap: d.heapAlloc,
    pcs,
    jsHeap: mem.heap,
    wasm: mem.wasm,
  };
}

// One cycle in A (see the top of the file); n is the cycle's number, so
// that B has seen n calls end once it is over.
async function cycle(a, b, p, n) {
  await a.evaluate(async ({ x, uri, packets }) => {
    await window.bench.register(x);
    await window.bench.call(uri);
    const pc = () => window.__benchOpenPCs().find((c) => c.remoteDescription);
    const deadline = performance.now() + 10_000;
    while ((await window.benchKit.inboundPackets(pc())) < packets) {
      if (performance.now() > deadline) throw new Error(`fewer than ${packets} RTP packets in 10 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await window.bench.hangup();
    await window.bench.unregister();
  }, { x: p, uri: target(lib), packets: PACKETS });
  await waitState(b, 'ended', n);
}

const mb = (v) => (v / 1048576).toFixed(2);

/** The table of one page's readings. */
function table(title, rows, label) {
  const head = [label, 'goroutines', 'js.Funcs', 'calls', 'PCs made/open/reachable', 'Go heap MB', 'JS heap MB', 'wasm MB'];
  const lines = [head, ...rows.map((r) => [String(r.at), String(r.goroutines), String(r.jsFuncs), String(r.calls),
    `${r.pcs.created}/${r.pcs.open}/${r.pcs.reachable}`, mb(r.goHeap), mb(r.jsHeap), mb(r.wasm)])];
  const w = head.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const fmt = (l) => `| ${l.map((c, i) => c.padStart(w[i])).join(' | ')} |`;
  return [title, fmt(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...lines.slice(1).map(fmt)].join('\n');
}

async function main() {
  const o = flags(process.argv.slice(2));
  const lab = await startLab({ media: true, serverArgs: ['-mount', `/bench/=${pagesDir}`] });
  const header = { date: new Date().toISOString(), chromium: lab.browser.version(), mode: o.idle ? 'idle' : 'cycles', ...o };
  console.log(`soak: ${JSON.stringify(header)}`);
  const readings = { a: [], b: [] };
  const t0 = Date.now();
  let stacks = {};
  try {
    const b = await openCallee(lab, lib, {}, { tap: false, pcCount: true });
    const a = await openBenchPage(lab, lib, { tap: false, pcCount: true });
    const p = params(lab, lib, 'caller', {});
    const read = async (at) => {
      const s = (Date.now() - t0) / 1000;
      readings.a.push({ at, s, ...await reading(a) });
      readings.b.push({ at, s, ...await reading(b) });
      const r = readings.a.at(-1);
      console.error(`${o.idle ? `${at} s` : `cycle ${at}`}: A goroutines ${r.goroutines} js.Funcs ${r.jsFuncs} PCs ${r.pcs.open}/${r.pcs.reachable} Go heap ${mb(r.goHeap)} MB JS heap ${mb(r.jsHeap)} MB wasm ${mb(r.wasm)} MB (${s.toFixed(0)} s)`);
    };
    if (o.idle) {
      await a.evaluate((x) => window.bench.register(x), p);
      await read(0);
      for (let at = o.everyS; at <= o.idle; at += o.everyS) {
        await new Promise((r) => setTimeout(r, t0 + at * 1000 - Date.now()));
        await read(at);
      }
      await a.evaluate(() => window.bench.unregister());
    } else {
      await read(0);
      for (let c = 1; c <= o.cycles; c++) {
        await cycle(a, b, p, c);
        if (c % o.every === 0 || c === o.cycles) await read(c);
      }
    }
    const dump = async (page) => (await page.evaluate(() => kazoo.diagnostics({ stacks: true }))).stacks;
    stacks = { a: await dump(a), b: await dump(b) };
    await b.evaluate(() => window.bench.unregister());
    const errors = [...a.pageErrors, ...b.pageErrors];
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    await closeBenchPage(a);
    await closeBenchPage(b);
  } finally {
    await lab.stop();
  }
  const seconds = (Date.now() - t0) / 1000;
  const label = o.idle ? 'seconds' : 'cycle';
  console.log(`\nsoak, ${o.idle ? `registered and idle ${o.idle} s` : `${o.cycles} register/call/hang-up/unregister cycles`} in ${seconds.toFixed(0)} s; readings after GC (JS and Go)`);
  console.log(table('A (the caller; registered and idle with -idle):', readings.a, label));
  console.log(table('\nB (registered all along, answers every call):', readings.b, label));
  mkdirSync(path.dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify({ ...header, seconds, readings }, null, 2));
  const stacksFile = o.out.replace(/\.json$/, '') + '.stacks.txt';
  writeFileSync(stacksFile, `A:\n${stacks.a}\n\nB:\n${stacks.b}\n`);
  console.log(`(${o.out}; goroutine stacks at the end: ${stacksFile})`);
}

main().catch((e) => { console.error(e); process.exit(1); });
