// The RTMP path end to end: a kazoo page in RTMP mode (forceRTMP, or no
// RTCPeerConnection) talks WebSocket to kazoo-relay, which speaks RTMP to
// kazoo-rtmpgw, a SIP user agent at the real Kamailio; rtpengine bridges
// the gateway's plain RTP and the WebRTC page's DTLS-SRTP. Both sides are
// kazoo pages (plus baresip as a plain phone for RFC 2833 DTMF), and every
// audio claim is measured: frames and energy played by the RTMP page's
// AudioWorklet, getStats on the WebRTC page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startLab, waitEvent, eventNames, registerParams, loadKazoo, register, until, accounts, realm, browserTone,
} from './lib/lab.mjs';
import { makeTone, analyse, dominantFrequency } from './lib/audio.mjs';
import { audioFlowing, growthWhile, connect, count, args } from './lib/calls.mjs';
import { startGateway, startRelay, rtmpParams } from './lib/rtmplab.mjs';
import { freePort } from './lib/kamailio.mjs';

let lab;
let gateway;
let relay;
before(async () => {
  lab = await startLab({ media: true });
  gateway = await startGateway({ kamailio: lab.kamailio });
  relay = await startRelay({ gateway, origin: lab.server.url });
});
after(async () => {
  await relay?.stop();
  await gateway?.stop();
  await lab?.stop();
});

const account = (user) => accounts.find((a) => a.user === user);

/** A page in RTMP mode (init forceRTMP), registered as user through the relay. */
async function openRTMP(user, { initScript, overrides = {}, force = true } = {}) {
  const page = await lab.openPage({ initScript });
  await page.evaluate((f) => {
    window.flashMissing = [];
    kazoo.init({
      forceRTMP: f,
      onLoaded: cb('onLoaded'),
      onFlashMissing: (container, error) => window.flashMissing.push({ tag: container && container.tagName, error }),
    });
  }, force);
  await waitEvent(page, 'onLoaded');
  await register(page, rtmpParams({ relay, gateway, account: account(user), realm, ...overrides }));
  await waitEvent(page, 'onConnected', 20_000);
  return page;
}

/** A WebRTC page registered as user. */
async function openWebRTC(user, overrides = {}) {
  const page = await lab.openPage();
  await loadKazoo(page);
  await register(page, registerParams(lab, user, overrides));
  await waitEvent(page, 'onConnected');
  return page;
}

async function closeAll(pages) {
  for (const p of pages) await p.context().close().catch(() => {});
}

/** Waits for the page's nth (1-based) event called name; returns its arg. */
async function nth(page, name, n, timeout = 15_000) {
  return until(async () => {
    const a = await args(page, name);
    return a.length >= n ? { arg: a[n - 1] } : null;
  }, { timeout, what: `${name} #${n}` }).then((r) => r.arg);
}

function assertHealthy(...pages) {
  for (const p of pages) {
    assert.deepEqual(p.pageErrors, [], 'uncaught errors in a page');
    const dead = p.consoleLines.filter((l) => /runtime stopped|fatal error|panic:|deadlock/.test(l));
    assert.deepEqual(dead, [], 'the Go runtime reported a fatal error');
  }
}

/** The gateway's binding for user in Kamailio: a plain UDP contact. */
async function gatewayBinding(user) {
  return until(async () => {
    const c = await lab.kamailio.lookup(user);
    return c.length === 1 && !/transport=ws/.test(c[0]) ? c : null;
  }, { timeout: 10_000, what: `the gateway's binding for ${user}` });
}

test('RTMP mode registers through relay and gateway; logout removes the binding', async () => {
  const a = await openRTMP('1004');
  try {
    const contacts = await gatewayBinding('1004');
    assert.match(contacts[0], /^sip:.*@127\.0\.0\.1:\d+/, `binding: ${contacts[0]}`);
    assert.equal(await a.evaluate(() => window.registerResult), 'resolved');
    await a.evaluate(() => kazoo.logout());
    await until(async () => (await lab.kamailio.lookup('1004')).length === 0, { what: 'the binding to go' });
    assertHealthy(a);
  } finally {
    await closeAll([a]);
  }
});

