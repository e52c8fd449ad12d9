// Test harness for baresip 1.0 as an auto-answering UDP phone registered
// at the lab Kamailio (or kazoo-dev). It plays a
// wav file (aufile), discards what it receives (ALSA "null" device),
// records both directions (sndfile) and is driven over ctrl_tcp (JSON
// netstrings), which also pushes UA events (CALL_ESTABLISHED, CALL_CLOSED,
// CALL_DTMF_START...). Node 20, built-ins only.

import { readdirSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnDaemon } from './daemon.mjs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './kamailio.mjs';

const MODULE_DIR = '/usr/lib/baresip/modules';
const START_DEADLINE_MS = 10_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tcpFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

// baresip binds SIP on UDP and TCP port P and SIP/TLS on TCP P+1.
async function freeSipPort() {
  for (let i = 0; i < 20; i++) {
    const p = await freePort('udp');
    if (p < 65535 && await tcpFree(p) && await tcpFree(p + 1)) return p;
  }
  throw new Error('no free SIP port for baresip');
}


/**
 * ctrl_tcp client: one connection (baresip allows only one; a second one
 * replaces the first). Netstrings "<len>:<json>,". Responses carry our token,
 * events have "event": true.
 */
function ctrlConnect(port, onEvent) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const pending = new Map();
    let buf = Buffer.alloc(0);
    let seq = 0;
    sock.once('error', reject);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const colon = buf.indexOf(0x3a);
        if (colon < 0) return;
        const len = Number(buf.subarray(0, colon).toString());
        if (buf.length < colon + 1 + len + 1) return;
        const text = buf.subarray(colon + 1, colon + 1 + len).toString();
        buf = buf.subarray(colon + 1 + len + 1);
        let msg;
        try { msg = JSON.parse(text); } catch { continue; }
        if (msg.response && pending.has(msg.token)) {
          const p = pending.get(msg.token);
          pending.delete(msg.token);
          p.resolve(msg);
        } else if (msg.event) {
          onEvent(msg);
        }
      }
    });
    sock.on('close', () => {
      for (const p of pending.values()) p.reject(new Error('ctrl_tcp connection closed'));
      pending.clear();
    });
    sock.once('connect', () => {
      sock.off('error', reject);
      sock.on('error', () => { /* reported through close */ });
      resolve({
        command(command, params, timeoutMs = 5000) {
          const token = `t${++seq}`;
          const body = Buffer.from(JSON.stringify(params == null ? { command, token } : { command, params: String(params), token }));
          return new Promise((res, rej) => {
            const timer = setTimeout(() => { pending.delete(token); rej(new Error(`ctrl_tcp ${command}: no response`)); }, timeoutMs);
            pending.set(token, {
              resolve: (m) => { clearTimeout(timer); res(m); },
              reject: (e) => { clearTimeout(timer); rej(e); },
            });
            sock.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
          });
        },
        close: () => sock.destroy(),
      });
    });
  });
}

/**
 * Starts baresip registered as `user` at `kamailio` (startKamailio()'s
 * result, or {ports: {udp}}). Options:
 *   user, password:  default '1009' / 'pw-<user>'
 *   audioFile:       48 kHz mono s16 wav to send (required; it is not looped)
 *   answer:          'auto' (default) | 'manual' | 'early'
 *   codecs:          audio_codecs (default opus/48000/2,G722/16000/1,PCMU,PCMA)
 *   rtpPorts:        'min-max' (default 31000-31999)
 *   keepRundir:      keep config/log/recordings after stop() (also env BARESIP_KEEP_RUNDIR=1)
 * Resolves once the binding is visible in Kamailio (or ctrl_tcp `reginfo`
 * reports OK when `kamailio` has no lookup()).
 */
export async function startBaresip(opts = {}) {
  const auto = opts.sipPort == null || opts.ctrlPort == null;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      // A port picked by freePort() can be taken before baresip binds it.
      if (!auto || attempt >= 3 || !/address already in use/i.test(e.message)) throw e;
    }
  }
}

