// kazoo.audio in real Chromium, calling baresip through Kamailio and
// rtpengine: listing and choosing devices, the speaker as the call's
// <audio> element's sinkId, a mid-call microphone switch heard at the far
// end (replaceTrack, no re-INVITE), a microphone unplugged mid-call
// (fallback to the default, the call goes on, onAudioDeviceChange),
// onVolume's meters, and the ring of ringIncoming (heard by tapping what
// the page sends to its AudioContexts' speakers).
//
// Chromium's fake devices (--use-fake-device-for-media-stream) give the
// inputs "default", "Fake Audio Input 1/2" (all of them the lab's 440 Hz
// file) and a few fake outputs. For a second microphone that sounds
// different, the page gets a test device, 'test-880', made by an init
// script: enumerateDevices lists it, and getUserMedia for exactly that
// deviceId returns an 880 Hz OscillatorNode through a
// MediaStreamAudioDestinationNode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, waitEvent, registerParams, loadKazoo, register, until, browserTone } from './lib/lab.mjs';
import { stats, connect, audioFlowing, args, sent } from './lib/calls.mjs';
import { makeTone, readWav, goertzel } from './lib/audio.mjs';

const baresipTone = 660;
const testTone = 880;
let lab;
let phone; // baresip, 1009: answers at once, plays baresipTone, records what it hears
before(async () => {
  lab = await startLab({ media: true });
  const audioFile = await makeTone({ freq: baresipTone, seconds: 120 });
  phone = await lab.startBaresip({ user: '1009', password: 'pw-1009', audioFile, answer: 'auto' });
});
after(async () => {
  await phone?.stop();
  await lab?.stop();
});

/**
 * The init script of the test microphone 'test-880'. window.testDevice
 * .unplug() takes it away as an unplugged headset would look to the page:
 * gone from enumerateDevices, getUserMedia for it fails with
 * OverconstrainedError, its tracks are stopped, and devicechange fires.
 */
function testMicrophone() {
  const md = navigator.mediaDevices;
  const realEnumerate = md.enumerateDevices.bind(md);
  const realGetUserMedia = md.getUserMedia.bind(md);
  const info = { deviceId: 'test-880', groupId: 'test', kind: 'audioinput', label: 'Test 880 Hz' };
  const dev = window.testDevice = {
    present: true,
    opened: 0,
    tracks: [],
    unplug() {
      dev.present = false;
      for (const t of dev.tracks) t.stop();
      md.dispatchEvent(new Event('devicechange'));
    },
  };
  md.enumerateDevices = async () => {
    const list = await realEnumerate();
    return dev.present ? [...list, { ...info, toJSON: () => info }] : list;
  };
  md.getUserMedia = async (c) => {
    const a = c && typeof c.audio === 'object' ? c.audio : null;
    const exact = a && a.deviceId && typeof a.deviceId === 'object' ? a.deviceId.exact : undefined;
    if ([].concat(exact).includes('test-880')) {
      if (!dev.present) throw new DOMException('test-880 is gone', 'OverconstrainedError');
      const ac = new AudioContext();
      await ac.resume();
      const osc = ac.createOscillator();
      osc.frequency.value = 880;
      const gain = ac.createGain();
      gain.gain.value = 0.5;
      const out = ac.createMediaStreamDestination();
      osc.connect(gain).connect(out);
      osc.start();
      dev.opened++;
      dev.tracks.push(...out.stream.getAudioTracks());
      return out.stream;
    }
    return realGetUserMedia(c);
  };
}

/**
 * A registered page; onAudioDeviceChange is recorded in window.events,
 * onVolume in window.volumes (ten a second would swamp window.events).
 */
async function kazooPage(user, { initScript, overrides } = {}) {
  const page = await lab.openPage({ initScript });
  await loadKazoo(page);
  await page.evaluate(() => {
    window.volumes = [];
    const reg = kazoo.register;
    kazoo.register = (p) => reg({
      onAudioDeviceChange: cb('onAudioDeviceChange'),
      onVolume: (v) => window.volumes.push({ ...v, at: performance.now() }),
      ...p,
    });
  });
  await register(page, registerParams(lab, user, overrides));
  await waitEvent(page, 'onConnected');
  return page;
}

/** Runs kazoo.audio.<role>.<method>(arg) in the page: {ok, value} or {ok: false, error}. */
function audioCall(page, role, method, arg) {
  return page.evaluate(([r, m, a]) => {
    const target = r ? kazoo.audio[r] : kazoo.audio;
    return target[m](a).then((value) => ({ ok: true, value }), (error) => ({ ok: false, error }));
  }, [role, method, arg]);
}

