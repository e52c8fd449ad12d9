// Test harness for a private, userspace-only rtpengine (media relay between
// browsers and plain RTP phones; --table=-1: no kernel module, no iptables).
// Starts it in the foreground on free loopback ports with its own run dir,
// talks to it over the ng protocol (bencode over UDP) and the CLI (TCP),
// and stops it by PID. Node 20, built-ins only.

import { accessSync, constants } from 'node:fs';
import { spawnDaemon } from './daemon.mjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import dgram from 'node:dgram';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './kamailio.mjs';

const START_DEADLINE_MS = 10_000;
const STOP_DEADLINE_MS = 5_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function findRtpengine() {
  for (const p of ['/usr/bin/rtpengine', '/usr/sbin/rtpengine', '/usr/local/bin/rtpengine']) {
    try { accessSync(p, constants.X_OK); return p; } catch { /* next */ }
  }
  throw new Error('rtpengine not found (apt-get install -y --no-install-recommends rtpengine-daemon)');
}

// ---- bencode (just enough for the ng protocol) ----

/** Encodes strings, Buffers, integers, arrays and plain objects. */
export function bencode(v) {
  if (Buffer.isBuffer(v)) return Buffer.concat([Buffer.from(`${v.length}:`), v]);
  if (typeof v === 'string') return bencode(Buffer.from(v));
  if (typeof v === 'number' && Number.isInteger(v)) return Buffer.from(`i${v}e`);
  if (Array.isArray(v)) return Buffer.concat([Buffer.from('l'), ...v.map(bencode), Buffer.from('e')]);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return Buffer.concat([Buffer.from('d'), ...keys.flatMap((k) => [bencode(k), bencode(v[k])]), Buffer.from('e')]);
  }
  throw new Error(`bencode: unsupported value ${v}`);
}

/** Decodes one bencoded value; byte strings become utf8 strings. */
export function bdecode(buf) {
  let i = 0;
  const next = () => {
    const c = String.fromCharCode(buf[i]);
    if (c === 'i') {
      const end = buf.indexOf(0x65, i);
      const n = Number(buf.subarray(i + 1, end).toString());
      i = end + 1;
      return n;
    }
    if (c === 'l' || c === 'd') {
      i++;
      const items = [];
      while (buf[i] !== 0x65) {
        if (i >= buf.length) throw new Error('bdecode: truncated');
        items.push(next());
      }
      i++;
      if (c === 'l') return items;
      const o = {};
      for (let k = 0; k < items.length; k += 2) o[items[k]] = items[k + 1];
      return o;
    }
    const colon = buf.indexOf(0x3a, i);
    if (colon < 0) throw new Error('bdecode: bad string');
    const len = Number(buf.subarray(i, colon).toString());
    const s = buf.subarray(colon + 1, colon + 1 + len).toString();
    i = colon + 1 + len;
    return s;
  };
  return next();
}

/**
 * Sends one ng command (an object, e.g. {command: 'ping'}) to
 * 127.0.0.1:<port> and resolves the decoded reply dictionary.
 */
export function ngCommand(port, dict, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const cookie = randomBytes(6).toString('hex');
    const timer = setTimeout(() => { sock.close(); reject(new Error(`ng ${dict.command}: no reply within ${timeoutMs} ms`)); }, timeoutMs);
    sock.on('error', (e) => { clearTimeout(timer); sock.close(); reject(e); });
    sock.on('message', (msg) => {
      const sp = msg.indexOf(0x20);
      if (sp < 0 || msg.subarray(0, sp).toString() !== cookie) return;
      clearTimeout(timer);
      sock.close();
      try { resolve(bdecode(msg.subarray(sp + 1))); } catch (e) { reject(e); }
    });
    sock.send(Buffer.concat([Buffer.from(cookie + ' '), bencode(dict)]), port, '127.0.0.1');
  });
}

/** Sends one CLI command (what rtpengine-ctl does) over TCP; resolves the text. */
export function cliCommand(port, command, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let out = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`cli ${command}: timeout`)); }, timeoutMs);
    s.on('connect', () => s.write(command + '\n'));
    s.on('data', (d) => { out += d; });
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    s.on('close', () => { clearTimeout(timer); resolve(out); });
  });
}


/**
 * Starts a private rtpengine. Options:
 *   ngPort, cliPort:   default free ports on 127.0.0.1 (ng is UDP, CLI TCP)
 *   portMin, portMax:  relay port range (default 30000-30999)
 *   logLevel:          default 6 (info), or env RTPENGINE_LOG_LEVEL; 7 logs every ng message with its SDP
 *   keepRundir:        keep the run dir after stop() (also env RTPENGINE_KEEP_RUNDIR=1)
 *   extraArgs:         more rtpengine options (e.g. ['--dtmf-log-dest=127.0.0.1:<port>'])
 * Resolves once the ng port answers a ping.
 */
export async function startRtpengine(opts = {}) {
  const auto = opts.ngPort == null || opts.cliPort == null;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      // A port picked by freePort() can be taken before rtpengine binds it
      // (a CI run saw the ng port go to another socket in between).
      if (!auto || attempt >= 3 || !/address already in use/i.test(e.message)) throw e;
    }
  }
}

