// TLS end to end: pages register and call over wss:// to Kamailio (its tls
// module, a certificate from a test CA made at test time), a page on the
// RTMP path reaches kazoo-relay over wss:// through nginx terminating TLS
// (the deployment the README describes), and a certificate the browser
// does not trust leaves the page with server_not_reachable and usable.
// Chromium trusts the test server key only (lab.mjs trustSpkiArg).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { startLab, waitEvent, registerParams, loadKazoo, register, until, accounts, realm } from './lib/lab.mjs';
import { audioFlowing, connect, count } from './lib/calls.mjs';
import { startGateway, startRelay, rtmpParams } from './lib/rtmplab.mjs';
import { makeTestCA } from './lib/testca.mjs';

let ca;
let lab;
let gateway;
let relay;
before(async () => {
  ca = await makeTestCA();
  lab = await startLab({ media: true, tls: ca });
  gateway = await startGateway({ kamailio: lab.kamailio });
  relay = await startRelay({ gateway, origin: lab.server.url, tls: ca });
});
after(async () => {
  await relay?.stop();
  await gateway?.stop();
  await lab?.stop();
});

const account = (user) => accounts.find((a) => a.user === user);

/** A WebRTC page registered as user over wss:// to Kamailio. */
async function openWSS(user) {
  const page = await lab.openPage();
  await loadKazoo(page);
  await register(page, registerParams(lab, user, { wsUrl: lab.kamailio.wssUrl }));
  await waitEvent(page, 'onConnected');
  return page;
}

/** The `ul.lookup` record of user, raw (kamcmd's text). */
function ulRecord(user) {
  return lab.kamailio.kamcmd('ul.lookup', 'location', `s:${user}`).catch(() => '');
}

/** Waits until user's only binding came in on Kamailio's TLS socket. */
async function wssBinding(user) {
  const socket = `tls:127.0.0.1:${lab.kamailio.ports.wss}`;
  return until(async () => {
    const rec = await ulRecord(user);
    const sockets = [...rec.matchAll(/^\s*Socket:\s*(\S+)/gm)].map((m) => m[1]);
    return sockets.length === 1 && sockets[0] === socket ? rec : null;
  }, { timeout: 10_000, what: `${user}'s binding on ${socket}` });
}

function assertHealthy(...pages) {
  for (const p of pages) {
    assert.deepEqual(p.pageErrors, [], 'uncaught errors in a page');
    const dead = p.consoleLines.filter((l) => /runtime stopped|fatal error|panic:|deadlock/.test(l));
    assert.deepEqual(dead, [], 'the Go runtime reported a fatal error');
  }
}

async function closeAll(pages) {
  for (const p of pages) await p.context().close().catch(() => {});
}

test('wss:// to Kamailio: register (binding on the TLS socket), call with audio both ways, logout', async () => {
  assert.match(lab.kamailio.wssUrl, /^wss:\/\/127\.0\.0\.1:\d+$/);
  const a = await openWSS('1001');
  const b = await openWSS('1002');
  try {
    await wssBinding('1001');
    await wssBinding('1002');
    const r = await connect(a, '1002');
    assert.equal(r.ok, true, JSON.stringify(r));
    await waitEvent(b, 'onIncoming');
    await b.evaluate(() => window.incoming.accept());
    await waitEvent(a, 'onAccepted');
    const sa = await audioFlowing(a, { what: 'audio at the caller' });
    const sb = await audioFlowing(b, { what: 'audio at the callee' });
    assert.equal(sa.state, 'established');
    assert.ok(sa.outbound.packets > 0 && sb.outbound.packets > 0);
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(a, 'onHangup');
    await waitEvent(b, 'onHangup');
    await a.evaluate(() => kazoo.logout());
    await until(async () => (await lab.kamailio.lookup('1001')).length === 0, { what: "1001's binding to go" });
    assert.match(lab.kamailio.log(), /unregister sip:1001@lab\.test from 127\.0\.0\.1/,
      'logout over wss:// sent no un-REGISTER');
    assertHealthy(a, b);
  } finally {
    await closeAll([a, b]);
  }
});

