// The demo softphone (web/) used like a person uses it: Playwright fills,
// clicks, presses keys and reads the screen; it never calls kazoo itself.
// This file: the account side — log-in and its errors, "Check my
// connection", notifications, "Test my audio", messages and the
// colleagues' lamps. The calls are demo-calls.test.mjs's, several calls
// and attended transfer demo-lines.test.mjs's.
//
// Every flow runs against each backend of lib/demo.mjs's demoBackends,
// which also says what each can do (echo, rtmp).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { until } from './lib/lab.mjs';
import { freePort } from './lib/kamailio.mjs';
import {
  demoBackends, LOUD, QUIET, openDemo, closeAll, assertHealthy, loginAs, openAdvanced, account, callState, incoming,
  waitMeter, waitNotice, notices, assertFits, screenshot, PHONE, sendChat, chatOutcome, lamp, waitLamp,
} from './lib/demo.mjs';

for (const b of demoBackends) demoSuite(b);

function demoSuite({ name, start, echo }) {
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


    test('colleagues: a lamp for each other account; the callee rings, both go busy during a call and idle after; a click calls; log-out unsubscribes', async () => {
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
        assert.equal(await waitLamp(w, '1003', 'idle'), 'Available');
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

  });
}
