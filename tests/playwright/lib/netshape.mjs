// Link shaping for tests: delay and loss of the UDP packets to and from a
// port range (the media path: rtpengine's relay ports), so SIP, HTTP and
// the browser's DevTools pipe are untouched. The lab's kernel has no
// netem qdisc, so the shaping is netfilter's, in the test's own network
// namespace (it refuses to run in any other):
//   - loss: iptables' statistic match drops packets at random in the kernel;
//   - delay: an NFQUEUE rule hands the packets to kazoo-netshape
//     (internal/cmd/netshape, built by ./build.sh), which holds each for
//     the delay and then accepts it, in order. --queue-bypass lets packets
//     through undelayed whenever kazoo-netshape is not running.
// Every rule lives in one chain, KAZOO-SHAPE, jumped to from OUTPUT: on
// loopback every packet passes OUTPUT once, so the rules see each packet
// of every leg once. Needs root and iptables (Debian package iptables).
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import path from 'node:path';
import { repoRoot } from './kamailio.mjs';

const exec = promisify(execFile);

/** The chain that holds every shaping rule. */
export const CHAIN = 'KAZOO-SHAPE';

/** kazoo-netshape, as ./build.sh builds it. */
export const netshapeBin = path.join(repoRoot, '.cache', 'bin', 'kazoo-netshape');

const READY_TIMEOUT_MS = 5000;

/** Runs iptables (-w: waits for the xtables lock) and resolves its stdout. */
async function iptables(...args) {
  const { stdout } = await exec('iptables', ['-w', ...args]);
  return stdout;
}

/**
 * Why this process may not shape here, or null when it may: it must run
 * in a network namespace of its own (`ip netns exec`, as the tests do)
 * that has no default route, never in the machine's own, whose real
 * traffic the rules would shape.
 */
export async function notOwnNamespace() {
  let name;
  try {
    name = (await exec('ip', ['netns', 'identify', String(process.pid)])).stdout.trim();
  } catch (e) {
    return `ip netns identify failed: ${e.message}`;
  }
  if (!name) return 'not inside a named network namespace (run under ip netns exec)';
  const routes = (await exec('ip', ['route', 'show', 'default'])).stdout.trim();
  if (routes) return `network namespace ${name} has a default route (${routes}): not a test namespace`;
  return null;
}

/**
 * Starts shaping in this network namespace. match.udpPorts is [min, max]:
 * the UDP ports whose packets are shaped, as destination ("to") and/or
 * source ("from") port: match.direction 'both' (default), 'to' or 'from'.
 * queue is the NFQUEUE number (default 7). Resolves with
 *   delay(ms)       hold every matched packet ms (0: no delay); a change
 *                   reconfigures the running kazoo-netshape
 *   loss(percent)   drop that share of the matched packets (0: none)
 *   clear()         no delay, no loss: every rule removed
 *   stop()          clear() and remove the chain
 *   rules()         the chain's rules (iptables -S), for diagnostics
 */
