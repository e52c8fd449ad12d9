// Helpers for call tests: stats from kazoo.getStats() in the page, and
// waits for audio that is measured, never assumed.
import { until, waitEvent } from './lab.mjs';

/** kazoo.getStats() of the page's current call (or of window[callVar]). */
export function stats(page) {
  return page.evaluate(() => kazoo.getStats());
}

/**
 * Waits until the page receives audio: at least `packets` more inbound
 * packets and more inbound audio energy than now. Returns the last stats.
 */
export async function audioFlowing(page, { packets = 25, timeout = 15_000, what = 'audio' } = {}) {
  const s0 = await stats(page);
  let last;
  await until(async () => {
    last = await stats(page);
    return last.inbound.packets - s0.inbound.packets >= packets && last.inbound.audioEnergy > s0.inbound.audioEnergy;
  }, { timeout, interval: 100, what: `${what} (inbound packets and energy rising)` });
  return last;
}

/**
 * Measures, while `clock` receives `packets` more packets (its inbound
 * stream is the time base, so no fixed sleep), how much `page`'s inbound
 * packets and audio energy grow. Returns {packets, energy}.
 */
export async function growthWhile(page, clock, { packets = 50, timeout = 15_000 } = {}) {
  const p0 = await stats(page);
  const c0 = await stats(clock);
  await until(async () => (await stats(clock)).inbound.packets - c0.inbound.packets >= packets,
    { timeout, interval: 100, what: `${packets} packets at the reference page` });
  const p1 = await stats(page);
  return { packets: p1.inbound.packets - p0.inbound.packets, energy: p1.inbound.audioEnergy - p0.inbound.audioEnergy };
}

/** Waits until page has sent `packets` more RTP packets (the far end hears ~that much). */
export async function sent(page, packets) {
  const s0 = await stats(page);
  await until(async () => (await stats(page)).outbound.packets - s0.outbound.packets >= packets,
    { timeout: 20_000, what: `${packets} packets sent` });
}

/** Calls kazoo.connect(target) in the page; resolves with the call object's data or the rejection. */
export function connect(page, target) {
  return page.evaluate((t) => kazoo.connect(t).then(
    (c) => ({ ok: true, id: c.id, direction: c.direction }),
    (e) => ({ ok: false, error: e }),
  ), target);
}

/** Waits for onIncoming in callee and accepts it there. */
export async function answer(callee) {
  const info = await waitEvent(callee, 'onIncoming');
  await callee.evaluate(() => window.incoming.accept());
  return info;
}

/** caller calls callee's user; callee answers; both see audio. */
export async function establish(caller, callee, user) {
  const r = await connect(caller, user);
  if (!r.ok) throw new Error(`connect failed: ${JSON.stringify(r.error)}`);
  await answer(callee);
  await waitEvent(caller, 'onAccepted');
  return r;
}

/** How many times the page recorded event name. */
export function count(page, name) {
  return page.evaluate((n) => window.events.filter((e) => e.name === n).length, name);
}

/** Every recorded arg of event name. */
export function args(page, name) {
  return page.evaluate((n) => window.events.filter((e) => e.name === n).map((e) => e.arg), name);
}