test('RTMP → WebRTC: ringing, answer, audio both ways, RTMP side hangs up', async () => {
  const a = await openRTMP('1004');
  const b = await openWebRTC('1005');
  try {
    await gatewayBinding('1004');
    const r = await connect(a, '1005');
    assert.equal(r.ok, true, JSON.stringify(r));
    const info = await waitEvent(b, 'onIncoming');
    assert.equal(info.callerNumber, '1004');
    await waitEvent(a, 'onRinging');
    await b.evaluate(() => window.incoming.accept());
    await waitEvent(a, 'onAccepted');
    // RTMP side: frames received and played with energy (the WebRTC
    // page's 440 Hz microphone); WebRTC side: getStats.
    const sa = await audioFlowing(a, { what: 'audio played by the RTMP page' });
    assert.equal(sa.mode, 'rtmp');
    assert.ok(sa.outbound.packets > 0, 'the RTMP page captured nothing');
    const sb = await audioFlowing(b, { what: 'audio at the WebRTC page' });
    assert.equal(sb.mode, 'webrtc');
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(a, 'onHangup');
    await waitEvent(b, 'onHangup');
    assert.equal(await count(a, 'onCancel'), 0);
    assertHealthy(a, b);
  } finally {
    await closeAll([a, b]);
  }
});

test('WebRTC → RTMP: caller name and number, answer, audio both ways, WebRTC side hangs up', async () => {
  const a = await openRTMP('1004');
  const b = await openWebRTC('1005', { displayName: 'Bea' });
  try {
    await gatewayBinding('1004');
    assert.equal((await connect(b, '1004')).ok, true);
    const info = await waitEvent(a, 'onIncoming');
    assert.equal(info.callerNumber, '1005');
    assert.equal(info.callerName, 'Bea');
    assert.equal(info.direction, 'incoming');
    await a.evaluate(() => window.incoming.accept());
    await waitEvent(b, 'onAccepted');
    await audioFlowing(a, { what: 'audio played by the RTMP page' });
    await audioFlowing(b, { what: 'audio at the WebRTC page' });
    await b.evaluate(() => kazoo.hangup());
    await waitEvent(b, 'onHangup');
    await waitEvent(a, 'onHangup');
    assertHealthy(a, b);
  } finally {
    await closeAll([a, b]);
  }
});

test('reject both ways: the caller gets onCancel with the code', async () => {
  const a = await openRTMP('1004');
  const b = await openWebRTC('1005');
  try {
    await gatewayBinding('1004');
    // The RTMP page rejects a WebRTC call.
    await connect(b, '1004');
    await waitEvent(a, 'onIncoming');
    await a.evaluate(() => window.incoming.reject(486));
    const c1 = await waitEvent(b, 'onCancel');
    assert.equal(c1.code, 486);
    assert.equal(c1.source, 'remote');
    // The WebRTC page rejects the RTMP page's call.
    await connect(a, '1005');
    await waitEvent(b, 'onIncoming');
    await b.evaluate(() => window.incoming.reject(603));
    const c2 = await nth(a, 'onCancel', 2); // the first is a's own reject
    assert.equal(c2.code, 603);
    assert.equal(c2.source, 'remote');
    assert.equal(await count(a, 'onHangup'), 0);
    assertHealthy(a, b);
  } finally {
    await closeAll([a, b]);
  }
});

test('cancel both ways: the caller hangs up while ringing', async () => {
  const a = await openRTMP('1004');
  const b = await openWebRTC('1005');
  try {
    await gatewayBinding('1004');
    await connect(a, '1005');
    await waitEvent(b, 'onIncoming');
    await a.evaluate(() => kazoo.hangup());
    const ca = await waitEvent(a, 'onCancel');
    assert.equal(ca.source, 'local');
    const cb1 = await waitEvent(b, 'onCancel');
    assert.equal(cb1.source, 'remote');
    await connect(b, '1004');
    await waitEvent(a, 'onIncoming');
    await b.evaluate(() => kazoo.hangup());
    const ca2 = await nth(a, 'onCancel', 2);
    assert.equal(ca2.source, 'remote');
    assertHealthy(a, b);
  } finally {
    await closeAll([a, b]);
  }
});

