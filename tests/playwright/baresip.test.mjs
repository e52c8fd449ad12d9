// kazoo (browser: ICE + DTLS-SRTP) ↔ baresip (plain RTP over UDP) through
// the real Kamailio and rtpengine: audio both ways, proven at both ends,
// and RFC 4733 DTMF received by baresip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, waitEvent, registerParams, loadKazoo, register, until, browserTone } from './lib/lab.mjs';
import { stats, audioFlowing, connect, count, sent } from './lib/calls.mjs';
import { makeTone, analyse, dominantFrequency } from './lib/audio.mjs';

const baresipTone = 660;
let lab;
let phone; // baresip, 1009
before(async () => {
  lab = await startLab({ media: true });
  const audioFile = await makeTone({ freq: baresipTone, seconds: 120 });
  phone = await lab.startBaresip({ user: '1009', password: 'pw-1009', audioFile, answer: 'auto' });
});
after(async () => {
  await phone?.stop();
  await lab?.stop();
});

async function kazooPage(user) {
  const page = await lab.openPage();
  await loadKazoo(page);
  await register(page, registerParams(lab, user));
  await waitEvent(page, 'onConnected');
  return page;
}

/** Checks baresip's newest recording of what it received carries the browser's tone. */
async function baresipHeardBrowser() {
  const { dec } = phone.lastRecording();
  assert.ok(dec, 'baresip recorded nothing');
  const { rms } = await analyse(dec);
  assert.ok(rms > 0.01, `baresip's recording is silent (rms ${rms})`);
  const { freq, levels } = dominantFrequency(dec, { candidates: [browserTone, baresipTone] });
  assert.equal(freq, browserTone, `baresip heard ${JSON.stringify(levels)}`);
}

test('kazoo → baresip: audio both ways, RFC 4733 DTMF received by baresip', async () => {
  const page = await kazooPage('1001');
  try {
    const r = await connect(page, '1009');
    assert.equal(r.ok, true, JSON.stringify(r));
    await waitEvent(page, 'onAccepted');
    assert.equal(await lab.rtpengine.sessions(), 1, 'the call is not anchored in rtpengine');
    const s = await audioFlowing(page, { what: 'audio from baresip' });
    assert.ok(['audio/opus', 'audio/PCMU', 'audio/PCMA'].includes(s.codec), s.codec);
    await page.evaluate(() => kazoo.sendDTMF('5'));
    await phone.waitDtmf('5', 10_000);
    await page.evaluate(() => kazoo.sendDTMF('#'));
    await phone.waitDtmf('#', 10_000);
    await sent(page, 150); // three seconds of tone for baresip to record
    await page.evaluate(() => kazoo.hangup());
    await waitEvent(page, 'onHangup');
    await phone.waitEvent('CALL_CLOSED', 10_000);
    await baresipHeardBrowser();
    await until(async () => (await lab.rtpengine.sessions()) === 0, { what: 'rtpengine session deleted after BYE' });
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});

test('baresip → kazoo: audio both ways, baresip hangs up', async () => {
  const page = await kazooPage('1002');
  try {
    const closedBefore = phone.events.filter((e) => e.type === 'CALL_CLOSED').length;
    await phone.dial('1002');
    const info = await waitEvent(page, 'onIncoming');
    assert.equal(info.callerNumber, '1009');
    await page.evaluate(() => window.incoming.accept());
    await audioFlowing(page, { what: 'audio from baresip' });
    await sent(page, 150);
    await phone.hangup();
    await waitEvent(page, 'onHangup');
    await until(() => phone.events.filter((e) => e.type === 'CALL_CLOSED').length > closedBefore,
      { what: 'baresip saw the call close' });
    await baresipHeardBrowser();
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});

// baresip in "early" answer mode sends 183 with SDP but no audio before it
// answers, so the early media is played into the call by rtpengine (as an
// announcement server would): the browser must receive it while ringing.
test('early media: a 183 with SDP delivers audio before the answer', async () => {
  const early = await lab.startBaresip({
    user: '1008', password: 'pw-1008', answer: 'early',
    audioFile: await makeTone({ freq: baresipTone, seconds: 60 }),
  });
  const page = await kazooPage('1003');
  try {
    await connect(page, '1008');
    await until(() => page.evaluate(() => window.events.some((e) => e.name === 'onRinging' && e.arg.earlyMedia)),
      { what: 'onRinging with earlyMedia' });
    const [callId] = await lab.rtpengine.callIds();
    const caller = /Tag '([^']+)', type: FROM_TAG/.exec(await lab.rtpengine.cli(`list sessions ${callId}`))[1];
    const played = await lab.rtpengine.ng({
      command: 'play media', 'call-id': callId, 'from-tag': caller,
      file: await makeTone({ freq: 880, seconds: 20 }),
    });
    assert.equal(played.result, 'ok', JSON.stringify(played));
    await until(async () => {
      const s = await stats(page);
      return s.state === 'ringing' && s.inbound.packets >= 25;
    }, { what: 'early media packets while ringing' });
    assert.equal(await count(page, 'onAccepted'), 0, 'answered too early');
    await early.accept();
    await waitEvent(page, 'onAccepted');
    await audioFlowing(page, { what: 'audio after the answer' });
    await page.evaluate(() => kazoo.hangup());
    await waitEvent(page, 'onHangup');
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
    await early.stop();
  }
});
