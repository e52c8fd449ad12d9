// Test harness for the lab Kamailio (lab/kamailio/kamailio.cfg): starts a
// private instance on free loopback ports with its own copy of the db_text
// tables, talks to it through kamcmd, and stops it by PID.
// Node 20, built-ins only. kamcmd turns numeric arguments into integers,
// so AORs are written s:1001 (ul.lookup location s:1001).

import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, accessSync, constants } from 'node:fs';
import { spawnDaemon } from './daemon.mjs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import dgram from 'node:dgram';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Repository root (three levels above tests/playwright/lib). */
export const repoRoot = path.resolve(here, '..', '..', '..');
/** The Kamailio config used by every instance. */
export const cfgPath = path.join(repoRoot, 'lab', 'kamailio', 'kamailio.cfg');
/** The db_text template directory (copied into each run dir). */
export const dbTemplateDir = path.join(repoRoot, 'lab', 'kamailio', 'db');
/** SIP domain and digest realm. */
export const realm = 'lab.test';

/** Lab accounts 1001–1010, password `pw-<user>`. 1010 is single-binding. */
export const accounts = Array.from({ length: 10 }, (_, i) => {
  const user = String(1001 + i);
  return { user, password: `pw-${user}`, uri: `sip:${user}@${realm}` };
});

const START_DEADLINE_MS = 10_000;
const STOP_DEADLINE_MS = 5_000;
const POLL_MS = 50;

function findBinary(name) {
  for (const dir of ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin']) {
    const p = path.join(dir, name);
    try { accessSync(p, constants.X_OK); return p; } catch { /* next */ }
  }
  throw new Error(`${name} not found in /usr/sbin (apt-get install -y kamailio kamailio-websocket-modules)`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Returns a port on 127.0.0.1 that is free right now for `kind` ('tcp' or
 * 'udp'). Another process may still grab it before it is used.
 */
export async function freePort(kind = 'tcp') {
  if (kind === 'udp') {
    const sock = dgram.createSocket('udp4');
    await new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, '127.0.0.1', resolve);
    });
    const { port } = sock.address();
    await new Promise((r) => sock.close(r));
    return port;
  }
  if (kind !== 'tcp') throw new Error(`freePort: kind must be 'tcp' or 'udp', got ${kind}`);
  const srv = net.createServer();
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** Resolves true when a TCP connection to host:port is accepted within 500 ms. */
export function tcpAccepts(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (ok) => { s.destroy(); resolve(ok); };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(500, () => done(false));
  });
}

/** Runs kamcmd against a control socket; rejects on exit != 0 or "error: NNN - ...". */
function runKamcmd(kamcmdBin, ctlSock, args, timeout = 5000) {
  return new Promise((resolve, reject) => {
    execFile(kamcmdBin, ['-s', `unix:${ctlSock}`, ...args.map(String)], { timeout },
      (err, stdout, stderr) => {
        const m = /^error: (\d+) - (.*)$/m.exec(stdout);
        if (err || m) {
          const e = new Error(`kamcmd ${args.join(' ')}: ${m ? m[0] : (stderr || err.message).trim()}`);
          e.rpcCode = m ? Number(m[1]) : undefined;
          e.rpcMessage = m ? m[2] : undefined;
          e.stdout = stdout;
          e.stderr = stderr;
          reject(e);
          return;
        }
        resolve(stdout);
      });
  });
}

/**
 * Extracts the contact URIs from `ul.lookup` output. kamcmd prints nested
 * structures one field per line, e.g. "Contacts: { Contact: { Address:
 * sip:abc@xyz.invalid;transport=ws  Expires: 299 ..." — every "Address:"
 * line is one binding.
 */