test('DTMF: INFO both ways between the RTMP and the WebRTC page', async () => {
  const a = await openRTMP('1004', { overrides: { dtmfType: 'info' } });
  const b = await openWebRTC('1005', { dtmfType: 'info' });
  try {
    await gatewayBinding('1004');
    await connect(a, '1005');
    await waitEvent(b, 'onIncoming');
    await b.evaluate(() => window.incoming.accept());
    await waitEvent(a, 'onAccepted');
    await a.evaluate(() => kazoo.sendDTMF('7'));
    assert.equal(await waitEvent(b, 'onDTMF'), '7');
    await b.evaluate(() => kazoo.sendDTMF('#'));
    assert.equal(await waitEvent(a, 'onDTMF'), '#');
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(b, 'onHangup');
    assertHealthy(a, b);
  } finally {
    await closeAll([a, b]);
  }
});

test('DTMF: RFC 4733 from the WebRTC page reaches the RTMP page; RFC 2833 and the microphone from the RTMP page reach baresip', async () => {
  const a = await openRTMP('1004');
  const b = await openWebRTC('1005');
  const baresipTone = 660;
  const audioFile = await makeTone({ freq: baresipTone, seconds: 60 });
  const phone = await lab.startBaresip({ user: '1006', audioFile, answer: 'auto' });
  try {
    await gatewayBinding('1004');
    await connect(b, '1004');
    await waitEvent(a, 'onIncoming');
    await a.evaluate(() => window.incoming.accept());
    await waitEvent(b, 'onAccepted');
    await audioFlowing(a, { what: 'audio played by the RTMP page' });
    await b.evaluate(() => kazoo.sendDTMF('3'));
    assert.equal(await waitEvent(a, 'onDTMF'), '3');
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(b, 'onHangup');
    // RTMP page → baresip (auto-answers), RFC 2833 through the gateway.
    await connect(a, '1006');
    await waitEvent(a, 'onAccepted', 20_000);
    await audioFlowing(a, { what: 'baresip audio at the RTMP page' });
    await a.evaluate(() => kazoo.sendDTMF('5'));
    await phone.waitDtmf('5');
    // Two more seconds of the RTMP page's microphone for baresip to record.
    const s0 = await a.evaluate(() => kazoo.getStats());
    await until(async () => (await a.evaluate(() => kazoo.getStats())).outbound.packets - s0.outbound.packets >= 100,
      { timeout: 20_000, what: '100 frames captured' });
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(a, 'onHangup');
    await phone.waitEvent('CALL_CLOSED', 10_000);
    const { dec } = phone.lastRecording();
    assert.ok(dec, 'baresip recorded nothing');
    const { rms } = await analyse(dec);
    assert.ok(rms > 0.01, `baresip's recording is silent (rms ${rms})`);
    const { freq, levels } = dominantFrequency(dec, { candidates: [browserTone, baresipTone] });
    assert.equal(freq, browserTone, `baresip heard ${JSON.stringify(levels)}`);
    assertHealthy(a, b);
  } finally {
    await phone.stop().catch(() => {});
    await closeAll([a, b]);
  }
});

