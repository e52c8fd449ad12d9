// The demo softphone page (web/): a person logs in and sees "registered"
// or the error, through the page's own controls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, startServer, until } from './lib/lab.mjs';
import { startGateway, startRelay } from './lib/rtmplab.mjs';
import { freePort } from './lib/kamailio.mjs';

let lab;
before(async () => { lab = await startLab(); });
after(async () => { await lab?.stop(); });

test('demo page: log in → registered, log out → binding gone', async () => {
  const page = await (await lab.browser.newContext()).newPage();
  await page.goto(`${lab.server.url}/`);
  await page.locator('#login').waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await page.inputValue('#publicIdentity'), 'sip:1001@lab.test');
  await page.click('#registerBtn');
  await page.locator('#status[data-state="registered"]').waitFor({ timeout: 15_000 });
  assert.equal((await lab.kamailio.lookup('1001')).length, 1);
  await page.click('#logoutBtn');
  await page.locator('#status', { hasText: 'logged out' }).waitFor({ timeout: 15_000 });
  assert.deepEqual(await lab.kamailio.lookup('1001'), []);
  await page.context().close();
});

test('demo page: wrong password shows unauthorized', async () => {
  const page = await (await lab.browser.newContext()).newPage();
  await page.goto(`${lab.server.url}/`);
  await page.locator('#login').waitFor({ state: 'visible', timeout: 15_000 });
  await page.selectOption('#account', '1002');
  await page.fill('#password', 'not-the-password');
  await page.click('#registerBtn');
  await page.locator('#status[data-state="error"]').waitFor({ timeout: 15_000 });
  assert.match(await page.textContent('#error'), /^unauthorized: /);
  assert.equal(await page.isEnabled('#registerBtn'), true, 'the user can try again');
  await page.screenshot({ path: new URL('../../.cache/demo-error.png', import.meta.url).pathname });
  await page.context().close();
});

test('demo page: call another tab, answer from the banner, hang up', async () => {
  const tabs = [];
  try {
    for (const user of ['1001', '1002']) {
      const page = await (await lab.browser.newContext()).newPage();
      await page.goto(`${lab.server.url}/`);
      await page.locator('#login').waitFor({ state: 'visible', timeout: 15_000 });
      await page.selectOption('#account', user);
      await page.click('#registerBtn');
      await page.locator('#status[data-state="registered"]').waitFor({ timeout: 15_000 });
      tabs.push(page);
    }
    const [a, b] = tabs;
    assert.equal(await b.isVisible('#incoming'), false, 'the incoming-call banner shows with no call');
    await a.fill('#target', '1002');
    await a.click('#callBtn');
    await b.locator('#incoming').waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await b.textContent('#incomingText'), /1001 is calling/);
    await b.click('#acceptBtn');
    await a.locator('#callState', { hasText: 'in call' }).waitFor({ timeout: 15_000 });
    assert.equal(await a.isEnabled('#holdBtn'), true);
    await a.click('#hangupBtn');
    await b.locator('#callState', { hasText: 'call ended' }).waitFor({ timeout: 15_000 });
    assert.equal(await b.isVisible('#incoming'), false);
  } finally {
    for (const t of tabs) await t.context().close();
  }
});

test('demo page: "Audio without WebRTC" logs in through kazoo-relay and kazoo-rtmpgw', async () => {
  // The relay allows the page's origin and the page's config names the
  // relay: pick kazoo-dev's port first.
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const gateway = await startGateway({ kamailio: lab.kamailio });
  const relay = await startRelay({ gateway, origin });
  const server = await startServer({
    wsUrl: lab.kamailio.wsUrl, addr: `127.0.0.1:${port}`, extraArgs: ['-relay', relay.url, '-rtmp', gateway.rtmpUrl],
  });
  const page = await (await lab.browser.newContext()).newPage();
  try {
    await page.goto(`${origin}/`);
    await page.locator('#login').waitFor({ state: 'visible', timeout: 15_000 });
    await page.selectOption('#account', '1003');
    await page.check('#forceRTMP');
    await page.click('#registerBtn');
    await page.locator('#status[data-state="registered"]').waitFor({ timeout: 20_000 });
    assert.match(await page.textContent('#status'), /RTMP/);
    // The binding is the gateway's UDP Contact, not a browser's WebSocket one.
    const contacts = await lab.kamailio.lookup('1003');
    assert.equal(contacts.length, 1);
    assert.doesNotMatch(contacts[0], /transport=ws/);
    await page.click('#logoutBtn');
    await page.locator('#status', { hasText: 'logged out' }).waitFor({ timeout: 15_000 });
    await until(async () => (await lab.kamailio.lookup('1003')).length === 0, { what: 'the binding to go' });
  } finally {
    await page.context().close();
    await server.stop();
    await relay.stop();
    await gateway.stop();
  }
});

