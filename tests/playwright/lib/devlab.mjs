// The browser-test lab on kazoo-dev alone: its embedded SIP registrar and
// proxy (ws://…/sip and UDP), echo, voicemail and RTMP path, serving the
// page and the test pages, plus Debian Chromium. The object startDev
// returns has the shape of the Kamailio harness (wsUrl, ports.udp, realm,
// lookup), so baresip and the lab helpers work with either server.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot, realm, freePort } from './kamailio.mjs';
import { launchBrowser, makeLab, browserTone } from './lab.mjs';
import { makeTone } from './audio.mjs';

/**
 * Starts kazoo-dev with its own SIP server on free ports (or addr);
 * extraArgs go to kazoo-dev. Resolves once it serves.
 */
export async function startDev({ addr, extraArgs = [], logLevel = 'info' } = {}) {
  const udp = await freePort('udp');
  const bin = path.join(repoRoot, '.cache', 'bin', 'kazoo-dev');
  const proc = spawn(bin, [
    '-addr', addr ?? '127.0.0.1:0',
    '-sip-udp', `127.0.0.1:${udp}`,
    '-web', path.join(repoRoot, 'web'),
    '-dist', path.join(repoRoot, 'dist'),
    '-mount', `/test/=${path.join(repoRoot, 'tests', 'playwright', 'pages')}`,
    '-domain', realm,
    '-log-level', logLevel,
    ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  proc.stderr.on('data', (d) => {
    log.push(String(d));
    if (process.env.KAZOO_DEV_LOG) process.stderr.write(d);
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0].replace(/\/$/, ''));
    });
    proc.once('exit', (code) => reject(new Error(`kazoo-dev exited with ${code} (run ./build.sh first): ${log.join('')}`)));
    proc.once('error', reject);
  });
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws') + '/sip',
    relayUrl: url.replace(/^http/, 'ws') + '/relay',
    realm,
    ports: { udp },
    pid: proc.pid,
    log: () => log.join(''),
    /** The Contact URIs bound to user, as `kamcmd ul.lookup` shows them for Kamailio. */
    async lookup(user) {
      const res = await fetch(`${url}/api/registrations?user=${encodeURIComponent(user)}`);
      return (await res.json()).map((b) => `${b.contact};source=${b.transport.toLowerCase()}:${b.source}`);
    },
    /** /config.json as the demo page reads it. */
    async config() {
      return (await fetch(`${url}/config.json`)).json();
    },
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * startLab's twin on kazoo-dev: lab.kamailio and lab.server are both the
 * kazoo-dev process (lab.sip names it plainly).
 */
export async function startDevLab({ media = false, extraArgs } = {}) {
  const dev = await startDev({ extraArgs });
  try {
    const audioFile = media ? await makeTone({ freq: browserTone, seconds: 120 }) : undefined;
    const browser = await launchBrowser({ audioFile });
    const stopAll = async () => {
      await browser.close().catch(() => {});
      await dev.stop();
    };
    return makeLab({ kamailio: dev, server: dev, browser, stopAll });
  } catch (e) {
    await dev.stop();
    throw e;
  }
}