test('RTMP path through nginx TLS: wss:// relayUrl, call to a WebRTC page, audio both ways', async () => {
  assert.match(relay.url, /^wss:\/\/127\.0\.0\.1:\d+\/v1$/);
  const a = await lab.openPage();
  const b = await openWSS('1005');
  try {
    await a.evaluate(() => kazoo.init({ forceRTMP: true, onLoaded: cb('onLoaded') }));
    await waitEvent(a, 'onLoaded');
    await register(a, rtmpParams({ relay, gateway, account: account('1004'), realm }));
    await waitEvent(a, 'onConnected', 20_000);
    // The gateway's binding: a plain UDP contact.
    await until(async () => {
      const c = await lab.kamailio.lookup('1004');
      return c.length === 1 && !/transport=ws/.test(c[0]);
    }, { what: "the gateway's binding for 1004" });
    const r = await connect(a, '1005');
    assert.equal(r.ok, true, JSON.stringify(r));
    await waitEvent(b, 'onIncoming');
    await b.evaluate(() => window.incoming.accept());
    await waitEvent(a, 'onAccepted');
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

/**
 * A TLS server on 127.0.0.1 with a certificate from another CA, which the
 * browser must refuse. handshakes lists what each handshake ended in
 * ('accepted', or the TLS error).
 */
async function untrustedServer() {
  const other = await makeTestCA('untrusted CA');
  const handshakes = [];
  const srv = tls.createServer({ cert: readFileSync(other.chain), key: readFileSync(other.key) });
  srv.on('tlsClientError', (e) => handshakes.push(e.code || e.message));
  srv.on('secureConnection', (s) => { handshakes.push('accepted'); s.destroy(); });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { where: `127.0.0.1:${srv.address().port}`, handshakes, close: () => srv.close() };
}

function assertRefused(handshakes) {
  assert.ok(handshakes.length > 0 && !handshakes.includes('accepted'),
    `the browser did not refuse the TLS handshake: ${JSON.stringify(handshakes)}`);
}

test('wss:// to Kamailio with a certificate the browser does not trust → server_not_reachable, then the page registers', async () => {
  const srv = await untrustedServer();
  const page = await lab.openPage();
  try {
    await loadKazoo(page);
    await register(page, registerParams(lab, '1003', { wsUrl: `wss://${srv.where}` }));
    const err = await waitEvent(page, 'onError');
    assert.equal(err.key, 'server_not_reachable');
    assert.match(err.message, /does not trust the server's certificate/);
    assertRefused(srv.handshakes);
    assert.equal(await count(page, 'onConnected'), 0);
    // The same page, the trusted server: registered.
    await register(page, registerParams(lab, '1003', { wsUrl: lab.kamailio.wssUrl }));
    await waitEvent(page, 'onConnected');
    await wssBinding('1003');
    assertHealthy(page);
  } finally {
    await closeAll([page]);
    srv.close();
  }
});

test('a relay with a certificate the browser does not trust → server_not_reachable, then the page registers through the trusted one', async () => {
  const srv = await untrustedServer();
  const page = await lab.openPage();
  try {
    await page.evaluate(() => kazoo.init({ forceRTMP: true, onLoaded: cb('onLoaded') }));
    await waitEvent(page, 'onLoaded');
    await register(page, rtmpParams({ relay: { url: `wss://${srv.where}/v1` }, gateway, account: account('1006'), realm }));
    const err = await waitEvent(page, 'onError');
    assert.equal(err.key, 'server_not_reachable');
    assertRefused(srv.handshakes);
    assert.equal(await count(page, 'onConnected'), 0);
    await register(page, rtmpParams({ relay, gateway, account: account('1006'), realm }));
    await waitEvent(page, 'onConnected', 20_000);
    await until(async () => (await lab.kamailio.lookup('1006')).length === 1, { what: "the gateway's binding for 1006" });
    assertHealthy(page);
  } finally {
    await closeAll([page]);
    srv.close();
  }
});
