// kazoo-dev's embedded SIP server (package proxy): the library, JsSIP and
// baresip register at it and call each other; the way a registrar and a
// forking proxy answer; GRUU routing across a restart; voicemail NOTIFYs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevLab, startDev } from './lib/devlab.mjs';
import { launchBrowser, waitEvent, registerParams, loadKazoo, register, until } from './lib/lab.mjs';
import { connect, answer, audioFlowing, establish, count, args } from './lib/calls.mjs';
import { openJsSIP, jssipInbound, jsEvent } from './lib/jssip.mjs';
import { freePort } from './lib/kamailio.mjs';
import { makeTone, dominantFrequency } from './lib/audio.mjs';

let lab;
before(async () => { lab = await startDevLab({ media: true }); });
after(async () => { await lab?.stop(); });

async function phone(user, overrides = {}) {
  const page = await lab.openPage();
  await loadKazoo(page);
  await register(page, registerParams(lab, user, overrides));
  await waitEvent(page, 'onConnected');
  return page;
}

test('register: a WebSocket binding with instance and GRUU; logout removes it', async () => {
  const page = await phone('1001');
  try {
    const [b] = await (await fetch(`${lab.server.url}/api/registrations?user=1001`)).json();
    assert.equal(b.transport, 'WS');
    assert.match(b.instance, /^urn:uuid:[0-9a-f-]{36}$/);
    assert.match(b.contact, /transport=ws/);
    // The first message-summary NOTIFY arrives on registering.
    const vm = await waitEvent(page, 'onNotified');
    assert.equal(vm.key, 'voicemail_notification');
    assert.equal(vm.newMessages, 0);
    await page.evaluate(() => kazoo.logout());
    await until(async () => (await lab.sip.lookup('1001')).length === 0, { what: 'the binding to go' });
  } finally {
    await page.context().close();
  }
});

test('404 for no such user, 480 for an account not registered, 486 when rejected', async () => {
  const a = await phone('1001');
  const b = await phone('1002');
  try {
    await connect(a, '7777');
    assert.deepEqual(await waitEvent(a, 'onCancel'), { code: 404, message: 'Not Found', source: 'remote' });
    await a.evaluate(() => { window.events.length = 0; });
    await connect(a, '1008');
    assert.equal((await waitEvent(a, 'onCancel')).code, 480);
    await a.evaluate(() => { window.events.length = 0; });
    await connect(a, '1002');
    await waitEvent(b, 'onIncoming');
    await b.evaluate(() => window.incoming.reject());
    assert.equal((await waitEvent(a, 'onCancel')).code, 486);
  } finally {
    await a.context().close();
    await b.context().close();
  }
});

test('forking: two tabs of one account ring; the one that answers gets the call, the other stops ringing', async () => {
  const a = await phone('1003');
  const b1 = await phone('1004');
  const b2 = await phone('1004');
  try {
    assert.equal((await lab.sip.lookup('1004')).length, 2);
    await connect(a, '1004');
    await waitEvent(b1, 'onIncoming');
    await waitEvent(b2, 'onIncoming');
    await b2.evaluate(() => window.incoming.accept());
    await waitEvent(a, 'onAccepted');
    assert.equal((await waitEvent(b1, 'onCancel')).code, 487, 'the other tab was not cancelled');
    await audioFlowing(a);
    await audioFlowing(b2);
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(b2, 'onHangup');
    assert.equal(await count(b1, 'onHangup'), 0);
  } finally {
    for (const p of [a, b1, b2]) await p.context().close();
  }
});

test('JsSIP calls a kazoo page and a kazoo page calls JsSIP, with audio both ways', async () => {
  const k = await phone('1005');
  const j = await openJsSIP(lab.browser, `${lab.server.url}/test/blank.html`, { wsUrl: lab.sip.wsUrl, user: '1006', realm: lab.sip.realm, autoAnswer: true });
  try {
    await j.evaluate(() => window.jsCall('sip:1005@lab.test'));
    const info = await waitEvent(k, 'onIncoming');
    assert.equal(info.callerNumber, '1006');
    await k.evaluate(() => window.incoming.accept());
    await jsEvent(j, 'confirmed');
    await audioFlowing(k, { what: 'audio from JsSIP' });
    await until(async () => { const s = await jssipInbound(j); return s.packets > 50 && s.energy > 0; }, { what: 'audio at JsSIP' });
    await j.evaluate(() => window.session.terminate());
    await waitEvent(k, 'onHangup');

    await j.evaluate(() => { window.jsEvents.length = 0; });
    await connect(k, '1006');
    await waitEvent(k, 'onAccepted');
    await audioFlowing(k, { what: 'audio from JsSIP (kazoo called)' });
    await k.evaluate(() => kazoo.hangup());
    assert.equal((await jsEvent(j, 'ended')).originator, 'remote');
    assert.deepEqual(j.pageErrors, []);
  } finally {
    await k.context().close();
    await j.context().close();
  }
});