test('mute on the RTMP page silences what the WebRTC page hears; unmute brings it back', async () => {
  const a = await openRTMP('1004');
  const b = await openWebRTC('1005');
  try {
    await gatewayBinding('1004');
    await connect(b, '1004');
    await waitEvent(a, 'onIncoming');
    await a.evaluate(() => window.incoming.accept());
    await waitEvent(b, 'onAccepted');
    await audioFlowing(b, { what: 'audio at the WebRTC page' });
    await a.evaluate(() => new Promise((ok, ko) => kazoo.muteMicrophone(true, ok, ko)));
    // Let audio already in flight pass, then measure against b's own packets.
    await growthWhile(b, b, { packets: 25 });
    const muted = await growthWhile(b, b, { packets: 50 });
    await a.evaluate(() => new Promise((ok, ko) => kazoo.muteMicrophone(false, ok, ko)));
    await growthWhile(b, b, { packets: 25 });
    const unmuted = await growthWhile(b, b, { packets: 50 });
    assert.ok(unmuted.energy > 0, `no energy after unmute (${JSON.stringify(unmuted)})`);
    assert.ok(muted.energy < unmuted.energy / 50, `muted ${muted.energy} vs unmuted ${unmuted.energy}`);
    await b.evaluate(() => kazoo.hangup());
    await waitEvent(a, 'onHangup');
    assertHealthy(a, b);
  } finally {
    await closeAll([a, b]);
  }
});

test('RTMP page: onVolume shows its microphone and the far end; microphone and speaker switch mid-call and the audio goes on', async () => {
  // The devices the page's getUserMedia calls ask for, in order: the
  // AudioWorklet pipe must open the chosen microphone, not just record it.
  const initScript = () => {
    window.micRequests = [];
    const md = navigator.mediaDevices;
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = (c) => {
      const a = c && c.audio;
      window.micRequests.push((a && a.deviceId && a.deviceId.exact) || 'default');
      return gum(c);
    };
  };
  const a = await openRTMP('1004', { initScript, overrides: { record: ['onVolume'] } });
  const b = await openWebRTC('1005');
  try {
    await gatewayBinding('1004');
    await connect(a, '1005');
    await waitEvent(b, 'onIncoming');
    await b.evaluate(() => window.incoming.accept());
    await waitEvent(a, 'onAccepted');
    // Both fake microphones play the 440 Hz tone: the RTMP page's meters
    // (on its AudioWorklet pipe) show its own and the far end's.
    const loud = (key) => until(async () => (await args(a, 'onVolume')).some((v) => v[key] > 0.3),
      { timeout: 20_000, what: `onVolume ${key} above 0.3` });
    await loud('inputVolume');
    await loud('outputVolume');
    const [v] = await args(a, 'onVolume');
    assert.ok(typeof v.callId === 'string' && v.callId.length > 0, JSON.stringify(v));
    // Another capture device and another output, mid-call.
    const devs = await a.evaluate(() => kazoo.audio.availableDevices());
    const mic = devs.find((d) => d.kind === 'audioinput' && d.deviceId !== 'default');
    const out = devs.find((d) => d.kind === 'audiooutput' && d.deviceId !== 'default');
    assert.ok(mic && out, JSON.stringify(devs));
    assert.equal(await a.evaluate((id) => kazoo.audio.microphone.set(id).then(() => kazoo.audio.microphone.get(), (e) => JSON.stringify(e)), mic.deviceId), mic.deviceId);
    assert.equal(await a.evaluate(() => window.micRequests.at(-1)), mic.deviceId, 'the pipe did not open the chosen microphone');
    assert.equal(await a.evaluate((id) => kazoo.audio.speaker.set(id).then(() => kazoo.audio.speaker.get(), (e) => JSON.stringify(e)), out.deviceId), out.deviceId);
    // The WebRTC page still hears the RTMP page's microphone, now the other device.
    await growthWhile(b, b, { packets: 25 });
    const after = await growthWhile(b, b, { packets: 50 });
    assert.ok(after.energy > 0, `silence at the WebRTC page after the switch (${JSON.stringify(after)})`);
    await audioFlowing(a, { what: 'audio still played by the RTMP page' });
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(b, 'onHangup');
    assertHealthy(a, b);
  } finally {
    await closeAll([a, b]);
  }
});

