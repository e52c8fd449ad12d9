// Self-test of netshape.mjs and kazoo-netshape: UDP between two local
// sockets, one on a shaped port, gets the delay and the loss asked for,
// in order, and none once cleared. Needs root, iptables and ./build.sh's
// kazoo-netshape; skipped outside a network namespace of its own.
// Run: ip netns exec <ns> node --test tests/playwright/lib/netshape.selftest.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startShaper, notOwnNamespace, CHAIN } from './netshape.mjs';

const exec = promisify(execFile);
const why = await notOwnNamespace();
const opts = { skip: why ?? false, timeout: 30_000 };

let far; // the "media relay": echoes every datagram, on a shaped port
let near; // the other end, on an unshaped ephemeral port
let farPort;
const farGot = []; // sequence numbers far received, in order
const echoes = new Map(); // sequence number → resolve(time it came back)

before(async () => {
  if (why) return;
  far = dgram.createSocket('udp4');
  near = dgram.createSocket('udp4');
  await new Promise((r) => far.bind(0, '127.0.0.1', r));
  await new Promise((r) => near.bind(0, '127.0.0.1', r));
  farPort = far.address().port;
  far.on('message', (m, rinfo) => {
    farGot.push(m.readUInt32BE(0));
    if (m[4] === 1) far.send(m, rinfo.port, rinfo.address);
  });
  near.on('message', (m) => { echoes.get(m.readUInt32BE(0))?.(performance.now()); });
});
after(() => { far?.close(); near?.close(); });

let seq = 0;
/** Sends one datagram to far (echoed back when echo); resolves the round trip in ms. */
function send(echo) {
  const n = ++seq;
  const buf = Buffer.alloc(32);
  buf.writeUInt32BE(n, 0);
  buf[4] = echo ? 1 : 0;
  const t0 = performance.now();
  const back = echo ? new Promise((r) => echoes.set(n, r)) : null;
  near.send(buf, farPort, '127.0.0.1');
  return back && back.then((t) => ({ n, rtt: t - t0 }));
}

/** Round trip of one echoed datagram, failing after 10 s. */
async function roundTrip() {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no echo within 10 s')), 10_000); });
  try { return (await Promise.race([send(true), timeout])).rtt; } finally { clearTimeout(timer); }
}

test('delay both ways, in order; a changed delay applies; loss; clear restores the link', opts, async (t) => {
  const shaper = await startShaper({ match: { udpPorts: [farPort, farPort] } });
  try {
    const base = await roundTrip();
    assert.ok(base < 300, `unshaped round trip ${base} ms`);

    await shaper.delay(500);
    const rtt500 = await roundTrip();
    // Both legs are held 500 ms: a lower bound, never early.
    assert.ok(rtt500 >= 900, `500 ms each way: round trip ${rtt500.toFixed(1)} ms`);

    // A burst arrives in the order it was sent.
    const from = farGot.length;
    const burst = await Promise.all(Array.from({ length: 50 }, () => send(true)));
    const got = farGot.slice(from);
    assert.deepEqual(got, burst.map((b) => b.n), 'reordered');
    assert.ok(Math.min(...burst.map((b) => b.rtt)) >= 900, 'a burst packet came back early');

    await shaper.delay(100);
    await shaper.delay(300);
    const rtt300 = await roundTrip();
    t.diagnostic(`round trips: unshaped ${base.toFixed(1)} ms, 500 ms each way ${rtt500.toFixed(1)} ms, 300 ms each way ${rtt300.toFixed(1)} ms`);
    assert.ok(rtt300 >= 540, `300 ms each way: round trip ${rtt300.toFixed(1)} ms`);

    // 10 % loss of the datagrams to far (its echoes are not counted).
    await shaper.delay(0);
    await shaper.loss(10);
    const start = farGot.length;
    const total = 2000;
    for (let i = 0; i < total; i++) {
      send(false);
      // Paced, so that far's receive buffer never overflows.
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1));
    }
    await shaper.clear();
    const marker = await roundTrip(); // after every datagram before it (one path, in order)
    const received = farGot.slice(start).length - 1;
    const lost = (total - received) / total;
    t.diagnostic(`10 % loss: ${(lost * 100).toFixed(1)} % lost (${received}/${total}); cleared round trip ${marker.toFixed(1)} ms`);
    assert.ok(lost > 0.05 && lost < 0.15, `10 % loss: ${(lost * 100).toFixed(1)} % lost (${received}/${total})`);

    assert.ok(marker < 300, `cleared: round trip ${marker} ms`);
    assert.equal((await shaper.rules()).trim(), `-N ${CHAIN}`);
  } finally {
    await shaper.stop();
  }
  const { stdout } = await exec('iptables', ['-w', '-S']);
  assert.ok(!stdout.includes(CHAIN), `chain left after stop:\n${stdout}`);
});