async function startOnce(opts) {
  const { kamailio } = opts;
  if (!kamailio?.ports?.udp) throw new Error('startBaresip: kamailio (with ports.udp) is required');
  if (!opts.audioFile || !existsSync(opts.audioFile)) throw new Error(`startBaresip: audioFile missing: ${opts.audioFile}`);
  if (/[,;"\s]/.test(opts.audioFile)) throw new Error('startBaresip: audioFile path must not contain , ; " or spaces');
  const user = opts.user ?? '1009';
  const password = opts.password ?? `pw-${user}`;
  const realm = kamailio.realm ?? 'lab.test';
  const answer = opts.answer ?? 'auto';
  const have = (m) => existsSync(path.join(MODULE_DIR, `${m}.so`));
  const codecs = opts.codecs ?? [have('opus') && 'opus/48000/2', have('g722') && 'G722/16000/1', 'PCMU', 'PCMA'].filter(Boolean).join(',');

  const rundir = await mkdtemp(path.join(os.tmpdir(), `kazoo-baresip-${user}-`));
  const confDir = path.join(rundir, 'conf');
  const sndDir = path.join(rundir, 'rec');
  mkdirSync(confDir);
  mkdirSync(sndDir);
  const sipPort = opts.sipPort ?? await freeSipPort();
  const ctrlPort = opts.ctrlPort ?? await freePort('tcp');
  const logFile = path.join(rundir, 'baresip.log');
  const keep = Boolean(opts.keepRundir || process.env.BARESIP_KEEP_RUNDIR);

  const modules = ['g711', 'opus', 'g722'].filter(have).map((m) => `module\t\t\t${m}.so`);
  writeFileSync(path.join(confDir, 'config'), [
    'poll_method\t\tepoll',
    `sip_listen\t\t127.0.0.1:${sipPort}`,
    'call_local_timeout\t120',
    'call_max_calls\t\t4',
    // aufile insists that the file's rate/channels equal the source's.
    `audio_source\t\taufile,${opts.audioFile}`,
    'audio_player\t\talsa,null',
    'audio_alert\t\talsa,null',
    'ausrc_srate\t\t48000',
    'ausrc_channels\t\t1',
    'auplay_srate\t\t48000',
    'auplay_channels\t\t1',
    'audio_level\t\tno',
    `rtp_ports\t\t${opts.rtpPorts ?? '31000-31999'}`,
    'rtcp_mux\t\tno',
    'jitter_buffer_delay\t5-10',
    'dns_server\t\t127.0.0.1:53',
    'net_interface\t\t127.0.0.1',
    `module_path\t\t${MODULE_DIR}`,
    ...modules,
    'module\t\t\taufile.so',
    'module\t\t\talsa.so',
    'module\t\t\tsndfile.so',
    'module_tmp\t\taccount.so',
    'module_app\t\tmenu.so',
    'module_app\t\tctrl_tcp.so',
    `ctrl_tcp_listen\t\t127.0.0.1:${ctrlPort}`,
    // No "[0:00:01] audio=0/0 (bit/s)" status line in the log.
    'statmode_default\toff',
    `snd_path\t\t${sndDir}`,
    'opus_bitrate\t\t28000',
    '',
  ].join('\n'));
  writeFileSync(path.join(confDir, 'accounts'),
    `<sip:${user}@${realm};transport=udp>;auth_pass=${password};` +
    `outbound="sip:127.0.0.1:${kamailio.ports.udp};transport=udp";` +
    `answermode=${answer};regint=300;mwi=no;ptime=20;audio_codecs=${codecs}\n`);
  writeFileSync(path.join(confDir, 'contacts'), '');

  // stdin is /dev/null: fine, because the stdio UI module is not loaded.
  const daemon = spawnDaemon('baresip', ['-4', '-f', confDir], { logFile, cwd: rundir });
  const { pid, exited, log } = daemon;

  // ---- events ----
  const events = [];
  const consumed = new Set();
  const onEvent = (ev) => { ev.at = Date.now(); events.push(ev); };
  /**
   * Resolves the first not yet consumed event of `type` (e.g.
   * 'CALL_ESTABLISHED') for which match(ev) holds, marking it consumed;
   * waits up to timeoutMs for it. Events since start are kept.
   */
  const waitEvent = async (type, timeoutMs = 10_000, match = () => true) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = events.findIndex((e, k) => !consumed.has(k) && e.type === type && match(e));
      if (i >= 0) { consumed.add(i); return events[i]; }
      if (daemon.exitInfo()) throw new Error(`baresip ${user} exited while waiting for ${type}`);
      if (Date.now() > deadline) {
        throw new Error(`baresip ${user}: no ${type} within ${timeoutMs} ms; events: ${events.map((e) => e.type + (e.param ? `(${e.param})` : '')).join(' ')}`);
      }
      await sleep(20);
    }
  };

  let ctrl = null;
  let stopping = null;
  const stop = () => {
    stopping ??= (async () => {
      ctrl?.close();
      // First SIGTERM: unregister and quit; a second one exits at once.
      const info = await daemon.terminate([['SIGTERM', 2000], ['SIGTERM', 3000], ['SIGKILL', 5000]]);
      if (!keep) await rm(rundir, { recursive: true, force: true });
      return info;
    })();
    return stopping;
  };

  const command = async (cmd, params, timeoutMs) => {
    if (!ctrl) throw new Error('ctrl_tcp not connected');
    return ctrl.command(cmd, params, timeoutMs);
  };
  const reginfoOk = async () => {
    const r = await command('reginfo');
    // eslint-disable-next-line no-control-regex
    const text = (r.data || '').replace(/\x1b\[[0-9;]*m/g, '');
    const line = text.split('\n').find((l) => l.includes(`${user}@${realm}`)) || '';
    return /\sOK\s/.test(` ${line} `);
  };
  const registered = async () => {
    if (typeof kamailio.lookup === 'function') {
      return (await kamailio.lookup(user)).some((c) => c.includes(`127.0.0.1:${sipPort}`));
    }
    return reginfoOk();
  };

  // ---- startup: ctrl_tcp up, then registered ----
  const deadline = Date.now() + (opts.startTimeoutMs ?? START_DEADLINE_MS);
  let lastProblem = 'not started';
  let ready = false;
  while (Date.now() < deadline && !daemon.exitInfo()) {
    try {
      const bindErr = /ctrl_tcp: failed to listen[^\n]*/.exec(log());
      if (bindErr) { lastProblem = bindErr[0]; break; }
      if (!ctrl) {
        const c = await ctrlConnect(ctrlPort, onEvent);
        // Make sure it is our baresip that answers on that port.
        if (!(await c.command('reginfo', null, 2000)).response) { c.close(); throw new Error('not baresip on ctrl port'); }
        ctrl = c;
      }
      if (await registered()) { ready = true; break; }
      // REGISTER_FAIL may come before ctrl_tcp is connected: read the log.
      const fail = new RegExp(`reg: sip:${user}@${realm.replace(/\./g, '\\.')}: ([3-6]\\d\\d [^\\n\\x1b]*)`).exec(log());
      if (fail) { lastProblem = `registration failed: ${fail[1].trim()}`; break; }
      lastProblem = `${user} not registered yet`;
    } catch (e) {
      lastProblem = e.message;
    }
    await sleep(50);
  }
  if (!ready) {
    const err = daemon.startupError(`baresip ${user}`, `not ready (${lastProblem})`);
    await stop();
    throw err;
  }

  // Received DTMF, from baresip's log: RFC 4733 gives "received event: '5'
  // (end=0)" on the first packet of an event and "(end=1)" on its first end
  // packet; SIP INFO gives "call: received DTMF: '5'". Chrome sends nothing
  // but end packets for tones up to 120 ms (then baresip emits only
  // CALL_DTMF_END, whose event has no digit), so an end without a start
  // counts as a digit too.
  const dtmfConsumed = new Set();
  const dtmfDigits = () => {
    const digits = [];
    let open = null;
    for (const m of log().matchAll(/received event: '(.)' \(end=([01])\)|call: received DTMF: '(.)'/g)) {
      if (m[3]) { digits.push(m[3]); continue; }
      if (m[2] === '0') { digits.push(m[1]); open = m[1]; continue; }
      if (open !== m[1]) digits.push(m[1]);
      open = null;
    }
    return digits;
  };

  const recordings = () => {
    try {
      return readdirSync(sndDir).filter((f) => /^dump-.*-(enc|dec)\.wav$/.test(f)).sort().map((f) => path.join(sndDir, f));
    } catch { return []; }
  };

  return {
    pid,
    user,
    aor: `sip:${user}@${realm}`,
    audioFile: opts.audioFile,
    rundir,
    confDir,
    sndDir,
    logFile,
    sipPort,
    ctrlPort,
    /** ctrl_tcp command → {response, ok, data, token}, e.g. command('dial', 'sip:1001@lab.test'). */
    command,
    /** Dials `uri` (a user like '1008' becomes sip:1008@<realm>). Rejects unless ok. */
    async dial(uri) {
      const target = /^sips?:/.test(uri) ? uri : `sip:${uri}@${realm}`;
      const r = await command('dial', target);
      if (!r.ok) throw new Error(`dial ${target} failed: ${r.data}`);
      return r;
    },
    /** Hangs up the current call. */
    hangup: () => command('hangup'),
    /** Answers the current incoming call (answer: 'manual'). */
    accept: () => command('accept'),
    /** Sends DTMF digits in the current call as RFC 4733 telephone-events. */
    async sendDtmf(digits) {
      for (const d of String(digits)) {
        const r = await command('sndcode', d);
        if (!r.ok) throw new Error(`sndcode ${d} failed: ${r.data}`);
      }
    },
    /** Whether the account is registered according to baresip (ctrl_tcp reginfo). */
    reginfoOk,
    /**
     * sndfile dumps, sorted (oldest first): dump-<time>-enc.wav (sent) and
     * -dec.wav (received), named by the second the call's audio started.
     * baresip 1.0 drops sndfile from the rx pipeline on a re-INVITE (hold,
     * resume...): -dec.wav then stops growing while audio still flows.
     */
    recordings,
    /** The newest {enc, dec} pair (paths, or undefined). */
    lastRecording() {
      const all = recordings();
      return { enc: all.filter((f) => f.endsWith('-enc.wav')).pop(), dec: all.filter((f) => f.endsWith('-dec.wav')).pop() };
    },
    /** Every ctrl_tcp event so far ({type, class, param, direction, peeruri, id, at...}). */
    events,
    waitEvent,
    /**
     * Waits for a received DTMF `digit` (RFC 4733 or SIP INFO) not yet
     * consumed by an earlier waitDtmf; resolves the digit. Read from the log
     * (see dtmfReceived), so an event that arrived as end packets only is
     * seen too.
     */
    async waitDtmf(digit, timeoutMs = 10_000) {
      const d = String(digit);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = dtmfDigits();
        const i = got.findIndex((x, k) => x === d && !dtmfConsumed.has(k));
        if (i >= 0) { dtmfConsumed.add(i); return d; }
        if (daemon.exitInfo()) throw new Error(`baresip ${user} exited while waiting for DTMF ${d}`);
        if (Date.now() > deadline) throw new Error(`baresip ${user}: no DTMF ${d} within ${timeoutMs} ms; received "${got.join('')}"`);
        await sleep(50);
      }
    },
    /** Digits received so far (RFC 4733 or SIP INFO), in order, e.g. '15#'. */
    dtmfReceived: () => dtmfDigits().join(''),
    /** SIGTERM (unregister), again, then SIGKILL; resolves {code, signal}. */
    stop,
    /** baresip's log so far (final log once stopped). */
    log,
    exited,
  };
}