test('transfer: the RTMP page sends its WebRTC caller to a third page; onTransfer, and they talk', async () => {
  const a = await openRTMP('1004');
  const b = await openWebRTC('1005');
  const c = await openWebRTC('1006');
  try {
    await gatewayBinding('1004');
    await connect(b, '1004');
    await waitEvent(a, 'onIncoming');
    await a.evaluate(() => window.incoming.accept());
    await waitEvent(b, 'onAccepted');
    await c.evaluate(() => { window.autoAnswer = true; });
    await a.evaluate(() => kazoo.transfer('1006'));
    await waitEvent(a, 'onTransfer', 20_000);
    const info = await waitEvent(c, 'onIncoming');
    assert.equal(info.callerNumber, '1005');
    await audioFlowing(c, { what: 'audio at the transfer target' });
    await audioFlowing(b, { what: 'audio at the transferred page' });
    await waitEvent(a, 'onHangup');
    await b.evaluate(() => kazoo.hangup());
    await waitEvent(c, 'onHangup');
    assertHealthy(a, b, c);
  } finally {
    await closeAll([a, b, c]);
  }
});

test('a browser without RTCPeerConnection falls back to RTMP by itself', async () => {
  const noWebRTC = () => {
    delete window.RTCPeerConnection;
    delete window.webkitRTCPeerConnection;
  };
  const a = await openRTMP('1004', { initScript: noWebRTC, force: false, overrides: { forceRTMP: false, wsUrl: lab.kamailio.wsUrl } });
  const b = await openWebRTC('1005');
  try {
    assert.equal(await a.evaluate(() => typeof window.RTCPeerConnection), 'undefined');
    await gatewayBinding('1004');
    assert.equal((await connect(b, '1004')).ok, true);
    await waitEvent(a, 'onIncoming');
    await a.evaluate(() => window.incoming.accept());
    await waitEvent(b, 'onAccepted');
    const s = await audioFlowing(a, { what: 'audio played by the fallback page' });
    assert.equal(s.mode, 'rtmp');
    assert.equal(await a.evaluate(() => window.incoming.mode), 'rtmp');
    assert.deepEqual(await a.evaluate(() => window.flashMissing), []);
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(b, 'onHangup');
    assertHealthy(a, b);
  } finally {
    await closeAll([a, b]);
  }
});

test('forceRTMP with an unreachable relay → onFlashMissing(container, error) and onError', async () => {
  const port = await freePort('tcp');
  const page = await lab.openPage();
  try {
    await page.evaluate(() => {
      const div = document.createElement('div');
      div.id = 'flash';
      document.body.appendChild(div);
      window.flashMissing = [];
      kazoo.init({
        forceRTMP: true,
        flashContainer: 'flash',
        onLoaded: cb('onLoaded'),
        onFlashMissing: (container, error) => window.flashMissing.push({ id: container.id, error }),
      });
    });
    await waitEvent(page, 'onLoaded');
    await register(page, rtmpParams({ relay: { url: `ws://127.0.0.1:${port}/v1` }, gateway, account: account('1007'), realm }));
    const err = await waitEvent(page, 'onError');
    assert.equal(err.key, 'server_not_reachable');
    const missing = await until(() => page.evaluate(() => window.flashMissing[0]), { what: 'onFlashMissing' });
    assert.equal(missing.id, 'flash');
    assert.equal(missing.error.key, 'server_not_reachable');
    assert.ok(!(await eventNames(page)).includes('onConnected'));
    // Without onFlashMissing, the container explains.
    const page2 = await lab.openPage();
    try {
      await page2.evaluate(() => kazoo.init({ forceRTMP: true, onLoaded: cb('onLoaded') }));
      await waitEvent(page2, 'onLoaded');
      await register(page2, rtmpParams({ relay: { url: `ws://127.0.0.1:${port}/v1` }, gateway, account: account('1007'), realm }));
      await waitEvent(page2, 'onError');
      const text = await until(() => page2.evaluate(() => document.body.textContent.trim()), { what: 'the default message' });
      assert.match(text, /relay/);
      assertHealthy(page2);
    } finally {
      await closeAll([page2]);
    }
    assertHealthy(page);
  } finally {
    await closeAll([page]);
  }
});

