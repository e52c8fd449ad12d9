// The bench's measurements with two pages of one library (a caller and an
// auto-answering callee) registered at the lab's Kamailio.
import { registerParams, realm } from '../playwright/lib/lab.mjs';
import { openBenchPage, closeBenchPage, memory, waitState } from './pages.mjs';

/** Lab accounts per library: each side has its own AORs. */
const users = { kazoo: { caller: '1001', callee: '1002' }, jssip: { caller: '1003', callee: '1004' } };

/** register() params for lib's caller or callee; extra goes to kazoo only. */
export function params(lab, lib, who, extra) {
  return registerParams(lab, users[lib][who], lib === 'kazoo' ? extra : {});
}

/** The SIP URI of lib's callee. */
export const target = (lib) => `sip:${users[lib].callee}@${realm}`;

/** A page of lib registered as its callee, answering every call at once. */
export async function openCallee(lab, lib, extra, opts) {
  const callee = await openBenchPage(lab, lib, opts);
  await callee.evaluate((p) => window.bench.register(p), params(lab, lib, 'callee', extra));
  await callee.evaluate(() => window.bench.autoAnswer(true));
  return callee;
}

// One call from caller to callee, hung up by the caller once inbound RTP
// flowed; resolves once the callee saw it end.
async function oneCall(caller, callee, lib, n) {
  const r = await caller.evaluate((uri) => window.bench.call(uri), target(lib));
  await caller.evaluate(() => window.bench.hangup());
  await waitState(callee, 'ended', n);
  return r;
}

/**
 * One run in fresh pages: register (first in the page), memory after it,
 * 1 + warmCalls calls (the first is the page's first call), then
 * unregister and register again. The callee page is fresh too; its
 * INVITE → 200 times come from its wire tap.
 */
export async function callRun(lab, lib, { warmCalls, extra }) {
  const callee = await openCallee(lab, lib, extra);
  const caller = await openBenchPage(lab, lib);
  try {
    const p = params(lab, lib, 'caller', extra);
    const register = await caller.evaluate((x) => window.bench.register(x), p);
    const mem = await memory(caller);
    const calls = [];
    for (let i = 0; i <= warmCalls; i++) calls.push(await oneCall(caller, callee, lib, i + 1));
    const calleeInviteTo200 = await callee.evaluate(() => window.benchKit.calleeWire());
    await caller.evaluate(() => window.bench.unregister());
    const registerAgain = await caller.evaluate((x) => window.bench.register(x), p);
    await caller.evaluate(() => window.bench.unregister());
    await callee.evaluate(() => window.bench.unregister());
    const errors = [...caller.pageErrors, ...callee.pageErrors];
    if (errors.length) throw new Error(`${lib} page errors: ${errors.join('; ')}`);
    return { register, registerAgain, memory: mem, calls, calleeInviteTo200 };
  } finally {
    await closeBenchPage(caller);
    await closeBenchPage(callee);
  }
}

/**
 * Growth: in one caller page, cycles × (register, call the auto-answering
 * callee until inbound RTP, hang up, unregister); memory after GC every
 * `every` cycles (and before the first). No wire tap in these pages.
 * Returns {samples: [{cycle, heap, wasm, total}], calleeSamples, msPerCycle}.
 */
export async function growth(lab, lib, { cycles, every = 20, extra }) {
  const callee = await openCallee(lab, lib, extra, { tap: false });
  const caller = await openBenchPage(lab, lib, { tap: false });
  try {
    const p = params(lab, lib, 'caller', extra);
    const samples = [{ cycle: 0, ...await memory(caller) }];
    const calleeSamples = [{ cycle: 0, ...await memory(callee) }];
    let busy = 0;
    for (let c = 1; c <= cycles; c++) {
      const t0 = performance.now();
      await caller.evaluate(async ({ x, uri }) => {
        await window.bench.register(x);
        await window.bench.call(uri);
        await window.bench.hangup();
        await window.bench.unregister();
      }, { x: p, uri: target(lib) });
      await waitState(callee, 'ended', c);
      busy += performance.now() - t0;
      if (c % every === 0 || c === cycles) {
        // JsSIP closes a stopped UA's socket up to 2 s later: sample once
        // every socket of the cycles before is closed.
        await waitState(caller, 'liveSockets', 0, { exact: true, timeout: 10_000 });
        samples.push({ cycle: c, ...await memory(caller) });
        calleeSamples.push({ cycle: c, ...await memory(callee) });
      }
    }
    await callee.evaluate(() => window.bench.unregister());
    const errors = [...caller.pageErrors, ...callee.pageErrors];
    if (errors.length) throw new Error(`${lib} page errors: ${errors.join('; ')}`);
    return { cycles, every, samples, calleeSamples, msPerCycle: busy / cycles };
  } finally {
    await closeBenchPage(caller);
    await closeBenchPage(callee);
  }
}
