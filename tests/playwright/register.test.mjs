// Walking skeleton, end to end: the kazoo bundle loads in Debian Chromium
// and registers against a real Kamailio over SIP WebSocket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startLab, waitEvent, eventNames, registerParams, loadKazoo, register, until,
} from './lib/lab.mjs';
import { freePort } from './lib/kamailio.mjs';

let lab;
before(async () => { lab = await startLab(); });
after(async () => { await lab?.stop(); });

/** No uncaught exception and no Go runtime death in the page. */
function assertHealthy(page) {
  assert.deepEqual(page.pageErrors, [], 'uncaught errors in the page');
  const dead = page.consoleLines.filter((l) => /runtime stopped|fatal error|panic:|deadlock/.test(l));
  assert.deepEqual(dead, [], 'the Go runtime reported a fatal error');
}

test('load: kazoo is defined synchronously and init → onLoaded', async () => {
  const page = await lab.openPage();
  assert.equal(await page.evaluate(() => window.kazooDefinedAtParse), true);
  await loadKazoo(page);
  assert.equal(await page.evaluate(() => typeof kazoo.version), 'string');
  assertHealthy(page);
  await page.context().close();
});

test('register → onConnected, promise resolves, binding visible in Kamailio', async () => {
  const page = await lab.openPage();
  await loadKazoo(page);
  assert.deepEqual(await lab.kamailio.lookup('1001'), []);
  await register(page, registerParams(lab, '1001'));
  await waitEvent(page, 'onConnected');
  assert.equal(await page.evaluate(() => window.registerResult), 'resolved');
  const contacts = await lab.kamailio.lookup('1001');
  assert.equal(contacts.length, 1, `bindings: ${JSON.stringify(contacts)}`);
  assert.match(contacts[0], /\.invalid;transport=ws/);
  const instance = await page.evaluate(() => localStorage.getItem('kazoo.instanceId'));
  assert.match(instance, /^[0-9a-f-]{36}$/);
  const dump = await lab.kamailio.kamcmd('ul.lookup', 'location', 's:1001');
  assert.ok(dump.includes(instance), `instance ${instance} not in the binding:\n${dump}`);
  await page.evaluate(() => kazoo.logout());
  assertHealthy(page);
  await page.context().close();
});

test('wrong password → unauthorized (401), no binding', async () => {
  const page = await lab.openPage();
  await loadKazoo(page);
  await register(page, registerParams(lab, '1002', { password: 'wrong' }));
  const err = await waitEvent(page, 'onError');
  assert.equal(err.key, 'unauthorized');
  assert.equal(err.code, 401);
  assert.match(err.source, /^SIP\/2\.0 401/);
  assert.equal((await page.evaluate(() => window.registerResult)).key, 'unauthorized');
  assert.ok(!(await eventNames(page)).includes('onConnected'));
  assert.deepEqual(await lab.kamailio.lookup('1002'), []);
  assertHealthy(page);
  await page.context().close();
});

test('closed port → server_not_reachable saying nothing answered', async () => {
  const page = await lab.openPage();
  await loadKazoo(page);
  const port = await freePort('tcp');
  await register(page, registerParams(lab, '1003', { wsUrl: `ws://127.0.0.1:${port}` }));
  const err = await waitEvent(page, 'onError');
  assert.equal(err.key, 'server_not_reachable');
  assert.match(err.message, new RegExp(`nothing answered at 127\\.0\\.0\\.1:${port}`));
  assertHealthy(page);
  await page.context().close();
});

test('an HTTP server that is not SIP WebSocket → server_not_reachable saying the handshake was refused', async () => {
  const page = await lab.openPage();
  await loadKazoo(page);
  const httpOnly = new URL(lab.server.url);
  await register(page, registerParams(lab, '1003', { wsUrl: `ws://${httpOnly.host}/not-sip` }));
  const err = await waitEvent(page, 'onError');
  assert.equal(err.key, 'server_not_reachable');
  assert.match(err.message, /answered .* but refused the SIP WebSocket handshake/);
  assertHealthy(page);
  await page.context().close();
});