test('forceRTMP where the page cannot capture audio (no AudioWorklet) → onFlashMissing at init', async () => {
  const page = await lab.openPage({ initScript: () => { delete window.AudioWorkletNode; } });
  try {
    const r = await page.evaluate(() => new Promise((resolve) => {
      kazoo.init({
        forceRTMP: true,
        onLoaded: () => resolve({ loaded: true }),
        onFlashMissing: (container, error) => resolve({ tag: container.tagName, error }),
      }).catch(() => {});
    }));
    assert.equal(r.tag, 'DIV');
    assert.equal(r.error.key, 'rtmp_unavailable');
    assertHealthy(page);
  } finally {
    await closeAll([page]);
  }
});

test('relay restarted while registered: disconnected, reconnecting, onConnected again through the new relay', async () => {
  const page = await openRTMP('1004', { overrides: { reconnectDelay: 1000 } });
  try {
    await gatewayBinding('1004');
    const port = new URL(relay.url).port;
    await relay.stop();
    const lost = await waitEvent(page, 'onError');
    assert.equal(lost.key, 'disconnected');
    // The relay's RTMP connection ended: the gateway un-REGISTERed.
    await until(async () => (await lab.kamailio.lookup('1004')).length === 0, { what: 'the binding to go' });
    relay = await startRelay({ gateway, origin: lab.server.url, extraArgs: ['-addr', `127.0.0.1:${port}`] });
    await nth(page, 'onConnected', 2, 20_000);
    const notes = (await args(page, 'onNotified')).filter((n) => n.key === 'reconnecting_notification');
    assert.ok(notes.length >= 1 && notes[0].attempt === 1, JSON.stringify(notes));
    await gatewayBinding('1004');
    assertHealthy(page);
  } finally {
    await closeAll([page]);
  }
});

// Last in this file: the killed gateway leaves 1008's binding behind
// (no un-REGISTER), and the lab is not shared with other files.
test('gateway killed mid-call: the RTMP page gets disconnected, the call ends, and it reconnects once the gateway is back', async () => {
  const a = await openRTMP('1008', { overrides: { reconnectDelay: 1000 } });
  const b = await openWebRTC('1009');
  try {
    const [old] = await gatewayBinding('1008');
    assert.equal((await connect(b, '1008')).ok, true);
    await waitEvent(a, 'onIncoming');
    await a.evaluate(() => window.incoming.accept());
    await waitEvent(b, 'onAccepted');
    await audioFlowing(a, { what: 'audio played by the RTMP page' });
    const listen = new URL(gateway.rtmpUrl.replace(/^rtmp:/, 'http:')).host;
    await gateway.kill();
    const lost = await waitEvent(a, 'onError');
    assert.equal(lost.key, 'disconnected');
    await waitEvent(a, 'onHangup'); // the call cannot outlive the gateway
    assert.equal(await count(a, 'onConnected'), 1, 'connected while the gateway is down');
    gateway = await startGateway({ kamailio: lab.kamailio, listen });
    await nth(a, 'onConnected', 2, 20_000);
    // The new gateway registered 1008 afresh, with a Contact of its own.
    await until(async () => {
      const c = await lab.kamailio.lookup('1008');
      return c.some((x) => x !== old && !/transport=ws/.test(x)) ? c : null;
    }, { timeout: 10_000, what: "the new gateway's binding for 1008" });
    // And the line works again: the RTMP page calls the WebRTC page,
    // which first hangs up what is left of the old call.
    await b.evaluate(() => kazoo.hangup());
    await waitEvent(b, 'onHangup');
    assert.equal((await connect(a, '1009')).ok, true);
    await waitEvent(b, 'onIncoming');
    await waitEvent(a, 'onRinging');
    await a.evaluate(() => kazoo.hangup());
    assertHealthy(a, b);
  } finally {
    await closeAll([a, b]);
  }
});