test('kazoo-dev restarted mid-call: both re-register, the call goes on, and its BYE finds the far end by GRUU', async () => {
  const port = await freePort();
  const dev = await startDev({ addr: `127.0.0.1:${port}` });
  let dev2;
  const browser = await launchBrowser({ audioFile: await makeTone({ freq: 440, seconds: 60 }) });
  const open = async (user) => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${dev.url}/test/blank.html`);
    await loadKazoo(page);
    await register(page, { ...registerParams({ kamailio: dev }, user), reconnectDelay: 1000 });
    await waitEvent(page, 'onConnected');
    return page;
  };
  try {
    const a = await open('1007');
    const b = await open('1008');
    await establish(a, b, '1008');
    await audioFlowing(b);
    await dev.stop();
    await waitEvent(a, 'onError');
    dev2 = await startDev({ addr: `127.0.0.1:${port}` });
    await until(async () => (await count(a, 'onConnected')) === 2 && (await count(b, 'onConnected')) === 2,
      { timeout: 20_000, what: 'both registered again' });
    await audioFlowing(a, { what: 'audio at a after the restart' });
    await b.evaluate(() => kazoo.hangup());
    await waitEvent(b, 'onHangup');
    await waitEvent(a, 'onHangup');
    assert.deepEqual((await args(a, 'onError')).map((e) => e.key), ['disconnected']);
  } finally {
    await browser.close();
    await dev.stop();
    await dev2?.stop();
  }
});

test('baresip registers over UDP and calls a kazoo page; the page calls baresip: anchored audio both ways', async () => {
  const phoneTone = 660;
  const bare = await lab.startBaresip({ user: '1009', password: 'pw-1009', audioFile: await makeTone({ freq: phoneTone, seconds: 120 }), answer: 'auto' });
  const page = await phone('1002');
  try {
    const [binding] = await lab.sip.lookup('1009');
    assert.match(binding, /source=udp:127\.0\.0\.1:/, 'baresip is not bound over UDP');
    await bare.dial('1002');
    const info = await waitEvent(page, 'onIncoming');
    assert.equal(info.callerNumber, '1009');
    await page.evaluate(() => window.incoming.accept());
    const s = await audioFlowing(page, { what: 'audio from baresip' });
    assert.match(s.codec, /PCM[UA]/, 'the anchored call is G.711');
    await bare.hangup();
    await waitEvent(page, 'onHangup');

    await page.evaluate(() => { window.events.length = 0; });
    await connect(page, '1009');
    await waitEvent(page, 'onAccepted');
    await audioFlowing(page, { what: 'audio from baresip (kazoo called)' });
    await page.evaluate(() => kazoo.sendDTMF('7'));
    await bare.waitDtmf('7', 10_000);
    await page.evaluate(() => kazoo.hangup());
    await waitEvent(page, 'onHangup');
    const { dec } = bare.lastRecording();
    assert.ok(dec, 'baresip recorded nothing');
    const { freq, levels } = dominantFrequency(dec, { candidates: [440, phoneTone] });
    assert.equal(freq, 440, `baresip heard ${JSON.stringify(levels)}`);
  } finally {
    await page.context().close();
    await bare.stop();
  }
});

test('voicemail: a call to vm<user> leaves a message, that user is told; *97 marks it heard', async () => {
  const owner = await phone('1003');
  const caller = await phone('1004');
  try {
    await waitEvent(owner, 'onNotified');
    await owner.evaluate(() => { window.events.length = 0; });
    await connect(caller, 'vm1003');
    await waitEvent(caller, 'onAccepted');
    await audioFlowing(caller, { packets: 10, what: 'the voicemail beep' });
    await caller.evaluate(() => kazoo.hangup());
    const n = await waitEvent(owner, 'onNotified');
    assert.equal(n.key, 'voicemail_notification');
    assert.equal(n.newMessages, 1);
    assert.equal(n.waiting, true);
    await owner.evaluate(() => { window.events.length = 0; });
    await connect(owner, '*97');
    await waitEvent(owner, 'onAccepted');
    const heard = await waitEvent(owner, 'onNotified');
    assert.deepEqual([heard.newMessages, heard.oldMessages, heard.waiting], [0, 1, false]);
    await owner.evaluate(() => kazoo.hangup());
  } finally {
    await owner.context().close();
    await caller.context().close();
  }
});

test('tone: the "tone" extension answers and plays audio into the call', async () => {
  const page = await phone('1005');
  try {
    await connect(page, 'tone');
    await waitEvent(page, 'onAccepted');
    const s = await audioFlowing(page, { what: 'the tone' });
    assert.match(s.codec, /PCM[UA]/);
    await page.evaluate(() => kazoo.hangup());
    await waitEvent(page, 'onHangup');
  } finally {
    await page.context().close();
  }
});