test('bad parameters → invalid_parameter naming the parameter, nothing sent, still usable', async () => {
  // Count WebSockets the page opens: invalid parameters must open none.
  const page = await lab.openPage({
    initScript: () => {
      window.socketsOpened = 0;
      const Native = window.WebSocket;
      window.WebSocket = function (...args) { window.socketsOpened++; return new Native(...args); };
      window.WebSocket.prototype = Native.prototype;
      Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
    },
  });
  await loadKazoo(page);
  const cases = [
    ['wsUrl', { wsUrl: undefined }],
    ['wsUrl', { wsUrl: 'http://127.0.0.1:5066' }],
    ['wsUrl', { wsUrl: 42 }],
    ['publicIdentity', { publicIdentity: '1004@lab.test' }],
    ['publicIdentity', { publicIdentity: undefined }],
    ['password', { password: 1234 }],
    ['onConnected', { onConnected: 'not a function' }],
  ];
  for (const [param, overrides] of cases) {
    const result = await page.evaluate((p) => new Promise((resolve) => {
      const params = { ...p.base, ...p.overrides };
      for (const k of Object.keys(p.overrides)) if (p.overrides[k] === undefined) delete params[k];
      let seen = null;
      params.onError = (e) => { seen = e; };
      if (!('onConnected' in p.overrides)) params.onConnected = () => { seen = { key: 'connected?!' }; };
      kazoo.register(params).then(
        () => resolve({ resolved: true }),
        (rejected) => queueMicrotask(() => resolve({ rejected, seen })),
      );
    }), { base: registerParams(lab, '1004'), overrides });
    assert.equal(result.rejected?.key, 'invalid_parameter', `${param}: ${JSON.stringify(result)}`);
    assert.ok(result.rejected.message.startsWith(`${param}:`), `${param}: message ${result.rejected.message}`);
    assert.deepEqual(result.seen, result.rejected, `${param}: onError must receive the same error`);
  }
  assert.equal(await page.evaluate(() => window.socketsOpened), 0, 'a WebSocket was opened for invalid parameters');
  // The library is still usable: a valid register works now.
  await register(page, registerParams(lab, '1004'));
  await waitEvent(page, 'onConnected');
  assert.equal(await page.evaluate(() => window.socketsOpened), 1);
  await page.evaluate(() => kazoo.logout());
  assertHealthy(page);
  await page.context().close();
});

test('logout → un-REGISTER sent and the binding is gone', async () => {
  const page = await lab.openRegistered('1005');
  assert.equal((await lab.kamailio.lookup('1005')).length, 1);
  const logBefore = lab.kamailio.log().length;
  await page.evaluate(() => kazoo.logout());
  assert.deepEqual(await lab.kamailio.lookup('1005'), []);
  // Kamailio also drops a binding when its socket closes: check that an
  // un-REGISTER (Expires: 0) really was sent.
  assert.match(lab.kamailio.log().slice(logBefore), /unregister sip:1005@lab\.test/);
  assert.ok(!(await eventNames(page)).includes('onError'), 'logout must not report an error');
  assertHealthy(page);
  await page.context().close();
});

test('leaving the page (pagehide) unregisters', async () => {
  const page = await lab.openRegistered('1006');
  const logBefore = lab.kamailio.log().length;
  await page.goto('about:blank');
  await until(() => /unregister sip:1006@lab\.test/.test(lab.kamailio.log().slice(logBefore)),
    { what: 'an un-REGISTER from 1006 after pagehide' });
  await until(async () => (await lab.kamailio.lookup('1006')).length === 0, { what: 'binding removed' });
  await page.context().close();
});

test('calls made before onLoaded are queued and run', async () => {
  const page = await lab.openPage();
  const params = registerParams(lab, '1007');
  // init and register in the same task: the wasm cannot be ready yet.
  const readyAtCall = await page.evaluate((p) => {
    kazoo.init({ onLoaded: cb('onLoaded') });
    p.onConnected = cb('onConnected');
    p.onError = cb('onError');
    const loadedYet = window.events.length > 0;
    kazoo.register(p);
    return loadedYet;
  }, params);
  assert.equal(readyAtCall, false);
  await waitEvent(page, 'onConnected');
  assert.deepEqual(await eventNames(page), ['onLoaded', 'onConnected']);
  assert.equal((await lab.kamailio.lookup('1007')).length, 1);
  await page.evaluate(() => kazoo.logout());
  assertHealthy(page);
  await page.context().close();
});

test('server closes the socket → disconnected', async () => {
  const page = await lab.openRegistered('1008');
  // Close the WebSocket from the server side through Kamailio's RPC.
  const list = await lab.kamailio.kamcmd('ws.dump');
  const id = (list.match(/^\s*(\d+): wss?:/m) || [])[1];
  assert.ok(id, `no WebSocket in ws.dump:\n${list}`);
  await lab.kamailio.kamcmd('ws.close', id);
  const err = await waitEvent(page, 'onError');
  assert.equal(err.key, 'disconnected');
  assertHealthy(page);
  await page.context().close();
});

test('debug: SIP is traced to the console, credentials never', async () => {
  const page = await lab.openPage();
  await page.evaluate(() => { kazoo.init({ debug: true, onLoaded: cb('onLoaded') }); });
  await waitEvent(page, 'onLoaded');
  const params = registerParams(lab, '1009');
  await register(page, params);
  await waitEvent(page, 'onConnected');
  await page.evaluate(() => kazoo.logout());
  const trace = page.consoleLines.join('\n');
  assert.match(trace, /SIP sent .*REGISTER sip:lab\.test SIP\/2\.0/s);
  assert.match(trace, /SIP received .*SIP\/2\.0 401 Unauthorized/s);
  assert.match(trace, /Authorization: \[redacted\]/);
  assert.ok(!trace.includes(params.password), 'the password reached the console');
  assert.ok(!/response=/.test(trace), 'a digest response reached the console');
  await page.context().close();
});