export async function startShaper({ match, queue = 7 } = {}) {
  const why = await notOwnNamespace();
  if (why) throw new Error(`netshape refuses to shape: ${why}`);
  const [min, max] = match?.udpPorts ?? [];
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max) {
    throw new Error(`netshape: match.udpPorts must be [min, max], got ${JSON.stringify(match?.udpPorts)}`);
  }
  const direction = match.direction ?? 'both';
  const range = `${min}:${max}`;
  const selectors = {
    both: [['--dport', range], ['--sport', range]],
    to: [['--dport', range]],
    from: [['--sport', range]],
  }[direction];
  if (!selectors) throw new Error(`netshape: match.direction must be both, to or from, got ${direction}`);

  // A fresh chain (an old test's leftovers flushed), jumped to first.
  try { await iptables('-N', CHAIN); } catch { await iptables('-F', CHAIN); }
  try { await iptables('-C', 'OUTPUT', '-j', CHAIN); } catch { await iptables('-I', 'OUTPUT', '1', '-j', CHAIN); }

  let lossRules = [];
  let delayRules = [];
  let shaper = null; // the running kazoo-netshape

  const removeRules = async (rules) => {
    for (const r of rules) await iptables('-D', CHAIN, ...r);
  };

  const stopShaper = async () => {
    const s = shaper;
    shaper = null;
    if (!s || s.exited) return;
    const gone = new Promise((resolve) => s.proc.once('exit', resolve));
    s.proc.kill('SIGTERM');
    await gone;
  };

  const startProgram = async (ms) => {
    try { accessSync(netshapeBin, constants.X_OK); } catch {
      throw new Error(`${netshapeBin} not found (run ./build.sh first)`);
    }
    const proc = spawn(netshapeBin, ['-queue', String(queue), '-delay', `${ms}ms`, '-stdin'],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    const s = { proc, exited: false, stderr: '', waiters: [] };
    proc.stderr.on('data', (d) => { s.stderr += d; });
    const lines = createInterface({ input: proc.stdout });
    lines.on('line', (line) => { s.waiters.shift()?.resolve(line); });
    proc.once('exit', (code, signal) => {
      s.exited = true;
      for (const w of s.waiters.splice(0)) w.reject(new Error(`kazoo-netshape exited (${code ?? signal}): ${s.stderr.trim()}`));
    });
    proc.once('error', (e) => { for (const w of s.waiters.splice(0)) w.reject(e); });
    /** The program's next stdout line, within READY_TIMEOUT_MS. */
    s.nextLine = () => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kazoo-netshape: no answer within ${READY_TIMEOUT_MS} ms: ${s.stderr.trim()}`)), READY_TIMEOUT_MS);
      s.waiters.push({
        resolve: (l) => { clearTimeout(timer); resolve(l); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
    });
    shaper = s;
    const ready = await s.nextLine().catch(async (e) => { await stopShaper(); throw e; });
    if (!ready.startsWith(`netshape: queue ${queue} bound`)) {
      await stopShaper();
      throw new Error(`kazoo-netshape: unexpected first line ${JSON.stringify(ready)}`);
    }
  };

  const api = {
    async delay(ms) {
      if (!(ms >= 0)) throw new Error(`netshape: bad delay ${ms}`);
      if (ms === 0) {
        await removeRules(delayRules);
        delayRules = [];
        await stopShaper();
        return;
      }
      if (shaper) {
        const answer = shaper.nextLine();
        shaper.proc.stdin.write(`delay ${ms}ms\n`);
        const line = await answer;
        if (!line.startsWith('delay ')) throw new Error(`kazoo-netshape answered ${JSON.stringify(line)}`);
      } else {
        await startProgram(ms);
      }
      if (!delayRules.length) {
        delayRules = selectors.map((sel) => ['-p', 'udp', ...sel, '-j', 'NFQUEUE', '--queue-num', String(queue), '--queue-bypass']);
        for (const r of delayRules) await iptables('-A', CHAIN, ...r);
      }
    },
    async loss(percent) {
      if (!(percent >= 0 && percent <= 100)) throw new Error(`netshape: bad loss ${percent}`);
      await removeRules(lossRules);
      lossRules = [];
      if (percent === 0) return;
      // Before the delay rules: a dropped packet is not held first.
      lossRules = selectors.map((sel) => ['-p', 'udp', ...sel, '-m', 'statistic', '--mode', 'random',
        '--probability', String(percent / 100), '-j', 'DROP']);
      for (const r of lossRules) await iptables('-I', CHAIN, '1', ...r);
    },
    async clear() {
      await iptables('-F', CHAIN);
      lossRules = [];
      delayRules = [];
      await stopShaper();
    },
    async stop() {
      await api.clear();
      await iptables('-D', 'OUTPUT', '-j', CHAIN).catch(() => {});
      await iptables('-X', CHAIN).catch(() => {});
    },
    rules: () => iptables('-S', CHAIN),
  };
  return api;
}
