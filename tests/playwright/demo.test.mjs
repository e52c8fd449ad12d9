// The demo softphone (web/) used like a person uses it: Playwright fills,
// clicks, presses keys and reads the screen; it never calls kazoo itself
// (it only reads kazoo.audio's choice back, to see that the device picker
// called through). Audio claims are read off the page's own level meters,
// with a different tone on each browser's fake microphone.
//
// Every flow runs against each backend below (see lib/demo.mjs for what a
// backend provides). A backend says statically what it can do:
//   echo  it has the echo extension ("Test my audio" calls config.echo or *43)
//   rtmp  the page offers "Audio without WebRTC" and it can carry calls
//   blf   it tells the dialog state of extensions (SUBSCRIBE event dialog):
//         the colleagues' lamps go busy and idle
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { until } from './lib/lab.mjs';
import { freePort } from './lib/kamailio.mjs';
import {
  startDevBackend, startKamailioBackend, openDemo, closeAll, assertHealthy, loginAs, openAdvanced, account, callState, incoming,
  waitMeter, timerAdvances, waitTone, waitNotice, waitNoNotice, notices, assertFits, screenshot, openDevices, deviceOptions, DESKTOP, PHONE,
  sendChat, chatOutcome, lamp, waitLamp,
} from './lib/demo.mjs';

const backends = [
  { name: 'kazoo-dev', start: startDevBackend, echo: true, rtmp: true, blf: false },
  { name: 'Kamailio', start: startKamailioBackend, echo: false, rtmp: true, blf: true },
];

for (const b of backends) demoSuite(b);

// The meters show −60…0 dBFS. The far browser's steady test tone settles
// at about −25 dBFS (0.58 on the meter) once Chromium's noise suppression
// and gain control have worked on it; silence reads 0.
const LOUD = 0.35;
const QUIET = 0.1;

/** caller dials callee's number on the dialpad and presses Call; callee answers from the dialog. */
async function callAndAnswer(caller, callee, number) {
  for (const k of number) await caller.click(`#dialpad [data-key="${k}"]`);
  assert.equal(await caller.inputValue('#number'), number);
  await caller.click('#callBtn');
  const who = await incoming(callee);
  await callee.click('#answerBtn');
  await callState(caller, 'active');
  await callState(callee, 'active');
  return who;
}

