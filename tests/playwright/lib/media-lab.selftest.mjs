// Self-test of the media lab: rtpengine + Kamailio (wired) + two baresip
// phones, real RTP on loopback, recordings analysed.
// Run: node --test tests/playwright/lib/media-lab.selftest.mjs
// (inside a namespace: ip netns exec <ns> node --test ...)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startKamailio } from './kamailio.mjs';
import { startRtpengine } from './rtpengine.mjs';
import { startBaresip } from './baresip.mjs';
import { makeTone, analyse, dominantFrequency, goertzel } from './audio.mjs';

const rnd = (n = 6) => randomBytes(n).toString('hex');
const AUDIO_MS = 2000;
let rtpe;
let kam;
let b9;
let b8;
let toneDir;

async function waitFor(what, fn, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Port baresip last received RTP from (its log: "receiving from 127.0.0.1:<port>"). */
function rtpSourcePort(phone) {
  const all = [...phone.log().matchAll(/incoming rtp for 'audio' established, receiving from 127\.0\.0\.1:(\d+)/g)];
  return all.length ? Number(all.at(-1)[1]) : null;
}

before(async () => {
  rtpe = await startRtpengine();
  kam = await startKamailio({ rtpengine: rtpe.ngSock });
  toneDir = mkdtempSync(path.join(os.tmpdir(), 'kazoo-tones-'));
  // aufile does not loop: make the files longer than any call.
  const tone440 = await makeTone({ freq: 440, seconds: 60, file: path.join(toneDir, '440.wav') });
  const tone660 = await makeTone({ freq: 660, seconds: 60, file: path.join(toneDir, '660.wav') });
  b9 = await startBaresip({ kamailio: kam, user: '1009', audioFile: tone440 });
  b8 = await startBaresip({ kamailio: kam, user: '1008', audioFile: tone660 });
});

after(async () => {
  for (const p of [b8, b9, kam, rtpe]) if (p) await p.stop();
  if (toneDir) rmSync(toneDir, { recursive: true, force: true });
});

test('Kamailio is wired to rtpengine and both phones are registered', async () => {
  assert.equal(kam.rtpengineSock, rtpe.ngSock);
  assert.match(kam.log(), /rtpengine instance <udp:127\.0\.0\.1:\d+> found/);
  assert.equal(await rtpe.sessions(), 0);
  assert.ok(await b9.reginfoOk());
  assert.equal((await kam.lookup('1008')).length, 1);
});

test('baresip 1008 calls 1009 directly (UDP <-> UDP): tones both ways, RFC 4733 DTMF', { timeout: 30_000 }, async () => {
  await b8.dial('1009');
  const est = await b9.waitEvent('CALL_ESTABLISHED', 10_000);
  assert.equal(est.direction, 'incoming');
  assert.equal(est.peeruri, 'sip:1008@lab.test');
  await b8.waitEvent('CALL_ESTABLISHED', 10_000);
  await b9.waitEvent('CALL_RTPESTAB', 5000);
  await b8.waitEvent('CALL_RTPESTAB', 5000);
  // Not anchored: no rtpengine session, RTP comes from baresip's own range.
  assert.equal(await rtpe.sessions(), 0);
  const src = rtpSourcePort(b9);
  assert.ok(src >= 31000 && src <= 31999, `1009 receives RTP from port ${src}`);

  await b8.sendDtmf('5');
  await b9.waitDtmf('5', 5000);
  await b9.waitEvent('CALL_DTMF_END', 5000);

  await new Promise((r) => setTimeout(r, AUDIO_MS)); // record a fixed stretch of audio
  await b8.hangup();
  await b9.waitEvent('CALL_CLOSED', 10_000);
  await b8.waitEvent('CALL_CLOSED', 10_000);

  const rec9 = b9.lastRecording();
  const rec8 = b8.lastRecording();
  for (const [rec, heard, sent] of [[rec9, 660, 440], [rec8, 440, 660]]) {
    const dec = await analyse(rec.dec);
    assert.ok(dec.rms > 0.1, `${rec.dec}: rms ${dec.rms}`);
    assert.ok(Math.abs(dec.freq - heard) < 20, `${rec.dec}: rough freq ${dec.freq}`);
    const dom = dominantFrequency(rec.dec, { candidates: [440, 660] });
    assert.equal(dom.freq, heard, JSON.stringify(dom));
    assert.ok(dom.level > 20 * dom.levels[sent], JSON.stringify(dom));
    const enc = await analyse(rec.enc);
    assert.ok(Math.abs(enc.freq - sent) < 20, `${rec.enc}: rough freq ${enc.freq}`);
  }
});

// ---- a minimal SIP/RTP caller in Node (baresip 1.0 cannot add headers) ----

const muLawEncode = (x) => {
  let s = Math.max(-32635, Math.min(32635, Math.round(x * 32767)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s += 0x84;
  let exp = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exp > 0; exp--, mask >>= 1);
  return ~(sign | (exp << 4) | ((s >> (exp + 3)) & 0x0f)) & 0xff;
};
const muLawDecode = (u) => {
  u = ~u & 0xff;
  const s = ((((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84;
  return (u & 0x80 ? -s : s) / 32768;
};
const rtpPacket = (pt, seq, ts, ssrc, payload, marker = false) => {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | pt;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc, 8);
  return Buffer.concat([h, payload]);
};

function parseSip(buf) {
  const text = buf.toString();
  const sep = text.indexOf('\r\n\r\n');
  const [first, ...lines] = text.slice(0, sep).split('\r\n');
  const headers = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    (headers[l.slice(0, i).trim().toLowerCase()] ??= []).push(l.slice(i + 1).trim());
  }
  return { first, status: /^SIP\/2\.0 (\d+)/.exec(first)?.[1] | 0, headers, body: text.slice(sep + 4) };
}

async function udpSocket() {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  return s;
}

/**
 * A bare-bones SIP UAC over UDP plus an RTP socket, talking to Kamailio's
 * trusted port (no digest auth). One dialog at a time.
 */
async function nodeCaller(k = kam, target = '1009') {
  const sip = await udpSocket();
  const rtp = await udpSocket();
  const sipPort = sip.address().port;
  const rtpPort = rtp.address().port;
  const inbox = [];
  let wake = null;
  sip.on('message', (m) => { inbox.push(parseSip(m)); wake?.(); });
  const received = [];
  const ua = { rtpPort, received, rtpFrom: null };
  rtp.on('message', (m, rinfo) => { ua.rtpFrom = rinfo; if ((m[1] & 0x7f) === 0) received.push(...[...m.subarray(12)].map(muLawDecode)); });
  const callId = rnd(10);
  const fromTag = rnd(4);
  let inviteBranch;
  let toHdr = `To: <sip:${target}@lab.test>`;
  let ruri = `sip:${target}@lab.test`;
  let routes = [];
  const send = (text) => sip.send(Buffer.from(text), k.ports.trusted, '127.0.0.1');
  const msg = (method, cseq, { branch = `z9hG4bK${rnd()}`, lines = [], body = '' } = {}) => [
    `${method} ${ruri} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${sipPort};branch=${branch};rport`,
    'Max-Forwards: 70', `From: <sip:anchor-test@lab.test>;tag=${fromTag}`, toHdr, `Call-ID: ${callId}`,
    `CSeq: ${cseq} ${method}`, ...routes.map((r) => `Route: ${r}`), ...lines,
    ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
  ua.sdp = ['v=0', 'o=node 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${rtpPort} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
  /** Waits for a reply to `method` with status >= min. */
  ua.reply = async (method, min = 200, ms = 10_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = inbox.findIndex((m) => m.status >= min && m.headers.cseq?.[0].endsWith(` ${method}`));
      if (i >= 0) return inbox.splice(i, 1)[0];
      if (Date.now() > deadline) throw new Error(`no ${min}+ reply to ${method}`);
      await new Promise((r) => { wake = r; setTimeout(r, 100); });
    }
  };
  ua.invite = ({ headers = [], sdp = ua.sdp } = {}) => {
    inviteBranch = `z9hG4bK${rnd()}`;
    send(msg('INVITE', 1, { branch: inviteBranch, body: sdp || '', lines: [`Contact: <sip:anchor-test@127.0.0.1:${sipPort}>`, ...headers] }));
  };
  /** Takes the dialog (To tag, remote target, route set) from a 2xx. */
  ua.dialog = (ok) => {
    toHdr = `To: ${ok.headers.to[0]}`;
    ruri = /<([^>]+)>/.exec(ok.headers.contact[0])[1];
    routes = ok.headers['record-route'].flatMap((v) => v.split(/,(?=\s*<)/)).map((x) => x.trim()).reverse();
  };
  ua.ack = (body = '') => send(msg('ACK', 1, { body }));
  ua.bye = () => send(msg('BYE', 2));
  ua.cancel = () => send(msg('CANCEL', 1, { branch: inviteBranch }));
  /** ACK for a negative final reply (same branch as the INVITE, its To tag). */
  ua.ackFailure = (rep) => { toHdr = `To: ${rep.headers.to[0]}`; send(msg('ACK', 1, { branch: inviteBranch })); };
  /** Sends `ms` of a PCMU sine to 127.0.0.1:port, paced at 20 ms, then RFC 4733 `digit`. */
  ua.sendAudio = async (port, { freq = 1000, ms = AUDIO_MS, digit } = {}) => {
    const ssrc = randomBytes(4).readUInt32BE();
    let seq = 0;
    let ts = 0;
    let phase = 0;
    for (let f = 0; f < ms / 20; f++) {
      const payload = Buffer.alloc(160);
      for (let i = 0; i < 160; i++) { payload[i] = muLawEncode(0.5 * Math.sin(phase)); phase += (2 * Math.PI * freq) / 8000; }
      rtp.send(rtpPacket(0, seq++, ts, ssrc, payload, f === 0), port, '127.0.0.1');
      ts += 160;
      await new Promise((r) => setTimeout(r, 20)); // RTP pacing
    }
    if (digit == null) return;
    for (let i = 0; i < 10; i++) {
      const ev = Buffer.from([Number(digit), (i >= 7 ? 0x80 : 0) | 10, 0, 0]);
      ev.writeUInt16BE(Math.min(i + 1, 7) * 160, 2);
      rtp.send(rtpPacket(101, seq++, ts, ssrc, ev, i === 0), port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 20)); // RTP pacing
    }
  };
  ua.close = () => { sip.close(); rtp.close(); };
  ua.callId = callId;
  return ua;
}

/** Asserts that `sdp` was rewritten by rtpengine for a plain UDP phone; returns the relay port. */
function assertRelaySdp(sdp) {
  const m = /^m=audio (\d+) (\S+) /m.exec(sdp);
  assert.match(sdp, /^c=IN IP4 127\.0\.0\.1\r?$/m);
  const port = Number(m[1]);
  assert.ok(port >= rtpe.portMin && port <= rtpe.portMax, `SDP port ${port} not in rtpengine's range`);
  assert.equal(m[2], 'RTP/AVP');
  assert.doesNotMatch(sdp, /a=ice-|a=candidate|a=fingerprint/);
  return port;
}

test('X-Kazoo-Anchor: 1 anchors a UDP call in rtpengine: SDP rewritten, RTP and DTMF relayed, BYE deletes', { timeout: 30_000 }, async () => {
  const ua = await nodeCaller();
  try {
    ua.invite({ headers: ['X-Kazoo-Anchor: 1'] });
    const ok = await ua.reply('INVITE');
    assert.equal(ok.status, 200, ok.first);
    const relayPort = assertRelaySdp(ok.body);
    assert.ok(ok.headers['record-route'].every((rr) => rr.includes(';rtpe=1')), ok.headers['record-route'].join(' | '));
    assert.equal(await rtpe.sessions(), 1);
    assert.ok((await rtpe.callIds()).includes(ua.callId));
    ua.dialog(ok);
    ua.ack();
    await b9.waitEvent('CALL_ESTABLISHED', 10_000);

    await ua.sendAudio(relayPort, { freq: 1000, digit: 7 });
    await b9.waitDtmf('7', 5000);
    assert.equal((await rtpe.waitDtmf('7', 5000)).callid, ua.callId);
    // baresip's 440 Hz came back from rtpengine's port; baresip hears rtpengine.
    assert.equal(ua.rtpFrom?.port, relayPort);
    assert.ok(ua.received.length > 8000, `received ${ua.received.length} samples`);
    const got = Float32Array.from(ua.received.slice(-8000));
    assert.ok(goertzel(got, 8000, 440) > 0.2, `440 Hz level ${goertzel(got, 8000, 440)}`);
    const src = rtpSourcePort(b9);
    assert.ok(src >= rtpe.portMin && src <= rtpe.portMax, `1009 receives RTP from ${src}`);

    ua.bye();
    assert.equal((await ua.reply('BYE')).status, 200);
    await b9.waitEvent('CALL_CLOSED', 10_000);
    await waitFor('rtpengine session deleted', async () => (await rtpe.sessions()) === 0, 5000);
  } finally {
    ua.close();
  }
  const dec = b9.lastRecording().dec;
  const stat = await analyse(dec);
  assert.ok(stat.rms > 0.1, `${dec}: rms ${stat.rms}`);
  const dom = dominantFrequency(dec, { candidates: [440, 660, 1000] });
  assert.equal(dom.freq, 1000, JSON.stringify(dom));
});

test('anchored INVITE cancelled while ringing: failure_route deletes the rtpengine session', { timeout: 30_000 }, async () => {
  assert.ok((await b9.command('answermode', 'manual')).ok);
  const ua = await nodeCaller();
  try {
    ua.invite({ headers: ['X-Kazoo-Anchor: 1'] });
    await b9.waitEvent('CALL_INCOMING', 10_000);
    assert.equal((await ua.reply('INVITE', 180)).status, 180);
    assert.equal(await rtpe.sessions(), 1);
    ua.cancel();
    assert.equal((await ua.reply('CANCEL')).status, 200);
    const term = await ua.reply('INVITE');
    assert.equal(term.status, 487, term.first);
    ua.ackFailure(term);
    await b9.waitEvent('CALL_CLOSED', 10_000);
    await waitFor('rtpengine session deleted', async () => (await rtpe.sessions()) === 0, 5000);
  } finally {
    ua.close();
    await b9.command('answermode', 'auto');
  }
});

test('anchored late-offer INVITE (no SDP): offer in the 200 and answer in the ACK go through rtpengine', { timeout: 30_000 }, async () => {
  const ua = await nodeCaller();
  try {
    ua.invite({ headers: ['X-Kazoo-Anchor: 1'], sdp: null });
    const ok = await ua.reply('INVITE');
    assert.equal(ok.status, 200, ok.first);
    const relayPort = assertRelaySdp(ok.body);
    ua.dialog(ok);
    ua.ack(ua.sdp); // the answer: PCMU + telephone-event
    await b9.waitEvent('CALL_ESTABLISHED', 10_000);
    await ua.sendAudio(relayPort, { freq: 1000, ms: 1000, digit: 3 });
    await b9.waitDtmf('3', 5000);
    const src = rtpSourcePort(b9);
    assert.ok(src >= rtpe.portMin && src <= rtpe.portMax, `1009 receives RTP from ${src}`);
    assert.equal(ua.rtpFrom?.port, relayPort);
    ua.bye();
    assert.equal((await ua.reply('BYE')).status, 200);
    await b9.waitEvent('CALL_CLOSED', 10_000);
    await waitFor('rtpengine session deleted', async () => (await rtpe.sessions()) === 0, 5000);
  } finally {
    ua.close();
  }
});

test('without rtpengine Kamailio still starts; an INVITE that needs anchoring gets 503', { timeout: 30_000 }, async () => {
  const k = await startKamailio();
  let phone;
  let ua;
  try {
    assert.notEqual(k.rtpengineSock, rtpe.ngSock);
    await waitFor('ping failure logged', () => /proxy did not respond to ping/.test(k.log()), 5000);
    assert.match(await k.kamcmd('core.version'), /kamailio/i);
    phone = await startBaresip({ kamailio: k, user: '1007', audioFile: b9.audioFile });
    ua = await nodeCaller(k, '1007');
    ua.invite({ headers: ['X-Kazoo-Anchor: 1'] });
    const rep = await ua.reply('INVITE');
    assert.equal(rep.status, 503, rep.first);
    assert.match(rep.first, /Media Relay Unavailable/);
    ua.ackFailure(rep);
    assert.equal(phone.events.filter((e) => e.type === 'CALL_INCOMING').length, 0);
  } finally {
    ua?.close();
    await phone?.stop();
    await k.stop();
  }
});