/** The sinkId of the call's hidden <audio data-kazoo-audio> element (null: no element). */
function sinkId(page) {
  return page.evaluate(() => document.querySelector('audio[data-kazoo-audio]')?.sinkId ?? null);
}

/** Calls baresip, waits for its audio; resolves the call's id. */
async function callBaresip(page) {
  const r = await connect(page, '1009');
  assert.equal(r.ok, true, JSON.stringify(r));
  await waitEvent(page, 'onAccepted');
  await audioFlowing(page, { what: 'audio from baresip' });
  return r.id;
}

/** Hangs up and resolves baresip's recording of what it received (a wav). */
async function hangupAndRecording(page) {
  const closed = phone.events.filter((e) => e.type === 'CALL_CLOSED').length;
  await page.evaluate(() => kazoo.hangup());
  await waitEvent(page, 'onHangup');
  await until(() => phone.events.filter((e) => e.type === 'CALL_CLOSED').length > closed,
    { what: 'baresip saw the call close' });
  const { dec } = phone.lastRecording();
  assert.ok(dec, 'baresip recorded nothing');
  return dec;
}

/**
 * Amplitude of each of freqs in one second of a recording, a quarter of
 * a second inside its first ('start') or last ('end') sound.
 */
function levelsAt(file, where, freqs) {
  const { samples, sampleRate } = readWav(file);
  let a = 0;
  let z = samples.length;
  while (a < z && Math.abs(samples[a]) < 0.01) a++;
  while (z > a && Math.abs(samples[z - 1]) < 0.01) z--;
  const len = sampleRate;
  const margin = Math.round(sampleRate / 4);
  assert.ok(z - a >= len + 2 * margin, `the recording has only ${(z - a) / sampleRate} s of sound`);
  const from = where === 'start' ? a + margin : z - margin - len;
  const part = samples.subarray(from, from + len);
  return Object.fromEntries(freqs.map((f) => [f, goertzel(part, sampleRate, f)]));
}

/**
 * Asserts freq dominates the levels (of browserTone and testTone) clearly.
 * A microphone opened with the browser's default processing has its
 * steady tone turned down within seconds (the noise suppressor takes it
 * for noise: 0.23 → 0.03 seen), hence the low floor; silence is < 0.001.
 */
function assertDominant(levels, freq, what) {
  const other = freq === browserTone ? testTone : browserTone;
  assert.ok(levels[freq] > 0.01 && levels[freq] > 5 * levels[other],
    `${what}: expected ${freq} Hz, heard ${JSON.stringify(levels)}`);
}