function demoSuite({ name, start, echo, rtmp, blf }) {
  describe(`demo page against ${name}`, () => {
    let be;
    before(async () => { be = await start(); });
    after(async () => { await be?.stop(); });

    test('log in → online with a binding; log out → binding gone; settings remembered, the password only when asked', async () => {
      const page = await openDemo(be);
      try {
        const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
        assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
        assert.match(csp, /style-src 'self';/);
        await screenshot(page, 'desktop-login');
        await loginAs(page, be, '1001', { remember: false, dtmf: 'info' });
        assert.equal(await page.isVisible('#loginScreen'), false, 'the login form stays on screen');
        assert.match(await page.textContent('#status'), /Online as 1001/);
        assert.equal(await page.textContent('#meAddress'), `1001@${be.domain}`);
        if (be.lookup) await until(async () => (await be.lookup('1001')).length === 1, { what: 'the binding for 1001' });
        await page.click('#logoutBtn');
        await page.locator('#loginScreen').waitFor({ state: 'visible', timeout: 10_000 });
        assert.match(await page.textContent('#status'), /Logged out/);
        if (be.lookup) await until(async () => (await be.lookup('1001')).length === 0, { what: 'the binding to go' });

        // The page remembers the account and the options, not the password.
        await page.reload();
        await page.locator('#loginScreen').waitFor({ state: 'visible', timeout: 20_000 });
        assert.equal(await page.inputValue('#user'), '1001');
        assert.equal(await page.inputValue('#password'), '');
        assert.equal(await page.isChecked('#dtmfInfo'), true);
        // Now with "Remember password".
        await loginAs(page, be, '1001', { remember: true });
        await page.click('#logoutBtn');
        await page.locator('#loginScreen').waitFor({ state: 'visible', timeout: 10_000 });
        await page.reload();
        await page.locator('#loginScreen').waitFor({ state: 'visible', timeout: 20_000 });
        assert.equal(await page.inputValue('#password'), account(be, '1001').password);
        assert.equal(await page.isChecked('#rememberPassword'), true);
        assertHealthy(page);
      } finally {
        await closeAll([page]);
      }
    });

    test('a wrong password and an unreachable server are explained in words; a hanging log-in can be cancelled; then the person logs in', async () => {
      const page = await openDemo(be, 0, { viewport: PHONE });
      try {
        // Keyboard only: user name, Tab, password, Enter.
        await page.fill('#user', '');
        await page.focus('#user');
        await page.keyboard.type('1002');
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
        await page.keyboard.type('not-the-password');
        await page.keyboard.press('Enter');
        const err = page.locator('#loginError');
        await err.waitFor({ state: 'visible', timeout: 15_000 });
        assert.equal(await err.textContent(), 'Wrong user name or password.');
        assert.equal(await err.getAttribute('data-key'), 'unauthorized');
        assert.equal(await page.getAttribute('#status', 'data-key'), 'unauthorized');
        assert.equal(await page.isVisible('#phoneScreen'), false);
        await assertFits(page);
        await screenshot(page, 'phone-login-error');

        // A server that is not there.
        const port = await freePort();
        await openAdvanced(page);
        const wsUrl = await page.inputValue('#wsUrl');
        await page.fill('#wsUrl', `ws://127.0.0.1:${port}`);
        await page.fill('#password', account(be, '1002').password);
        await page.press('#password', 'Enter');
        await page.locator('#loginError[data-key="server_not_reachable"]').waitFor({ timeout: 20_000 });
        assert.equal(await err.textContent(),
          `Cannot reach the server at ws://127.0.0.1:${port}. Check the address and your connection.`);

        // A server that accepts the connection and never answers: the person
        // gives up with Cancel.
        const held = [];
        const silent = net.createServer((sock) => held.push(sock));
        await new Promise((r) => silent.listen(0, '127.0.0.1', r));
        try {
          await page.fill('#wsUrl', `ws://127.0.0.1:${silent.address().port}`);
          await page.click('#loginBtn');
          await page.locator('#status[data-state="connecting"]').waitFor({ timeout: 5_000 });
          assert.equal(await page.isDisabled('#loginBtn'), true);
          await page.click('#cancelLoginBtn');
          await page.locator('#status[data-state="idle"]').waitFor({ timeout: 5_000 });
          assert.equal(await page.isEnabled('#loginBtn'), true);
          assert.equal(await page.isVisible('#cancelLoginBtn'), false);
        } finally {
          silent.close();
          for (const sock of held) sock.destroy();
        }

        // Put the right server back: the same form logs in.
        await page.fill('#wsUrl', wsUrl);
        await page.click('#loginBtn');
        await page.locator('#status[data-state="registered"]').waitFor({ timeout: 15_000 });
        assert.equal(await page.isVisible('#loginError'), false);
        assertHealthy(page);
      } finally {
        await closeAll([page]);
      }
    });

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

    test('"Check my connection" runs the pre-call test and says how calls will sound', async () => {
      const page = await openDemo(be, 0, { viewport: PHONE });
      try {
        await loginAs(page, be, '1003');
        const btn = page.getByRole('button', { name: 'Check my connection' });
        assert.equal(await btn.isEnabled(), true);
        // Clicked in the page, to read what the click did at once (a check
        // without an echo extension fails within milliseconds).
        const running = await page.evaluate(() => {
          document.getElementById('checkBtn').click();
          return {
            status: document.getElementById('checkStatus').textContent,
            check: document.getElementById('checkBtn').disabled,
            echo: document.getElementById('echoBtn').disabled,
          };
        });
        assert.deepEqual(running, { status: 'Checking your connection…', check: true, echo: true },
          'while it runs: the status says so, and neither the check nor the audio test can start');
        const done = page.locator('#checkResult:not([aria-busy])');
        await done.waitFor({ timeout: 60_000 });
        await callState(page, 'idle'); // the page shows no call for the test
        assert.equal(await btn.isEnabled(), true);
        if (echo) {
          assert.equal(await page.getAttribute('#checkResult', 'data-state'), 'done', await page.textContent('#checkStatus'));
          // On loopback every call is excellent.
          assert.equal(await page.textContent('#checkBandWord'), 'Excellent');
          const fig = async (k) => page.textContent(`#checkFigures dd[data-figure="${k}"]`);
          assert.match(await fig('mos'), /^4\.\d of 4\.5$/);
          assert.match(await fig('rtt'), /^\d+(\.\d)? ms( \(\d+(\.\d)?–\d+(\.\d)?\))?$/);
          assert.match(await fig('jitter'), /^\d+(\.\d)? ms/);
          assert.match(await fig('loss'), /^0 %/);
          assert.match(await fig('setup'), /^answered after \d+ ms, first sound after \d+ ms$/);
          assert.equal(await fig('path'), 'direct');
          assert.ok(await fig('warnings'));
          await screenshot(page, 'phone-check');
          await assertFits(page);
        } else {
          // No echo extension: the check says so in words.
          assert.equal(await page.getAttribute('#checkResult', 'data-state'), 'error');
          assert.match(await page.textContent('#checkStatus'), /^The connection check is not available here: the echo test \(\*43\) does not answer \(\d+\)\.$/);
        }
        assertHealthy(page);
      } finally {
        await closeAll([page]);
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

    test('notifications: voicemail counts, offline and back online, connection lost and back; the event log opens', async () => {
      const page = await openDemo(be);
      try {
        await loginAs(page, be, '1006');
        if (be.voicemail) {
          await be.voicemail('1006', { newMessages: 2, oldMessages: 1 });
          assert.equal(await waitNotice(page, 'voicemail', /Voicemail/), 'Voicemail: 2 new messages, 1 old message.');
        }
        await page.context().setOffline(true);
        await waitNotice(page, 'connectivity', /You are offline/);
        await page.locator('#status[data-state="offline"]').waitFor({ timeout: 5_000 });
        await page.context().setOffline(false);
        await waitNotice(page, 'online', /Back online/);
        await page.locator('#status[data-state="registered"]').waitFor({ timeout: 10_000 });
        assert.deepEqual(await notices(page, 'connectivity'), [], 'the offline notice stayed');

        if (be.dropConnection) {
          await be.dropConnection('1006');
          await page.locator('#status[data-state="reconnecting"]').waitFor({ timeout: 10_000 });
          assert.match(await page.textContent('#status'), /Connection lost|Reconnecting/);
          assert.equal(await page.isVisible('#loginScreen'), false, 'a lost connection sent the person back to log in');
          await waitNotice(page, 'connection', /Reconnecting|connection to the server was lost/);
          await page.locator('#status[data-state="registered"]').waitFor({ timeout: 20_000 });
          assert.equal(await waitNotice(page, 'online', /Reconnected/), 'Reconnected.');
        }

        if (!echo) {
          // Without the echo extension the audio test says so in words.
          await page.click('#echoBtn');
          await callState(page, 'idle');
          assert.match(await page.textContent('#lastCall'), /^The audio test \(\*43\) is not available here/);
        }

        assert.equal(await page.isVisible('#log'), false, 'the event log starts collapsed');
        await page.click('#eventLog > summary');
        await page.locator('#log').waitFor({ state: 'visible' });
        assert.match(await page.textContent('#log'), /registered as 1006@/);
        assertHealthy(page);
      } finally {
        await closeAll([page]);
      }
    });

    test('"Test my audio" calls the echo test and the person hears themselves', {
      skip: echo ? false : `${name} has no echo extension (*43); runs against backends with echo: true`,
    }, async () => {
      const page = await openDemo(be);
      try {
        await loginAs(page, be, '1001');
        await page.click('#echoBtn');
        await callState(page, 'active');
        assert.equal(await page.textContent('#peerName'), 'Audio test');
        await waitMeter(page, 'speaker', '>', LOUD, { what: 'our own audio coming back' });
        // It is our own microphone: muting it silences the speaker meter.
        await page.click('#muteBtn');
        await waitMeter(page, 'speaker', '<', QUIET, { what: 'silence while muted' });
        await page.click('#muteBtn');
        await waitMeter(page, 'speaker', '>', LOUD);
        await page.click('#hangupBtn');
        await callState(page, 'idle');
        assertHealthy(page);
      } finally {
        await closeAll([page]);
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

    test('messages: A writes to B with Enter, B sees it with A\'s name and number and a badge, A sees it delivered; to someone not logged in, the reason in words', async () => {
      const a = await openDemo(be, 0);
      const b = await openDemo(be, 1);
      try {
        await loginAs(a, be, '1001', { name: 'Ada' });
        await loginAs(b, be, '1002');
        assert.equal(await a.isVisible('#chatCard'), true, 'no Messages panel');
        const text = 'Hello <b>B</b> & co';
        const sent = await sendChat(a, '1002', text);
        assert.equal(await a.inputValue('#chatText'), '', 'Enter did not send');
        assert.deepEqual(await chatOutcome(sent), { state: 'sent', text: 'Delivered ✓' });
        // B: the message, who sent it, a notice and the unread badge.
        const got = b.locator('#chatLog li[data-dir="in"]');
        await got.waitFor({ timeout: 10_000 });
        assert.equal(await got.locator('.msg-text').textContent(), text);
        assert.match(await got.locator('.msg-who').textContent(), /^From Ada \(1001\) /);
        assert.equal(await b.locator('#chatLog b').count(), 0, 'a message became markup');
        assert.equal(await waitNotice(b, 'message', /New message/), 'New message from Ada (1001).');
        assert.equal(await b.textContent('#chatUnread'), '1');
        // B replies: the To field already names A; coming to the panel reads the message.
        assert.equal(await b.inputValue('#chatTo'), '1001');
        await b.click('#chatText');
        assert.equal(await b.isVisible('#chatUnread'), false, 'the badge stayed after reading');
        await b.keyboard.type('Hi Ada');
        await b.keyboard.press('Enter');
        const reply = a.locator('#chatLog li[data-dir="in"]');
        await reply.waitFor({ timeout: 10_000 });
        assert.equal(await reply.locator('.msg-text').textContent(), 'Hi Ada');
        assert.match(await reply.locator('.msg-who').textContent(), /^From 1002 /);
        await screenshot(a, 'desktop-messages');

        // Nobody is logged in as 1006: not delivered, and why.
        const lost = await sendChat(a, '1006', 'Are you there?');
        assert.deepEqual(await chatOutcome(lost), { state: 'failed', text: 'Not delivered: 1006 is not reachable right now (480).' });
        assertHealthy(a, b);
      } finally {
        await closeAll([a, b]);
      }
    });

    test(`colleagues: a lamp for each other account${blf ? '; one goes busy during a call and idle after' : ' (unknown here: no dialog state)'}; a click calls; log-out unsubscribes`, async () => {
      const w = await openDemo(be, 0);
      let b;
      let c;
      try {
        await loginAs(w, be, '1001');
        const others = (await w.evaluate(async () => (await (await fetch('/config.json')).json()).accounts.map((x) => x.user)))
          .filter((u) => u !== '1001').slice(0, 5);
        assert.ok(others.includes('1002') && others.includes('1003'), `config accounts: ${others}`);
        assert.deepEqual(await w.locator('#colleagues button .name').allTextContents(), others);
        b = await openDemo(be, 1);
        c = await openDemo(be, 0);
        await loginAs(b, be, '1002');
        await loginAs(c, be, '1003');
        if (blf) {
          assert.equal(await waitLamp(w, '1002', 'idle'), 'Available');
          await c.fill('#number', '1002');
          await c.press('#number', 'Enter');
          await incoming(b);
          assert.equal(await waitLamp(w, '1002', 'ringing'), 'Ringing');
          await b.click('#answerBtn');
          await callState(c, 'active');
          assert.equal(await waitLamp(w, '1002', 'busy'), 'On the phone');
          assert.equal(await waitLamp(w, '1003', 'busy'), 'On the phone');
          await screenshot(w, 'desktop-colleagues');
          // The lamp tells its state to screen readers too.
          assert.equal(await lamp(w, '1002').evaluate((e) => e.textContent), 'Call 1002, On the phone');
          await c.click('#hangupBtn');
          await callState(b, 'idle');
          assert.equal(await waitLamp(w, '1002', 'idle'), 'Available');
        } else {
          // This server has no dialog state: it (or the phone it forwards
          // the SUBSCRIBE to) refuses it. Every lamp says "Unknown", the
          // answer in its tooltip, and no error shows.
          for (const u of others) {
            const title = await until(async () => {
              const t = await lamp(w, u).getAttribute('title');
              return /^Unknown: /.test(t) && t;
            }, { what: `the answer to the SUBSCRIBE for ${u}` });
            assert.match(title, /^Unknown: the SUBSCRIBE was refused: \d{3} /);
            assert.equal(await waitLamp(w, u, 'unknown'), 'Unknown');
          }
          assert.deepEqual(await notices(w, 'error'), []);
        }
        // A click on a lamp calls the colleague.
        await lamp(w, '1003').click();
        await incoming(c);
        assert.match(await w.getAttribute('#callPanel', 'data-state'), /^(calling|ringing)$/);
        assert.equal(await w.textContent('#peerName'), '1003');
        assert.equal(await lamp(w, '1002').isDisabled(), true, 'the lamps call while in a call');
        await c.click('#declineBtn');
        await callState(w, 'idle');
        await w.click('#logoutBtn');
        await w.locator('#loginScreen').waitFor({ state: 'visible', timeout: 10_000 });
        assert.equal(await w.isVisible('#colleaguesCard'), false);
        if (be.sipLog) {
          await until(() => /unsubscribe sip:1001@\S+ from sip:1002@\S+ event dialog/.test(be.sipLog()),
            { what: 'the un-SUBSCRIBE (Expires: 0) at the server' });
        }
        assertHealthy(w, b, c);
      } finally {
        await closeAll([w, b, c]);
      }
    });

    test('attended transfer: A calls B, consults C (B on hold; both calls shown), cancels and resumes B, consults C again and completes: B and C talk, A is idle', async () => {
      const a = await openDemo(be, 0);
      const b = await openDemo(be, 1);
      const c = await openDemo(be, 0);
      try {
        await loginAs(a, be, '1001');
        await loginAs(b, be, '1002');
        await loginAs(c, be, '1003');
        await callAndAnswer(a, b, '1002');

        const consult = async () => {
          await a.click('#consultToggle');
          assert.equal(await a.evaluate(() => document.activeElement.id), 'consultTarget');
          await a.keyboard.type('1003');
          await a.keyboard.press('Enter');
          await incoming(c);
          // Both calls show: B on hold above, C below.
          await callState(a, 'held');
          assert.equal(await a.textContent('#peerName'), '1002');
          assert.equal(await a.textContent('#callStatus'), 'On hold');
          assert.equal(await a.isVisible('#consultBox'), true);
          assert.equal(await a.textContent('#consultName'), '1003');
          assert.equal(await a.isDisabled('#completeTransferBtn'), true, 'Complete transfer before C answered');
          await c.click('#answerBtn');
          await callState(c, 'active');
          await a.locator('#consultStatus', { hasText: 'In call' }).waitFor({ timeout: 10_000 });
          await waitMeter(c, 'speaker', '>', LOUD, { what: 'C hears A' });
        };

        // C declines: A is back with B, and told why.
        await a.click('#consultToggle');
        await a.fill('#consultTarget', '1003');
        await a.press('#consultTarget', 'Enter');
        await incoming(c);
        await callState(a, 'held');
        await c.click('#declineBtn');
        assert.equal(await waitNotice(a, 'consult', /declined/), '1003 declined the call. Back to 1002.');
        await callState(a, 'active');
        assert.equal(await a.isVisible('#consultBox'), false);

        await consult();
        await screenshot(a, 'desktop-consult');
        // Cancel: C's call ends, B is back.
        await a.click('#cancelConsultBtn');
        await callState(c, 'idle');
        await callState(a, 'active');
        assert.equal(await a.isVisible('#consultBox'), false);
        assert.equal(await a.textContent('#peerName'), '1002');
        await waitMeter(b, 'speaker', '>', LOUD, { what: 'B hears A again' });

        await consult();
        await a.click('#completeTransferBtn');
        await callState(a, 'idle');
        assert.equal(await a.textContent('#lastCall'), 'Call transferred to 1003.');
        assert.equal(await a.isVisible('#consultBox'), false);
        // C's call is now with B (handed over, no ringing); B's with C.
        await c.locator('#peerName', { hasText: '1002' }).waitFor({ timeout: 15_000 });
        await callState(c, 'active');
        await b.locator('#peerName', { hasText: '1003' }).waitFor({ timeout: 15_000 });
        await callState(b, 'active');
        await waitMeter(b, 'speaker', '>', LOUD, { what: 'B hears C' });
        await waitMeter(c, 'speaker', '>', LOUD, { what: 'C hears B' });
        await c.click('#hangupBtn');
        await callState(c, 'idle');
        await callState(b, 'idle');
        assertHealthy(a, b, c);
      } finally {
        await closeAll([a, b, c]);
      }
    });
  });
}
