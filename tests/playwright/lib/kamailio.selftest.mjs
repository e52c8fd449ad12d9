// Self-test of the Kamailio harness: real digest REGISTER over WebSocket.
// Run: node --test tests/playwright/lib/kamailio.selftest.mjs

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { startKamailio, accounts, freePort } from './kamailio.mjs';

const rnd = (n = 8) => randomBytes(n).toString('hex');
const md5 = (s) => createHash('md5').update(s).digest('hex');

// Minimal RFC 6455 client: handshake with subprotocol, masked text frames out,
// unfragmented text frames in, pings answered.
function wsConnect(url, protocol = 'sip') {
  const { hostname, port, pathname } = new URL(url);
  const key = randomBytes(16).toString('base64');
  const sock = net.connect({ host: hostname, port: Number(port) });
  const inbox = [];
  const waiters = [];
  let buf = Buffer.alloc(0);
  let open = false;

  const frame = (opcode, payload) => {
    const mask = randomBytes(4);
    const len = payload.length;
    const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len])
      : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
    const body = Buffer.from(payload.map((b, i) => b ^ mask[i & 3]));
    sock.write(Buffer.concat([head, mask, body]));
  };
  const deliver = (msg) => (waiters.length ? waiters.shift()(msg) : inbox.push(msg));

  const ws = {
    send: (text) => frame(0x1, Buffer.from(text)),
    next: (ms = 5000) => inbox.length ? Promise.resolve(inbox.shift()) : new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error('no WebSocket message within ' + ms + ' ms')), ms);
      waiters.push((m) => { clearTimeout(t); res(m); });
    }),
    close: () => new Promise((res) => { sock.once('close', res); frame(0x8, Buffer.from([0x03, 0xe8])); sock.end(); }),
  };

  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.on('connect', () => sock.write(
      `GET ${pathname || '/'} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Protocol: ${protocol}\r\n\r\n`));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (!open) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        buf = buf.subarray(end + 4);
        const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
        if (!/^HTTP\/1\.1 101/.test(head) || !head.includes(accept) ||
            !new RegExp(`^Sec-WebSocket-Protocol:\\s*${protocol}\\s*$`, 'mi').test(head)) {
          reject(new Error(`bad handshake:\n${head}`));
          sock.destroy();
          return;
        }
        open = true;
        resolve(ws);
      }
      while (buf.length >= 2) {
        const opcode = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
        else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
        if (buf[1] & 0x80) off += 4; // servers do not mask; tolerate it anyway
        if (buf.length < off + len) return;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (opcode === 0x1) deliver(payload.toString());
        else if (opcode === 0x9) frame(0xa, payload);
        else if (opcode === 0x8) sock.end();
      }
    });
  });

}

function parseSip(text) {
  const [head] = text.split('\r\n\r\n');
  const [first, ...lines] = head.split('\r\n');
  const headers = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).trim().toLowerCase();
    (headers[k] ??= []).push(l.slice(i + 1).trim());
  }
  return { status: Number(first.split(' ')[1]), first, headers, text };
}

// A REGISTER client over one WebSocket; `register(password)` answers one challenge.
function sipClient(ws, user, realm) {
  const callId = rnd(12);
  const tag = rnd(6);
  const contact = `<sip:${rnd(4)}@${rnd(4)}.invalid;transport=ws>`;
  const viaHost = `${rnd(5)}.invalid`;
  let cseq = 0;
  const request = async (auth) => {
    ws.send([
      `REGISTER sip:${realm} SIP/2.0`,
      `Via: SIP/2.0/WS ${viaHost};branch=z9hG4bK${rnd(8)}`,
      'Max-Forwards: 70',
      `To: <sip:${user}@${realm}>`,
      `From: <sip:${user}@${realm}>;tag=${tag}`,
      `Call-ID: ${callId}`,
      `CSeq: ${++cseq} REGISTER`,
      `Contact: ${contact};expires=300`,
      'Expires: 300',
      'Allow: INVITE,ACK,CANCEL,BYE,OPTIONS,MESSAGE,NOTIFY,REFER,INFO',
      ...(auth ? [`Authorization: ${auth}`] : []),
      'Content-Length: 0', '', '',
    ].join('\r\n'));
    return parseSip(await ws.next());
  };
  const digest = (challenge, password) => {
    const p = Object.fromEntries([...challenge.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1], m[2]]));
    const uri = `sip:${realm}`;
    const cnonce = rnd(8);
    const nc = '00000001';
    const ha1 = md5(`${user}:${p.realm}:${password}`);
    const ha2 = md5(`REGISTER:${uri}`);
    const response = md5(`${ha1}:${p.nonce}:${nc}:${cnonce}:auth:${ha2}`);
    return `Digest username="${user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", ` +
      `response="${response}", algorithm=MD5, cnonce="${cnonce}", qop=auth, nc=${nc}`;
  };
  return {
    contact,
    request,
    async register(password) {
      const challenge = await request();
      assert.equal(challenge.status, 401, challenge.first);
      const wwwAuth = challenge.headers['www-authenticate'][0];
      assert.match(wwwAuth, /realm="lab\.test"/);
      assert.match(wwwAuth, /qop="?auth/);
      return request(digest(wwwAuth, password));
    },
  };
}

async function waitFor(fn, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

let kam;
after(async () => { if (kam) await kam.stop(); });

test('freePort returns usable ports', async () => {
  for (const kind of ['tcp', 'udp']) {
    const p = await freePort(kind);
    assert.ok(Number.isInteger(p) && p > 1024 && p < 65536, `${kind} ${p}`);
  }
});

test('Kamailio registers 1001 over WebSocket with digest auth', async () => {
  kam = await startKamailio();
  assert.equal(kam.realm, 'lab.test');
  assert.match(kam.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(await kam.lookup('1001'), []);

  const { user, password } = accounts[0];
  assert.equal(user, '1001');
  const ws = await wsConnect(kam.wsUrl + '/');
  const ua = sipClient(ws, user, kam.realm);
  const ok = await ua.register(password);
  assert.equal(ok.status, 200, ok.first);
  const contacts = await kam.lookup('1001');
  assert.equal(contacts.length, 1, JSON.stringify(contacts));
  assert.ok(contacts[0].includes(ua.contact.slice(1, ua.contact.indexOf(';'))), contacts[0]);

  // Wrong password: a fresh 401, not 403, and the binding is unchanged.
  const bad = await ua.register('wrong-password');
  assert.equal(bad.status, 401, bad.first);
  assert.match(bad.headers['www-authenticate'][0], /realm="lab\.test"/);
  assert.equal((await kam.lookup('1001')).length, 1);

  // handle_lost_tcp=1: closing the WebSocket drops the binding.
  await ws.close();
  assert.ok(await waitFor(async () => (await kam.lookup('1001')).length === 0), 'binding not dropped on close');

  const { pid } = kam;
  const res = await kam.stop();
  assert.ok(res, 'stop() resolves exit info');
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
  kam = null;
});