async function startOnce(opts) {
  const bin = findRtpengine();
  const rundir = await mkdtemp(path.join(os.tmpdir(), 'kazoo-rtpengine-'));
  // rtpengine reports every DTMF event it relays (JSON over UDP). Bound
  // before the ng port is picked, so the two cannot get the same port.
  const dtmfSock = dgram.createSocket('udp4');
  await new Promise((resolve, reject) => { dtmfSock.once('error', reject); dtmfSock.bind(0, '127.0.0.1', resolve); });
  dtmfSock.unref();
  let ngPort = opts.ngPort;
  while (ngPort == null || ngPort === dtmfSock.address().port) ngPort = await freePort('udp');
  let cliPort = opts.cliPort;
  while (cliPort == null || cliPort === ngPort) cliPort = await freePort('tcp');
  const portMin = opts.portMin ?? 30000;
  const portMax = opts.portMax ?? portMin + 999;
  const logFile = path.join(rundir, 'rtpengine.log');
  const dtmfEvents = [];
  dtmfSock.on('message', (m) => {
    try {
      const ev = JSON.parse(m.toString());
      ev.digit = '0123456789*#ABCD'[ev.event];
      ev.at = Date.now();
      dtmfEvents.push(ev);
    } catch { /* not JSON */ }
  });
  const keep = Boolean(opts.keepRundir || process.env.RTPENGINE_KEEP_RUNDIR);
  const args = [
    // Never read /etc/rtpengine/rtpengine.conf (it would add e.g. an HTTP
    // listener on localhost:2225 and kernel table 0).
    '--config-file=none',
    '--foreground', '--log-stderr', `--log-level=${opts.logLevel ?? process.env.RTPENGINE_LOG_LEVEL ?? 6}`,
    '--table=-1',
    '--interface=127.0.0.1',
    `--listen-ng=127.0.0.1:${ngPort}`,
    `--listen-cli=127.0.0.1:${cliPort}`,
    `--port-min=${portMin}`, `--port-max=${portMax}`,
    '--timeout=60', '--silent-timeout=3600', '--offer-timeout=60',
    '--delete-delay=0',
    `--dtmf-log-dest=127.0.0.1:${dtmfSock.address().port}`,
    ...(opts.extraArgs || []),
  ];
  const daemon = spawnDaemon(bin, args, { logFile, cwd: rundir });
  const { pid, exited, log } = daemon;
  let stopping = null;
  const stop = () => {
    stopping ??= (async () => {
      const info = await daemon.terminate([['SIGTERM', STOP_DEADLINE_MS], ['SIGKILL', STOP_DEADLINE_MS]]);
      dtmfSock.close();
      if (!keep) await rm(rundir, { recursive: true, force: true });
      return info;
    })();
    return stopping;
  };

  const deadline = Date.now() + START_DEADLINE_MS;
  let lastProblem = 'not started';
  let ready = false;
  while (Date.now() < deadline && !daemon.exitInfo()) {
    try {
      const r = await ngCommand(ngPort, { command: 'ping' }, 300);
      if (r.result === 'pong') { ready = true; break; }
      lastProblem = `ping answered ${JSON.stringify(r)}`;
    } catch (e) {
      lastProblem = e.message;
      await sleep(50);
    }
  }
  if (!ready) {
    const err = daemon.startupError('rtpengine', `not ready after ${START_DEADLINE_MS} ms (${lastProblem})`);
    await stop();
    throw err;
  }

  const cli = (command) => cliCommand(cliPort, command);
  return {
    pid,
    rundir,
    logFile,
    ngPort,
    /** For Kamailio: startKamailio({ rtpengine: rtpe.ngSock }). */
    ngSock: `udp:127.0.0.1:${ngPort}`,
    cliPort,
    portMin,
    portMax,
    /** One ng command, e.g. ng({command: 'list'}) → {result: 'ok', calls: [...]}. */
    ng: (dict, timeoutMs) => ngCommand(ngPort, dict, timeoutMs),
    /** One CLI command, e.g. cli('list sessions all') → text. */
    cli,
    /** Number of sessions rtpengine currently holds ("Current sessions own"). */
    async sessions() {
      const text = await cli('list numsessions');
      const m = /Current sessions own:\s*(\d+)/.exec(text);
      if (!m) throw new Error(`unexpected 'list numsessions' output:\n${text}`);
      return Number(m[1]);
    },
    /** Call-IDs of the current sessions (ng "list"). */
    async callIds() {
      const r = await ngCommand(ngPort, { command: 'list' });
      return r.calls || [];
    },
    /**
     * DTMF events rtpengine relayed (RFC 4733, anchored calls only), one per
     * event: {callid, source_tag, event, digit, duration, volume, at}.
     */
    dtmfEvents,
    /** Waits for a relayed DTMF `digit` not consumed by an earlier call. */
    async waitDtmf(digit, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ev = dtmfEvents.find((e) => e.digit === String(digit) && !e.consumed);
        if (ev) { ev.consumed = true; return ev; }
        if (Date.now() > deadline) throw new Error(`rtpengine relayed no DTMF ${digit} within ${timeoutMs} ms (got "${dtmfEvents.map((e) => e.digit).join('')}")`);
        await sleep(50);
      }
    },
    /** SIGTERM, then SIGKILL after a deadline; resolves {code, signal}. */
    stop,
    /** rtpengine's log so far (the final log once stopped). */
    log,
    exited,
  };
}
