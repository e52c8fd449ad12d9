// One way to run the lab's daemons (Kamailio, rtpengine, baresip): spawn
// with stdout+stderr into a log file, track the exit, read the log, stop
// by PID with escalating signals. Daemons still running when this Node
// process exits are killed.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

const live = new Set();
process.on('exit', () => {
  for (const pid of live) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
});

/**
 * Spawns bin with args, its output appended to logFile. Returns
 * {pid, exited (promise of {code, signal, error?}), exitInfo() (null while
 * running), log() (the file so far; frozen by terminate), startupError(name,
 * notReady), terminate(steps, alsoKill)}.
 */
export function spawnDaemon(bin, args, { logFile, cwd } = {}) {
  const logFd = openSync(logFile, 'a');
  let child;
  try {
    child = spawn(bin, args, { stdio: ['ignore', logFd, logFd], cwd });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    const done = (info) => { exitInfo = info; live.delete(pid); resolve(info); };
    child.once('exit', (code, signal) => done({ code, signal }));
    child.once('error', (error) => done({ code: null, signal: null, error }));
  });
  if (pid) live.add(pid);

  let finalLog = null;
  const readLog = () => { try { return readFileSync(logFile, 'utf8'); } catch { return ''; } };
  return {
    pid,
    exited,
    exitInfo: () => exitInfo,
    log: () => finalLog ?? readLog(),
    /**
     * The Error for a daemon that did not become ready: it failed to
     * spawn, it exited, or (still running) notReady; with the log's tail.
     */
    startupError(name, notReady) {
      const why = exitInfo
        ? (exitInfo.error ? `failed to spawn: ${exitInfo.error.message}` : `exited during startup (code ${exitInfo.code}, signal ${exitInfo.signal})`)
        : notReady;
      return new Error(`${name} ${why}; log tail:\n${(finalLog ?? readLog()).split('\n').slice(-30).join('\n')}`);
    },
    /**
     * Sends each [signal, ms] step in turn, waiting up to ms for the exit
     * before the next; SIGKILL steps also go to alsoKill. Resolves the
     * exit info, with the log frozen.
     */
    async terminate(steps = [['SIGTERM', 5000], ['SIGKILL', 5000]], alsoKill = []) {
      for (const [sig, ms] of steps) {
        if (exitInfo) break;
        for (const p of sig === 'SIGKILL' ? [pid, ...alsoKill] : [pid]) {
          try { process.kill(p, sig); } catch { /* gone */ }
        }
        let timer;
        await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, ms); })]);
        clearTimeout(timer);
      }
      await exited;
      finalLog = readLog();
      return exitInfo;
    },
  };
}
