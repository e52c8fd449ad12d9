// The RTMP path of the lab: kazoo-rtmpgw (our SIP–RTMP gateway, a real
// SIP user agent registered at the lab Kamailio over UDP, RTP through
// rtpengine) and kazoo-relay (browser WebSocket ↔ RTMP) in front of it.
// Both are started from .cache/bin (./build.sh builds them), listen on
// 127.0.0.1 only and are stopped by PID.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './kamailio.mjs';
import { spawnDaemon } from './daemon.mjs';
import { startTlsProxy } from './tlsproxy.mjs';

const bin = (name) => path.join(repoRoot, '.cache', 'bin', name);

/** Waits until the daemon's log matches re; returns the match. */
async function waitLog(d, re, what, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const m = d.log().match(re);
    if (m) return m;
    if (d.exitInfo() || Date.now() > deadline) throw d.startupError(what, `not ready within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts kazoo-rtmpgw registering at kamailio's UDP port, with RTP on
 * 127.0.0.1, its RTMP port on listen (any free port by default).
 * Resolves {rtmpUrl (the base the page gives as rtmpUrl), log(), stop(),
 * kill() (SIGKILL: no un-REGISTER, no BYE, connections cut)}.
 */
export async function startGateway({ kamailio, logLevel = 'debug', listen = '127.0.0.1:0' }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kazoo-rtmpgw-'));
  const d = spawnDaemon(bin('kazoo-rtmpgw'), [
    '-listen', listen,
    '-registrar', `127.0.0.1:${kamailio.ports.udp}`,
    '-sip-listen', '127.0.0.1:0',
    '-media-ip', '127.0.0.1',
    '-rtp-ports', '24000-24999',
    '-log-level', logLevel,
  ], { logFile: path.join(dir, 'rtmpgw.log') });
  const m = await waitLog(d, /rtmp listening on (127\.0\.0\.1:\d+)/, 'kazoo-rtmpgw');
  return {
    rtmpUrl: `rtmp://${m[1]}/sip`,
    log: () => d.log(),
    stop: () => d.terminate([['SIGTERM', 4000], ['SIGKILL', 2000]]),
    kill: () => d.terminate([['SIGKILL', 5000]]),
  };
}

/**
 * Starts kazoo-relay allowing the gateway and the page origin. Resolves
 * {url (ws://…/v1), log(), stop()}. With tls ({chain, key}, e.g.
 * makeTestCA()'s), nginx terminates TLS in front of it, as the README
 * says to deploy it: url is then nginx's wss://…/v1 and plainUrl the
 * relay's own ws:// one.
 */
export async function startRelay({ gateway, origin, extraArgs = [], tls }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kazoo-relay-'));
  const d = spawnDaemon(bin('kazoo-relay'), [
    '-addr', '127.0.0.1:0',
    '-gateway', `${gateway.rtmpUrl}/`,
    '-origin', origin,
    '-log-level', 'debug',
    ...extraArgs,
  ], { logFile: path.join(dir, 'relay.log') });
  const stopRelay = () => d.terminate([['SIGTERM', 4000], ['SIGKILL', 2000]]);
  const m = await waitLog(d, /^(ws:\/\/127\.0\.0\.1:\d+\/\S*)$/m, 'kazoo-relay');
  if (!tls) return { url: m[1], plainUrl: m[1], log: () => d.log(), stop: stopRelay };
  let proxy;
  try {
    proxy = await startTlsProxy({ upstream: m[1], cert: tls.chain, key: tls.key });
  } catch (e) {
    await stopRelay();
    throw e;
  }
  return {
    url: proxy.url,
    plainUrl: m[1],
    proxy,
    log: () => d.log(),
    async stop() {
      await proxy.stop();
      await stopRelay();
    },
  };
}

/**
 * The register() parameters of a page in RTMP mode for a lab account:
 * no wsUrl, the relay and the gateway instead.
 */
export function rtmpParams({ relay, gateway, account, realm, ...overrides }) {
  return {
    relayUrl: relay.url,
    rtmpUrl: gateway.rtmpUrl,
    realm,
    publicIdentity: account.uri,
    privateIdentity: account.user,
    password: account.password,
    forceRTMP: true,
    ...overrides,
  };
}