test('availableDevices lists labelled devices; choosing devices; the speaker is the call audio sinkId', async () => {
  const page = await kazooPage('1001');
  try {
    const all = await audioCall(page, null, 'availableDevices');
    assert.equal(all.ok, true, JSON.stringify(all));
    const inputs = await audioCall(page, null, 'availableDevices', 'audioinput');
    const outputs = await audioCall(page, null, 'availableDevices', 'audiooutput');
    assert.ok(inputs.value.length >= 1 && outputs.value.length >= 2, JSON.stringify(all.value));
    assert.ok(inputs.value.every((d) => d.kind === 'audioinput'), JSON.stringify(inputs.value));
    assert.ok(outputs.value.every((d) => d.kind === 'audiooutput'), JSON.stringify(outputs.value));
    assert.equal(all.value.length, inputs.value.length + outputs.value.length);
    // --use-fake-ui-for-media-stream grants the microphone: labels are there.
    for (const d of all.value) {
      assert.ok(d.label && d.deviceId && typeof d.groupId === 'string', JSON.stringify(d));
    }

    const bad = await audioCall(page, 'microphone', 'set', 'no-such-id');
    assert.equal(bad.error?.key, 'device_not_found', JSON.stringify(bad));
    const badKind = await audioCall(page, null, 'availableDevices', 'videoinput');
    assert.equal(badKind.error?.key, 'invalid_parameter', JSON.stringify(badKind));
    const badId = await audioCall(page, 'speaker', 'set', 42);
    assert.equal(badId.error?.key, 'invalid_parameter', JSON.stringify(badId));
    // An input is no speaker.
    const input = inputs.value.find((d) => d.deviceId !== 'default');
    const wrongKind = await audioCall(page, 'speaker', 'set', input.deviceId);
    assert.equal(wrongKind.error?.key, 'device_not_found', JSON.stringify(wrongKind));
    assert.equal((await audioCall(page, 'microphone', 'get')).value, '');

    const [first, second] = outputs.value.filter((d) => d.deviceId !== 'default').map((d) => d.deviceId);
    assert.ok(first && second, `two fake outputs besides the default: ${JSON.stringify(outputs.value)}`);
    assert.deepEqual(await audioCall(page, 'speaker', 'set', first), { ok: true, value: null });
    assert.equal((await audioCall(page, 'speaker', 'get')).value, first);

    await callBaresip(page);
    await until(async () => (await sinkId(page)) === first,
      { what: `the call's audio element plays on ${first}` });
    const moved = await audioCall(page, 'speaker', 'set', second);
    assert.equal(moved.ok, true, JSON.stringify(moved));
    assert.equal(await sinkId(page), second, 'speaker.set mid-call did not move the call audio');
    const reset = await audioCall(page, 'speaker', 'reset');
    assert.equal(reset.ok, true, JSON.stringify(reset));
    assert.equal((await audioCall(page, 'speaker', 'get')).value, '');
    assert.equal(await sinkId(page), '', 'reset did not move the call audio back to the default');
    await audioFlowing(page, { what: 'audio after the speaker moves' });
    await hangupAndRecording(page);
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});

test('microphone switch mid-call: the far end hears the new device, no re-INVITE', async (t) => {
  const page = await kazooPage('1002', { initScript: testMicrophone });
  try {
    const inputs = await audioCall(page, null, 'availableDevices', 'audioinput');
    assert.ok(inputs.value.some((d) => d.deviceId === 'test-880' && d.label === 'Test 880 Hz'), JSON.stringify(inputs.value));
    await callBaresip(page);
    await sent(page, 150); // three seconds of the default microphone (440 Hz)
    const sipBefore = page.sipSent.length;
    const set = await audioCall(page, 'microphone', 'set', 'test-880');
    assert.equal(set.ok, true, JSON.stringify(set));
    assert.ok(await page.evaluate(() => window.testDevice.opened) >= 1, "test-880 was not opened");
    assert.equal((await audioCall(page, 'microphone', 'get')).value, 'test-880');
    await sent(page, 150); // three seconds of test-880
    const sipDuring = page.sipSent.slice(sipBefore);
    const rec = await hangupAndRecording(page);
    assert.deepEqual(sipDuring.filter((l) => /^(INVITE|UPDATE) /.test(l)), [],
      `the switch renegotiated: ${JSON.stringify(sipDuring)}`);
    const start = levelsAt(rec, 'start', [browserTone, testTone]);
    const end = levelsAt(rec, 'end', [browserTone, testTone]);
    t.diagnostic(`baresip heard: start ${JSON.stringify(start)}, end ${JSON.stringify(end)}`);
    assertDominant(start, browserTone, 'start of the call');
    assertDominant(end, testTone, 'after the switch');
    await audioCall(page, 'microphone', 'reset');
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});

test('microphone unplugged mid-call: onAudioDeviceChange, back to the default, the call goes on', async (t) => {
  const page = await kazooPage('1003', { initScript: testMicrophone });
  try {
    await callBaresip(page);
    const set = await audioCall(page, 'microphone', 'set', 'test-880');
    assert.equal(set.ok, true, JSON.stringify(set));
    await sent(page, 100);
    // The unplug is simulated (a headless browser has no device to pull
    // out): enumerateDevices stops listing test-880, getUserMedia for it
    // fails, its track is stopped and devicechange is dispatched.
    await page.evaluate(() => window.testDevice.unplug());
    const change = await until(async () => (await args(page, 'onAudioDeviceChange'))
      .find((c) => c.removed.some((d) => d.deviceId === 'test-880')), { what: 'onAudioDeviceChange removing test-880' });
    assert.deepEqual(change.fallbacks, [{ role: 'microphone', lost: 'test-880' }]);
    assert.ok(!change.devices.some((d) => d.deviceId === 'test-880'), JSON.stringify(change.devices));
    assert.equal((await audioCall(page, 'microphone', 'get')).value, '');

    const s0 = await stats(page);
    await sent(page, 150); // three seconds of the default microphone again
    const s1 = await stats(page);
    assert.equal(s1.state, 'established');
    assert.ok(s1.inbound.packets - s0.inbound.packets >= 100, `received ${s1.inbound.packets - s0.inbound.packets} packets`);
    await audioFlowing(page, { what: 'audio from baresip after the unplug' });
    const rec = await hangupAndRecording(page);
    const end = levelsAt(rec, 'end', [browserTone, testTone]);
    t.diagnostic(`baresip heard at the end: ${JSON.stringify(end)}`);
    assertDominant(end, browserTone, 'after the unplug');
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});

test('onVolume: the microphone and the far end as 0..1 levels, about ten a second, none after hangup', async (t) => {
  const page = await kazooPage('1001');
  try {
    const id = await callBaresip(page);
    await until(() => page.evaluate(() => window.volumes.length >= 20), { what: '20 onVolume events' });
    await until(() => page.evaluate(() => window.volumes.some((v) => v.outputVolume > 0.1)),
      { what: 'outputVolume > 0.1 while baresip plays its tone' });
    await until(() => page.evaluate(() => window.volumes.some((v) => v.inputVolume > 0.1)),
      { what: 'inputVolume > 0.1 from the fake microphone' });
    const vols = await page.evaluate(() => window.volumes);
    const callIds = new Set(vols.map((v) => v.callId));
    assert.deepEqual([...callIds], [id]);
    for (const v of vols) {
      assert.ok(v.inputVolume >= 0 && v.inputVolume <= 1 && v.outputVolume >= 0 && v.outputVolume <= 1, JSON.stringify(v));
    }
    const span = (vols.at(-1).at - vols[0].at) / 1000;
    const rate = (vols.length - 1) / span;
    const max = (k) => Math.max(...vols.map((v) => v[k]));
    t.diagnostic(`${vols.length} events, ${rate.toFixed(1)}/s, max input ${max('inputVolume')}, max output ${max('outputVolume')}`);
    assert.ok(rate > 5 && rate < 20, `${rate.toFixed(1)} onVolume events a second`);

    await hangupAndRecording(page);
    const n = await page.evaluate(() => window.volumes.length);
    // That nothing more comes can only be seen over some time: three
    // would-be periods of the meter after the hangup was reported.
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    assert.equal(await page.evaluate(() => window.volumes.length), n, 'onVolume after hangup');
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});

/**
 * The init script that lets a test hear Web Audio: whatever the page
 * connects to an AudioContext's speakers is also fed to an AnalyserNode,
 * and window.heard(freqs) returns, for each running context, the level
 * (dB) of the loudest of freqs and of a reference far from them.
 */
function webAudioTap() {
  const connect = AudioNode.prototype.connect;
  const taps = [];
  AudioNode.prototype.connect = function (dest, ...rest) {
    const r = connect.call(this, dest, ...rest);
    if (dest instanceof AudioDestinationNode) {
      const an = this.context.createAnalyser();
      an.fftSize = 8192;
      an.smoothingTimeConstant = 0;
      connect.call(this, an);
      taps.push(an);
    }
    return r;
  };
  window.heard = (freqs, reference) => taps.map((an) => {
    const db = new Float32Array(an.frequencyBinCount);
    an.getFloatFrequencyData(db);
    const hz = an.context.sampleRate / an.fftSize;
    const at = (f) => Math.max(...[-2, -1, 0, 1, 2].map((d) => db[Math.round(f / hz) + d]));
    return { state: an.context.state, tone: Math.max(...freqs.map(at)), reference: at(reference) };
  });
}

test('ringIncoming: an incoming call rings (400+450 Hz) until it is answered', async (t) => {
  const page = await kazooPage('1002', { initScript: webAudioTap, overrides: { ringIncoming: true } });
  try {
    await phone.dial('1002');
    await waitEvent(page, 'onIncoming');
    const ring = [400, 450];
    // The ring's cadence has it silent 2.2 s of every 3 s: poll through one.
    const heard = () => page.evaluate(([f]) => window.heard(f, 1000), [ring]);
    let ringer = -1; // the tap that hears the ring
    let level;
    await until(async () => {
      const taps = await heard();
      ringer = taps.findIndex((x) => x.state === 'running' && x.tone > -40 && x.tone > x.reference + 30);
      level = taps[ringer];
      return ringer >= 0;
    }, { timeout: 8000, interval: 50, what: 'the ring heard while the call rings in' });
    t.diagnostic(`ring: ${level.tone.toFixed(1)} dB at 400/450 Hz, ${level.reference.toFixed(1)} dB at 1 kHz`);
    await page.evaluate(() => window.incoming.accept());
    // Stopped, not between two bursts: the ring's context is suspended.
    await until(async () => (await heard())[ringer].state === 'suspended',
      { what: 'the ring stopped (its AudioContext suspended) after the answer' });
    await audioFlowing(page, { what: 'audio from baresip' });
    await hangupAndRecording(page);
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});