export function parseUlLookup(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^\s*Address:\s*(\S.*?)\s*$/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

/** PIDs of the direct children of `pid` (read from /proc). */
function childPids(pid) {
  const kids = [];
  for (const ent of readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const stat = readFileSync(`/proc/${ent}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push(Number(ent));
    } catch { /* gone */ }
  }
  return kids;
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

/**
 * Starts a private Kamailio. Options:
 *   ports:   {udp, ws, trusted, wss}; missing ones are picked free on 127.0.0.1
 *   logFile: where Kamailio's stdout+stderr go (default <rundir>/kamailio.log)
 *   keepRundir: keep the run dir after stop() (also env KAMAILIO_KEEP_RUNDIR=1)
 *   cfg:     another config file (default lab/kamailio/kamailio.cfg)
 *   rtpengine: the rtpengine ng socket ('udp:127.0.0.1:<port>', or the object
 *            startRtpengine() returns). Without it Kamailio points at a free,
 *            unused UDP port: it starts anyway (the node is marked disabled)
 *            and never talks to a system rtpengine on the default 2223.
 *   tls:     {cert, key}: also SIP over secure WebSocket on ports.wss with
 *            the tls module (package kamailio-tls-modules); cert is a PEM
 *            file with the server certificate and its chain, key its key.
 *            The result's wssUrl is then wss://127.0.0.1:<wss port>.
 * Resolves once the WS (and WSS) port accepts TCP connections and kamcmd answers.
 */
export async function startKamailio(opts = {}) {
  const kamailioBin = findBinary('kamailio');
  const kamcmdBin = findBinary('kamcmd');
  const cfg = opts.cfg || cfgPath;
  if (!existsSync(cfg)) throw new Error(`missing ${cfg}`);
  const autoPorts = !(opts.ports && opts.ports.udp && opts.ports.ws && opts.ports.trusted);
  let lastErr;
  // Auto-picked ports can be taken in between: retry a couple of times.
  for (let attempt = 0; attempt < (autoPorts ? 3 : 1); attempt++) {
    try {
      return await startOnce(kamailioBin, kamcmdBin, cfg, opts);
    } catch (e) {
      lastErr = e;
      if (!/Address already in use/.test(e.message)) throw e;
    }
  }
  throw lastErr;
}

async function startOnce(kamailioBin, kamcmdBin, cfg, opts) {
  const rundir = await mkdtemp(path.join(os.tmpdir(), 'kazoo-kamailio-'));
  const dbDir = path.join(rundir, 'db');
  await cp(dbTemplateDir, dbDir, { recursive: true });
  const ports = { ...(opts.ports || {}) };
  ports.udp ??= await freePort('udp');
  ports.ws ??= await freePort('tcp');
  while (ports.trusted == null || ports.trusted === ports.udp) ports.trusted = await freePort('udp');
  const tls = opts.tls;
  if (tls) {
    if (!tls.cert || !tls.key) throw new Error('startKamailio: tls needs {cert, key}');
    for (const f of [tls.cert, tls.key]) {
      if (/["\s]/.test(f)) throw new Error(`startKamailio: unusable path for a cfg define: ${f}`);
    }
    while (ports.wss == null || ports.wss === ports.ws) ports.wss = await freePort('tcp');
  }
  const ctlSock = path.join(rundir, 'kamailio_ctl');
  const logFile = opts.logFile || path.join(rundir, 'kamailio.log');
  const keep = Boolean(opts.keepRundir || process.env.KAMAILIO_KEEP_RUNDIR);
  let rtpengineSock = typeof opts.rtpengine === 'object' && opts.rtpengine ? opts.rtpengine.ngSock : opts.rtpengine;
  rtpengineSock ||= `udp:127.0.0.1:${await freePort('udp')}`;
  if (!/^udp6?:[^"\s]+:\d+$/.test(rtpengineSock)) throw new Error(`startKamailio: bad rtpengine socket ${rtpengineSock}`);

  const args = [
    '-DD', '-E', '-f', cfg, '-Y', rundir,
    '-A', `SIP_PORT=${ports.udp}`,
    '-A', `WS_PORT=${ports.ws}`,
    '-A', `TRUSTED_PORT=${ports.trusted}`,
    // pua_dialoginfo publishes the calls' dialog state through the trusted port.
    '-A', `PRESENCE_SERVER="sip:127.0.0.1:${ports.trusted}"`,
    '-A', `DBURL="text://${dbDir}"`,
    '-A', `CTLSOCK="unix:${ctlSock}"`,
    '-A', `RTPENGINE_SOCK="${rtpengineSock}"`,
  ];
  if (tls) {
    args.push('-A', 'WITH_TLS', '-A', `WSS_PORT=${ports.wss}`,
      '-A', `TLS_CERT="${tls.cert}"`, '-A', `TLS_KEY="${tls.key}"`);
  }
  const kamcmd = (...a) => runKamcmd(kamcmdBin, ctlSock, a);
  let daemon;
  let log = () => '';

  // halt stops the running process (the run dir stays, for launch again).
  const halt = async () => {
    if (!daemon) return null;
    // Kamailio's children normally die with the main process; a SIGKILL
    // (after the deadline) goes to them too, and stragglers are killed.
    const kids = daemon.exitInfo() ? [] : childPids(daemon.pid);
    const info = await daemon.terminate([['SIGTERM', STOP_DEADLINE_MS], ['SIGKILL', STOP_DEADLINE_MS]], kids);
    const deadline = Date.now() + STOP_DEADLINE_MS;
    while (kids.some(alive) && Date.now() < deadline) await sleep(POLL_MS);
    for (const p of kids.filter(alive)) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    return info;
  };

  // launch spawns Kamailio and waits until the WS port accepts
  // connections and kamcmd answers.
  const launch = async () => {
    daemon = spawnDaemon(kamailioBin, args, { logFile });
    log = daemon.log;
    const deadline = Date.now() + START_DEADLINE_MS;
    let lastProblem = 'not started';
    while (Date.now() < deadline) {
      if (daemon.exitInfo()) break;
      if (!(await tcpAccepts(ports.ws))) {
        lastProblem = `WS port ${ports.ws} not accepting`;
      } else if (tls && !(await tcpAccepts(ports.wss))) {
        lastProblem = `WSS port ${ports.wss} not accepting`;
      } else {
        try {
          await kamcmd('core.version');
          return;
        } catch (e) {
          lastProblem = e.message;
        }
      }
      await sleep(POLL_MS);
    }
    const err = daemon.startupError('kamailio', `not ready after ${START_DEADLINE_MS} ms (${lastProblem})`);
    await halt();
    throw err;
  };

  let stopping = null;
  const stop = () => {
    stopping ??= (async () => {
      const info = await halt();
      if (!keep) await rm(rundir, { recursive: true, force: true });
      return info;
    })();
    return stopping;
  };

  try {
    await launch();
  } catch (e) {
    if (!keep) await rm(rundir, { recursive: true, force: true });
    throw e;
  }

  return {
    get pid() { return daemon.pid; },
    rundir,
    ports,
    ctlSock,
    rtpengineSock,
    logFile,
    realm,
    wsUrl: `ws://127.0.0.1:${ports.ws}`,
    /** wss://127.0.0.1:<port> when started with tls, else undefined. */
    wssUrl: tls ? `wss://127.0.0.1:${ports.wss}` : undefined,
    /** Runs `kamcmd -s unix:<ctl> ...args`; resolves stdout. Pass AORs as `s:1001`. */
    kamcmd,
    /** Contact URIs bound to `user` ([] when none). */
    async lookup(user) {
      try {
        return parseUlLookup(await kamcmd('ul.lookup', 'location', `s:${user}`));
      } catch (e) {
        if (e.rpcCode === 404 || /not found|no contacts/i.test(e.rpcMessage || '')) return [];
        throw e;
      }
    },
    /** Stops Kamailio but keeps its run dir and ports, for start() (a crash or an outage). */
    kill: halt,
    /** Starts it again after kill(), same ports and config; resolves once ready. */
    start: launch,
    /** SIGTERM, then SIGKILL after a deadline; resolves {code, signal} once it exited. */
    stop,
    /** Kamailio's log so far, every run (the final log once stopped). */
    log: () => log(),
    /** Resolves {code, signal} when the current main process exits. */
    get exited() { return daemon.exited; },
  };
}
