// The demo softphone's calls, used like a person makes them (see
// demo.test.mjs): dial and answer, the level meters, mute, the audio
// devices, DTMF, hold, blind transfer, decline and missed calls, and
// calls between an "Audio without WebRTC" page and a WebRTC page. Audio
// claims are read off the page's own level meters, with a different tone
// on each browser's fake microphone.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { until } from './lib/lab.mjs';
import {
  demoBackends, LOUD, QUIET, callAndAnswer, openDemo, closeAll, assertHealthy, loginAs, callState, incoming,
  waitMeter, timerAdvances, waitTone, waitNotice, waitNoNotice, notices, assertFits, screenshot, openDevices, deviceOptions, DESKTOP, PHONE,
} from './lib/demo.mjs';

for (const b of demoBackends) demoSuite(b);

function demoSuite({ name, start, rtmp }) {
  describe(`demo calls against ${name}`, () => {
    let be;
    before(async () => { be = await start(); });
    after(async () => { await be?.stop(); });
    test('a call: dial on the dialpad, ringback and ringtone, answer from the dialog, timers, meters both ways, mute', async () => {
      const a = await openDemo(be, 0, { viewport: DESKTOP });
      const b = await openDemo(be, 1, { viewport: PHONE });
      try {
        await loginAs(a, be, '1001', { name: 'Ann Example' });
        await loginAs(b, be, '1002');
        assert.equal(await b.isVisible('#incomingDialog'), false, 'the incoming-call dialog shows with no call');
        for (const k of '1002') await a.click(`#dialpad [data-key="${k}"]`);
        assert.equal(await a.inputValue('#number'), '1002');
        await a.click('#callBtn');

        // B: the dialog names the caller, has the focus, and it rings; A hears ringback.
        const who = await incoming(b);
        assert.deepEqual(who, { name: 'Ann Example', number: '1001' });
        assert.equal(await b.evaluate(() => document.activeElement.id), 'answerBtn', 'focus moves to the dialog');
        assert.equal(await b.title(), 'Incoming call: Ann Example — kazoo');
        await waitTone(b, 'ringtone');
        await a.locator('#callStatus', { hasText: 'Ringing' }).waitFor({ timeout: 10_000 });
        await waitTone(a, 'ringback');
        await screenshot(b, 'phone-incoming');

        // Answer with the keyboard (Enter on the focused Answer button).
        await b.keyboard.press('Enter');
        await callState(b, 'active');
        await callState(a, 'active');
        await waitTone(a, '');
        await waitTone(b, '');
        assert.equal(await a.textContent('#peerName'), '1002');
        assert.equal(await b.textContent('#peerName'), 'Ann Example');
        assert.equal(await b.title(), 'kazoo softphone');
        assert.equal(await a.isVisible('#loginScreen'), false);

        assert.equal(await a.isDisabled('#checkBtn'), true, '"Check my connection" is offered during a call');
        // Both timers run; each speaker meter moves with the other's microphone.
        await Promise.all([timerAdvances(a, 2), timerAdvances(b, 2)]);
        await waitMeter(a, 'speaker', '>', LOUD, { what: 'A hears B' });
        await waitMeter(b, 'speaker', '>', LOUD, { what: 'B hears A' });
        await waitMeter(a, 'mic', '>', LOUD);
        await waitMeter(b, 'mic', '>', LOUD);

        // B mutes: A's speaker meter drops (it showed B's audio), B's mic meter
        // too, while B still hears A. Unmute brings it back.
        // B's fake microphone keeps playing its tone: B is told, in words,
        // that nobody hears it; the notice goes when B unmutes.
        await b.click('#muteBtn');
        assert.equal(await b.getAttribute('#muteBtn', 'aria-pressed'), 'true');
        await waitMeter(a, 'speaker', '<', QUIET, { what: 'A hears silence while B is muted' });
        await waitMeter(b, 'mic', '<', QUIET);
        await waitMeter(b, 'speaker', '>', LOUD, { what: 'B still hears A while muted' });
        assert.equal(await waitNotice(b, 'quality', /muted/), "You're muted — the other person can't hear you.");
        assert.equal(await b.getAttribute('#notices li[data-kind="quality"]', 'data-key'), 'speaking-while-muted');
        assert.deepEqual(await notices(a, 'quality'), [], 'A, not muted, got a quality notice');
        await b.click('#muteBtn');
        assert.equal(await b.getAttribute('#muteBtn', 'aria-pressed'), 'false');
        await waitNoNotice(b, 'quality', /muted/);
        await waitMeter(a, 'speaker', '>', LOUD, { what: 'A hears B after unmute' });

        await waitMeter(b, 'speaker', '>', LOUD);
        await screenshot(a, 'desktop-call');
        await screenshot(b, 'phone-call');
        await assertFits(a, '#hangupBtn');
        await assertFits(b, '#hangupBtn');

        await a.click('#hangupBtn');
        await callState(a, 'idle');
        await callState(b, 'idle');
        assert.match(await b.textContent('#lastCall'), /^Call with Ann Example ended after \d\d:\d\d\.$/);
        assert.equal(await a.locator('#micMeter').evaluate((m) => m.value), 0);
        assertHealthy(a, b);
      } finally {
        await closeAll([a, b]);
      }
    });


    test('audio devices: the picker lists the browser\'s devices; a microphone and a speaker chosen mid-call take the call, the ringtone rings on its own device', async () => {
      const a = await openDemo(be, 0);
      const b = await openDemo(be, 1);
      try {
        await loginAs(a, be, '1001');
        await loginAs(b, be, '1002');
        await callAndAnswer(a, b, '1002');
        await openDevices(a);
        // Chromium's fake devices, by name (the microphone is open in a call).
        const mics = await until(async () => {
          const o = await deviceOptions(a, 'mic');
          return o.some((x) => x.text === 'Fake Audio Input 1') ? o : null;
        }, { what: 'the fake microphones in the list' });
        assert.deepEqual(mics[0], { value: '', text: 'Default (Fake Default Audio Input)' });
        const speakers = await deviceOptions(a, 'speaker');
        assert.deepEqual(speakers[0], { value: '', text: 'Default (Fake Default Audio Output)' });
        const out1 = speakers.find((o) => o.text === 'Fake Audio Output 1');
        const out2 = speakers.find((o) => o.text === 'Fake Audio Output 2');
        assert.ok(out1 && out2, `no fake outputs in ${JSON.stringify(speakers)}`);
        assert.deepEqual(await deviceOptions(a, 'ringtone'), speakers);
        assert.equal(await a.isVisible('#outputsHint'), false, 'Chromium can choose outputs, yet the picker says it cannot');

        // The speaker, chosen by its label: the call's audio element plays there and A still hears B.
        await a.getByRole('combobox', { name: 'Speaker' }).selectOption({ label: 'Fake Audio Output 1' });
        await until(async () => (await a.evaluate(() => kazoo.audio.speaker.get())) === out1.value, { what: 'kazoo.audio.speaker to be Fake Audio Output 1' });
        const sinks = await until(async () => {
          const ids = await a.evaluate(() => [...document.querySelectorAll('audio[data-kazoo-audio]')].map((e) => e.sinkId));
          return ids.length && ids.every((id) => id === out1.value) ? ids : null;
        }, { what: 'the call\'s <audio> to play on Fake Audio Output 1' });
        assert.equal(sinks.length, 1);
        await waitMeter(a, 'speaker', '>', LOUD, { what: 'A still hears B after the speaker switch' });

        // The microphone: B still hears A.
        const in1 = mics.find((o) => o.text === 'Fake Audio Input 1');
        await a.getByRole('combobox', { name: 'Microphone' }).selectOption({ label: 'Fake Audio Input 1' });
        await until(async () => (await a.evaluate(() => kazoo.audio.microphone.get())) === in1.value, { what: 'kazoo.audio.microphone to be Fake Audio Input 1' });
        assert.equal(await a.inputValue('#micSelect'), in1.value);
        await waitMeter(b, 'speaker', '>', LOUD, { what: 'B hears A on the other microphone' });

        // The ringtone: the page's ring plays on Fake Audio Output 2 when B calls.
        await a.getByRole('combobox', { name: 'Ringtone' }).selectOption({ label: 'Fake Audio Output 2' });
        await until(async () => (await a.evaluate(() => kazoo.audio.ringtone.get())) === out2.value, { what: 'kazoo.audio.ringtone to be Fake Audio Output 2' });
        await a.click('#hangupBtn');
        await callState(b, 'idle');
        await b.fill('#number', '1001');
        await b.press('#number', 'Enter');
        await incoming(a);
        await waitTone(a, 'ringtone');
        assert.equal(await a.evaluate(() => document.body.dataset.ringSink), out2.value, 'the ring does not play on the ringtone device');
        await a.click('#declineBtn');
        await callState(a, 'idle');
        await callState(b, 'idle');
        assert.equal(await a.inputValue('#speakerSelect'), out1.value, 'the choice did not stay after the call');
        assertHealthy(a, b);
      } finally {
        await closeAll([a, b]);
      }
    });


    test('in a call: DTMF as SIP INFO shows on the other page; hold and resume; transfer to a third page; hang up', async () => {
      const a = await openDemo(be, 0);
      const b = await openDemo(be, 1);
      let c;
      try {
        await loginAs(a, be, '1001', { dtmf: 'info' });
        await loginAs(b, be, '1002', { dtmf: 'info' });
        // Keyboard only. Focus order: the number, delete, the dialpad (one
        // stop, arrows inside), Call.
        const focused = () => a.evaluate(() => document.activeElement.id || document.activeElement.dataset.key);
        assert.equal(await focused(), 'number', 'the number field has the focus after log-in');
        const order = [];
        for (let i = 0; i < 3; i++) { await a.keyboard.press('Tab'); order.push(await focused()); }
        assert.deepEqual(order, ['backspaceBtn', '1', 'callBtn']);
        await a.keyboard.press('Shift+Tab');
        await a.keyboard.press('ArrowDown');
        assert.equal(await focused(), '4');
        await a.keyboard.press('Enter');
        assert.equal(await a.inputValue('#number'), '4');
        await a.keyboard.press('Backspace');
        assert.equal(await a.inputValue('#number'), '');
        await a.keyboard.type('1002');
        await a.keyboard.press('Enter');
        await incoming(b);
        await b.click('#answerBtn');
        await callState(a, 'active');

        // DTMF: three keys clicked, one typed.
        for (const k of ['1', '5', '#']) await a.click(`#dialpad [data-key="${k}"]`);
        await a.keyboard.press('9');
        await b.locator('#dtmfReceived', { hasText: '15#9' }).waitFor({ timeout: 10_000 });
        assert.equal(await b.textContent('#dtmfReceived'), '15#9');
        assert.equal(await a.textContent('#dtmfSent'), '15#9');

        // Hold: A hears nothing; resume: A hears B again.
        await waitMeter(a, 'speaker', '>', LOUD);
        await a.click('#holdBtn');
        await a.locator('#holdBtn[aria-pressed="true"]').waitFor({ timeout: 10_000 });
        assert.equal(await a.textContent('#callStatus'), 'On hold');
        await callState(a, 'held');
        await waitMeter(a, 'speaker', '<', QUIET, { what: 'silence on hold' });
        await a.click('#holdBtn');
        await a.locator('#holdBtn[aria-pressed="false"]').waitFor({ timeout: 10_000 });
        assert.equal(await a.textContent('#callStatus'), 'In call');
        await waitMeter(a, 'speaker', '>', LOUD, { what: 'audio after resume' });

        // Transfer B to C, typed in the transfer field.
        c = await openDemo(be, 0);
        await loginAs(c, be, '1003');
        await a.click('#transferToggle');
        assert.equal(await a.evaluate(() => document.activeElement.id), 'transferTarget');
        await a.keyboard.type('1003');
        await a.keyboard.press('Enter');
        const who = await incoming(c);
        assert.equal(who.number || who.name, '1002');
        await c.click('#answerBtn');
        await callState(c, 'active');
        await callState(a, 'idle');
        assert.equal(await a.textContent('#lastCall'), 'Call transferred to 1003.');
        await waitNotice(a, 'transfer', /transferred to 1003/);
        await waitNotice(b, 'transfer', /transferred your call to 1003/);
        await callState(b, 'active');
        assert.equal(await b.textContent('#peerName'), '1003');
        // B and C talk.
        await waitMeter(c, 'speaker', '>', LOUD, { what: 'C hears B' });
        await waitMeter(b, 'speaker', '>', LOUD, { what: 'B hears C' });

        await c.click('#hangupBtn');
        await callState(c, 'idle');
        await callState(b, 'idle');
        assert.match(await b.textContent('#lastCall'), /^Call with 1003 ended/);
        assertHealthy(a, b, c);
      } finally {
        await closeAll([a, b, c]);
      }
    });


    test('decline with Escape, a cancelled call is a missed call; names from the network stay text', async () => {
      const a = await openDemo(be, 0);
      const b = await openDemo(be, 1);
      try {
        const evil = '<img src=x>Eve & <b>co</b>';
        await loginAs(a, be, '1004', { name: evil });
        await loginAs(b, be, '1005');
        await a.fill('#number', '1005');
        await a.press('#number', 'Enter');
        const who = await incoming(b);
        assert.equal(who.name, evil);
        assert.equal(await b.locator('#incomingDialog img, #incomingDialog b').count(), 0, 'a caller name became markup');
        await b.keyboard.press('Escape');
        await callState(b, 'idle');
        assert.equal(await b.isVisible('#incomingDialog'), false);
        await callState(a, 'idle');
        assert.equal(await a.textContent('#lastCall'), '1005 declined the call.');
        assert.equal(await b.textContent('#lastCall'), 'Call declined.');

        // A gives up while B's phone rings: B has a missed call.
        await a.fill('#number', '1005');
        await a.click('#callBtn');
        await incoming(b);
        await a.locator('#callStatus', { hasText: 'Ringing' }).waitFor({ timeout: 10_000 });
        await a.click('#hangupBtn');
        await callState(b, 'idle');
        await b.locator('#incomingDialog').waitFor({ state: 'hidden', timeout: 10_000 });
        assert.equal(await waitNotice(b, 'missed', /Missed call/), `Missed call from ${evil}.`);
        assert.equal(await b.locator('#notices img, #notices b').count(), 0);
        assertHealthy(a, b);
      } finally {
        await closeAll([a, b]);
      }
    });


    test('"Audio without WebRTC" and WebRTC pages call each other with audio both ways', {
      skip: rtmp ? false : `${name} has no RTMP path`,
    }, async () => {
      const a = await openDemo(be, 0);
      const b = await openDemo(be, 1, { viewport: PHONE });
      try {
        assert.equal(await a.isVisible('#rtmpOption'), true, 'the WebRTC/RTMP switch is not offered');
        await loginAs(a, be, '1004', { rtmp: true });
        assert.match(await a.textContent('#status'), /RTMP/);
        assert.equal(await a.textContent('#modeBadge'), 'RTMP');
        await loginAs(b, be, '1005');
        assert.equal(await b.textContent('#modeBadge'), 'WebRTC');
        if (be.lookup) {
          // The binding is the gateway's UDP contact, not a browser WebSocket.
          const contacts = await until(async () => { const c = await be.lookup('1004'); return c.length ? c : null; },
            { what: 'the gateway binding for 1004' });
          assert.doesNotMatch(contacts[0], /transport=ws/);
        }
        await a.fill('#number', '1005');
        await a.press('#number', 'Enter');
        await incoming(b);
        await b.click('#answerBtn');
        await callState(a, 'active');
        await callState(b, 'active');
        await waitMeter(a, 'speaker', '>', LOUD, { what: 'the RTMP page hears the WebRTC page' });
        await waitMeter(b, 'speaker', '>', LOUD, { what: 'the WebRTC page hears the RTMP page' });
        await waitMeter(a, 'mic', '>', LOUD, { what: 'the RTMP page shows its microphone' });
        // The RTMP page mutes: the WebRTC page's speaker meter drops.
        await a.click('#muteBtn');
        await waitMeter(b, 'speaker', '<', QUIET, { what: 'silence from the muted RTMP page' });
        await waitMeter(a, 'mic', '<', QUIET);
        await a.click('#muteBtn');
        await waitMeter(b, 'speaker', '>', LOUD);
        await screenshot(a, 'desktop-rtmp-call');
        await b.click('#hangupBtn');
        await callState(a, 'idle');
        await callState(b, 'idle');
        // And the other way: the RTMP page gets the incoming-call dialog.
        await b.fill('#number', '1004');
        await b.press('#number', 'Enter');
        assert.deepEqual(await incoming(a), { name: '1005', number: '' }, 'a caller without a name shows as the number');
        await a.click('#answerBtn');
        await callState(b, 'active');
        await waitMeter(a, 'speaker', '>', LOUD, { what: 'the RTMP page hears its caller' });
        await waitMeter(b, 'speaker', '>', LOUD, { what: 'the caller hears the RTMP page' });
        await a.click('#hangupBtn');
        await callState(b, 'idle');
        await callState(a, 'idle');
        await a.click('#logoutBtn');
        await a.locator('#loginScreen').waitFor({ state: 'visible', timeout: 10_000 });
        if (be.lookup) await until(async () => (await be.lookup('1004')).length === 0, { what: 'the gateway binding to go' });
        assertHealthy(a, b);
      } finally {
        await closeAll([a, b]);
      }
    });

  });
}
