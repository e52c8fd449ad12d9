// The demo softphone with more than one call (see demo.test.mjs): the
// line list — a second call rings in the list, not in the dialog;
// answering it holds the first; Switch to, Decline and Hang up in the
// list — and attended transfer (consult, then complete or cancel).
// Besides the screen, the several-calls flow reads the library's view
// back (kazoo.calls() and each call's getStats() direction): the row's
// "On hold" must be a call really on hold.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  demoBackends, LOUD, QUIET, callAndAnswer, openDemo, closeAll, assertHealthy, loginAs, callState, incoming,
  waitMeter, waitNotice, screenshot, assertFits, lineRow, waitLine,
} from './lib/demo.mjs';

for (const b of demoBackends) demoSuite(b);

/**
 * The page's calls as the library has them: [user, state, hold], oldest
 * first; hold is 'held' when the call's media direction says so
 * (sendonly or inactive), else the direction.
 */
function library(page) {
  return page.evaluate(async () => Promise.all((await kazoo.calls()).map(async (c) => {
    const { direction } = await c.getStats();
    return [/^sips?:([^@]+)@/.exec(c.remoteUri)[1], c.state, /^(sendonly|inactive)$/.test(direction) ? 'held' : direction];
  })));
}

function demoSuite({ name, start }) {
  describe(`demo lines against ${name}`, () => {
    let be;
    before(async () => { be = await start(); });
    after(async () => { await be?.stop(); });
    test('several calls: a second call rings in the line list (no dialog), Answer there holds the first, Switch to goes back, Decline refuses a third; hanging up the current call brings back the one before, on hold, Resume; one call left and the list goes', async () => {
      const a = await openDemo(be, 0);
      const b = await openDemo(be, 1);
      const c = await openDemo(be, 0);
      const d = await openDemo(be, 1);
      try {
        await loginAs(a, be, '1001');
        await loginAs(b, be, '1002');
        await loginAs(c, be, '1003');
        await loginAs(d, be, '1004');
        await callAndAnswer(b, a, '1001');
        assert.equal(await a.isVisible('#lineList'), false, 'the line list shows with one call');

        // C calls: A stays in the call with B; C rings in the list, not in the dialog.
        await c.fill('#number', '1001');
        await c.press('#number', 'Enter');
        const second = await waitLine(a, '1003', 'incoming');
        assert.equal(second.text, 'Ringing');
        assert.deepEqual(second.buttons, ['Answer', 'Decline']);
        assert.match(second.time, /^\d\d:\d\d$/);
        assert.equal(await a.isVisible('#incomingDialog'), false, 'the second call took the screen with the incoming dialog');
        assert.equal(await a.getAttribute('#callPanel', 'data-state'), 'active');
        assert.equal(await a.textContent('#peerName'), '1002');
        assert.equal(await a.textContent('#linesCount'), '2');
        const first = await waitLine(a, '1002', 'active');
        assert.equal(first.text, 'Active');
        assert.deepEqual(first.buttons, ['Hold', 'Hang up']);
        assert.match(first.time, /^\d\d:\d\d$/);
        assert.equal(await waitNotice(a, 'waiting', /is calling/), '1003 is calling. Answer puts 1002 on hold.');
        await screenshot(a, 'desktop-lines-waiting');

        // Answer from the list: C is the call now, B waits on hold.
        await lineRow(a, '1003').getByRole('button', { name: 'Answer' }).click();
        await callState(c, 'active');
        await a.locator('#peerName', { hasText: '1003' }).waitFor({ timeout: 10_000 });
        await callState(a, 'active');
        const held = await waitLine(a, '1002', 'held');
        assert.equal(held.text, 'On hold');
        assert.deepEqual(held.buttons, ['Switch to', 'Hang up']);
        assert.equal((await waitLine(a, '1003', 'active')).text, 'Active');
        assert.deepEqual(await library(a), [['1002', 'established', 'held'], ['1003', 'established', 'sendrecv']]);
        await waitMeter(c, 'speaker', '>', LOUD, { what: 'C hears A' });
        await waitMeter(b, 'speaker', '<', QUIET, { what: 'B, on hold, hears nothing of A' });
        await screenshot(a, 'desktop-lines');

        // Switch back to B from the list: C waits on hold.
        await lineRow(a, '1002').getByRole('button', { name: 'Switch to' }).click();
        await a.locator('#peerName', { hasText: '1002' }).waitFor({ timeout: 10_000 });
        assert.equal((await waitLine(a, '1003', 'held')).text, 'On hold');
        assert.equal((await waitLine(a, '1002', 'active')).text, 'Active');
        assert.deepEqual(await library(a), [['1002', 'established', 'sendrecv'], ['1003', 'established', 'held']]);
        await waitMeter(b, 'speaker', '>', LOUD, { what: 'B hears A again' });
        await waitMeter(c, 'speaker', '<', QUIET, { what: 'C, on hold, hears nothing of A' });

        // A third call: Decline in the list refuses it; the two calls go on.
        await d.fill('#number', '1001');
        await d.press('#number', 'Enter');
        assert.deepEqual((await waitLine(a, '1004', 'incoming')).buttons, ['Answer', 'Decline']);
        assert.equal(await a.textContent('#linesCount'), '3');
        await lineRow(a, '1004').getByRole('button', { name: 'Decline' }).click();
        await callState(d, 'idle');
        assert.equal(await d.textContent('#lastCall'), '1001 declined the call.');
        await lineRow(a, '1004').waitFor({ state: 'detached', timeout: 10_000 });
        assert.equal(await a.textContent('#linesCount'), '2');

        // It calls again and is answered: B and C both wait on hold.
        await d.press('#number', 'Enter');
        await waitLine(a, '1004', 'incoming');
        await lineRow(a, '1004').getByRole('button', { name: 'Answer' }).click();
        await callState(d, 'active');
        assert.equal((await waitLine(a, '1002', 'held')).text, 'On hold');
        assert.equal((await waitLine(a, '1003', 'held')).text, 'On hold');
        assert.deepEqual(await library(a), [['1002', 'established', 'held'], ['1003', 'established', 'held'], ['1004', 'established', 'sendrecv']]);
        await assertFits(a);

        // Hang up D (the current call) from its row: B, current before it, is the call again, still on hold.
        await lineRow(a, '1004').getByRole('button', { name: 'Hang up' }).click();
        await callState(d, 'idle');
        await lineRow(a, '1004').waitFor({ state: 'detached', timeout: 10_000 });
        await callState(a, 'held');
        assert.equal(await a.textContent('#peerName'), '1002');
        assert.equal(await a.textContent('#callStatus'), 'On hold');
        assert.match(await waitNotice(a, 'call', /1004 ended/), /^Call with 1004 ended after \d\d:\d\d\. 1002 is on hold: Resume to talk\.$/);
        const back = await waitLine(a, '1002', 'held');
        assert.deepEqual(back.buttons, ['Resume', 'Hang up']);
        // Resume in the row: B hears A again (kazoo silenced A's microphone on that line while it waited).
        await lineRow(a, '1002').getByRole('button', { name: 'Resume' }).click();
        await waitLine(a, '1002', 'active');
        await callState(a, 'active');
        assert.deepEqual(await library(a), [['1002', 'established', 'sendrecv'], ['1003', 'established', 'held']]);
        await waitMeter(b, 'speaker', '>', LOUD, { what: 'B hears A after Resume' });

        // Hang up C (on hold) from the list: one call is left, the list goes.
        await lineRow(a, '1003').getByRole('button', { name: 'Hang up' }).click();
        await callState(c, 'idle');
        await a.locator('#lineList').waitFor({ state: 'hidden', timeout: 10_000 });
        assert.equal(await a.getAttribute('#callPanel', 'data-state'), 'active');
        assert.equal(await a.textContent('#peerName'), '1002');
        assert.deepEqual(await library(a), [['1002', 'established', 'sendrecv']]);
        await a.click('#hangupBtn');
        await callState(a, 'idle');
        await callState(b, 'idle');
        assertHealthy(a, b, c, d);
      } finally {
        await closeAll([a, b, c, d]);
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
