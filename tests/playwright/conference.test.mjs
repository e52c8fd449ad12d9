// Local conference (kazoo.conference): page A calls B and C through the
// real Kamailio and rtpengine, then mixes the two calls in the page. B's
// and C's microphones play their own tones (an oscillator in place of
// getUserMedia), A's the lab's fake device (440 Hz), so who hears whom is
// measured by frequency: an AnalyserNode on the stream each page's
// <audio> element plays.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, waitEvent, registerParams, loadKazoo, register, until, browserTone } from './lib/lab.mjs';
import { answer, count } from './lib/calls.mjs';

const tone = { A: browserTone, B: 700, C: 1230 };
const freqs = [tone.A, tone.B, tone.C];
// Analyser levels (dB per FFT bin) above which a tone is heard, and below
// which it is not: a tone reads about -25 to -45 dB, the codec's noise
// floor -74 dB and lower, silence under -100.
const heard = -50;
const unheard = -62;

let lab;
before(async () => { lab = await startLab({ media: true }); });
after(async () => { await lab?.stop(); });

/** Init script: getUserMedia gives an oscillator at freq Hz instead of the fake device. */
function toneMicrophone(freq) {
  let ac;
  navigator.mediaDevices.getUserMedia = async () => {
    ac ||= new AudioContext();
    await ac.resume();
    const osc = ac.createOscillator();
    osc.frequency.value = freq;
    const gain = ac.createGain();
    gain.gain.value = 0.3;
    const out = ac.createMediaStreamDestination();
    osc.connect(gain).connect(out);
    osc.start();
    return out.stream;
  };
}

/** A registered page for user; with freq, its microphone plays that tone. */
async function phone(user, freq) {
  const page = await lab.openPage(freq ? { initScript: `(${toneMicrophone})(${freq})` } : {});
  await loadKazoo(page);
  await register(page, registerParams(lab, user));
  await waitEvent(page, 'onConnected');
  return page;
}

/** A calls user (the call object is window.out[user]); the callee answers. */
async function call(a, callee, user) {
  const accepted = await count(a, 'onAccepted');
  const id = await a.evaluate((u) => kazoo.connect(u).then((c) => { (window.out ||= {})[u] = c; return c.id; }), user);
  assert.equal(typeof id, 'string');
  await answer(callee);
  await until(async () => (await count(a, 'onAccepted')) > accepted, { timeout: 15_000, what: `${user} answered` });
}

/** Starts measuring, in the page, the tones its call's <audio> element plays. */
function listen(page) {
  return page.evaluate(() => {
    const el = document.querySelector('audio[data-kazoo-audio]');
    const ac = new AudioContext();
    const analyser = ac.createAnalyser();
    analyser.fftSize = 8192;
    analyser.smoothingTimeConstant = 0.3;
    ac.createMediaStreamSource(el.srcObject).connect(analyser);
    const bins = new Float32Array(analyser.frequencyBinCount);
    window.tones = (list) => {
      analyser.getFloatFrequencyData(bins);
      const out = {};
      for (const f of list) {
        const i = Math.round((f * analyser.fftSize) / ac.sampleRate);
        out[f] = Math.max(...bins.slice(i - 2, i + 3));
      }
      return out;
    };
    return ac.resume();
  });
}

function levels(page) {
  return page.evaluate((list) => window.tones(list), freqs);
}

/**
 * Waits until page hears the tones of `yes` and none of `no` (names of
 * the parties); returns the levels.
 */
async function hears(page, who, { yes = [], no = [] }) {
  let last;
  let times = 0; // three readings in a row, so that no passing dip or peak decides
  const what = `${who} to hear ${yes.join('+') || 'nobody'} and not ${no.join('+') || '-'}`;
  await until(async () => {
    last = await levels(page);
    const ok = yes.every((p) => last[tone[p]] > heard) && no.every((p) => last[tone[p]] < unheard);
    times = ok ? times + 1 : 0;
    return times >= 3;
  }, { timeout: 15_000, what }).catch((e) => {
    throw new Error(`${e.message}; last levels (dB) ${JSON.stringify(last)}`);
  });
  return last;
}

function conference(a, users) {
  return a.evaluate((list) => kazoo.conference(list.map((u) => window.out[u])).then(() => 'ok', (e) => e), users);
}

test('A conferences B and C: each hears the others and A; mute is per call; [] and a hang-up end it', async () => {
  const pages = [];
  try {
    const a = await phone('1001');
    const b = await phone('1002', tone.B);
    const c = await phone('1003', tone.C);
    pages.push(a, b, c);
    await call(a, b, '1002');
    await call(a, c, '1003');
    await listen(b);
    await listen(c);

    // Two plain calls: B and C hear A only.
    await hears(b, 'B before the conference', { yes: ['A'], no: ['B', 'C'] });
    await hears(c, 'C before the conference', { yes: ['A'], no: ['B', 'C'] });

    assert.equal(await conference(a, ['1002', '1003']), 'ok');
    // Each hears the other and A, and never itself.
    await hears(b, 'B in the conference', { yes: ['A', 'C'], no: ['B'] });
    await hears(c, 'C in the conference', { yes: ['A', 'B'], no: ['C'] });

    // Muting A's call to B takes A's voice out of what B hears, only.
    await a.evaluate(() => window.out['1002'].mute(true));
    await hears(b, 'B with the call to B muted', { yes: ['C'], no: ['A', 'B'] });
    await hears(c, 'C with the call to B muted', { yes: ['A', 'B'], no: ['C'] });
    await a.evaluate(() => window.out['1002'].mute(false));
    await hears(b, 'B unmuted', { yes: ['A', 'C'], no: ['B'] });

    // conference([]) ends it: two plain calls again.
    assert.equal(await conference(a, []), 'ok');
    await hears(b, 'B after conference([])', { yes: ['A'], no: ['B', 'C'] });
    await hears(c, 'C after conference([])', { yes: ['A'], no: ['B', 'C'] });

    // Again, then B hangs up: C stays with A's microphone.
    assert.equal(await conference(a, ['1002', '1003']), 'ok');
    await hears(c, 'C in the second conference', { yes: ['A', 'B'], no: ['C'] });
    await b.evaluate(() => kazoo.hangup());
    await waitEvent(a, 'onHangup');
    await hears(c, 'C after B hung up', { yes: ['A'], no: ['B', 'C'] });
    await a.evaluate(() => window.out['1003'].mute(true));
    await hears(c, 'C with its call muted', { no: ['A', 'B', 'C'] });
    await a.evaluate(() => window.out['1003'].mute(false));
    await hears(c, 'C unmuted', { yes: ['A'] });

    // Bad input: one call, a call that ended, not an array.
    const one = await conference(a, ['1003']);
    assert.equal(one.key, 'invalid_parameter', JSON.stringify(one));
    const ended = await conference(a, ['1002', '1003']);
    assert.equal(ended.key, 'invalid_call_state', JSON.stringify(ended));
    const notArray = await a.evaluate(() => kazoo.conference('1003').then(() => 'ok', (e) => e));
    assert.equal(notArray.key, 'invalid_parameter', JSON.stringify(notArray));

    for (const p of pages) assert.deepEqual(p.pageErrors, [], 'uncaught errors in a page');
  } finally {
    for (const p of pages) await p.context().close().catch(() => {});
  }
});
