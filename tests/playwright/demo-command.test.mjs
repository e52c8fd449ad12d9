// `./build.sh demo` on a fresh clone of this repository, on a machine that
// has Go and nothing of the lab: the command's PATH holds Go and the few
// shell tools build.sh uses — no brotli, Kamailio, rtpengine, apt-get or
// dpkg. It must build and serve the page and ws://127.0.0.1:8080/sip.
// (The browser tests run in a private network namespace, so the default
// ports are free; elsewhere KAZOO_HTTP_PORT/KAZOO_SIP_PORT move them.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, freePort } from './lib/kamailio.mjs';
import { launchBrowser } from './lib/lab.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kazoo-fresh-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// The tools build.sh demo runs, and nothing else.
function minimalPath() {
  const bin = path.join(tmp, 'bin');
  mkdirSync(bin);
  for (const tool of ['bash', 'env', 'dirname', 'mkdir', 'cat', 'cmp', 'mv', 'rm', 'cp', 'stat', 'id', 'sed', 'printf']) {
    const p = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find(existsSync);
    if (p) symlinkSync(p, path.join(bin, tool));
  }
  return `${bin}:/usr/local/go/bin`;
}

async function inNamespace() {
  // Inside the tests' private namespace 8080 is free; on host loopback it may not be.
  const probe = spawn('ip', ['netns', 'identify'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  probe.stdout.on('data', (d) => { out += d; });
  await new Promise((r) => probe.once('exit', r));
  return out.trim() !== '';
}

test('./build.sh demo on a fresh clone with only Go: the page and ws://…/sip answer', { timeout: 240_000 }, async () => {
  const clone = path.join(tmp, 'kazoo');
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, clone]);
  // The working tree's uncommitted changes are not part of a clone: test what is committed.
  const ns = await inNamespace();
  const port = ns ? 8080 : await freePort();
  const sipPort = ns ? 5060 : await freePort('udp');
  const env = {
    PATH: minimalPath(), HOME: process.env.HOME, GOCACHE: execFileSync('go', ['env', 'GOCACHE']).toString().trim(),
    GOMODCACHE: execFileSync('go', ['env', 'GOMODCACHE']).toString().trim(), GOTOOLCHAIN: 'local',
    KAZOO_HTTP_PORT: String(port), KAZOO_SIP_PORT: String(sipPort),
  };
  const proc = spawn(path.join(clone, 'build.sh'), ['demo'], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.split('\n')[0].trim());
      });
      proc.once('exit', (code) => reject(new Error(`build.sh demo exited with ${code}:\n${stderr}`)));
    });
    assert.equal(url, `http://127.0.0.1:${port}/`);
    assert.doesNotMatch(stderr, /apt-get|brotli:/, 'build.sh demo tried to install or compress with a tool');
    const page = await fetch(url, { headers: { 'Accept-Encoding': 'br' } });
    assert.equal(page.status, 200);
    const wasm = await fetch(`${url}dist/kazoo.wasm`, { headers: { 'Accept-Encoding': 'br' } });
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.equal(wasm.headers.get('content-encoding'), 'br');
    // A browser opens the SIP WebSocket (subprotocol sip) and pings the server.
    const browser = await launchBrowser();
    try {
      const p = await browser.newPage();
      await p.goto(url);
      const answer = await p.evaluate((ws) => new Promise((resolve, reject) => {
        const s = new WebSocket(ws, 'sip');
        s.onerror = () => reject(new Error('WebSocket failed'));
        s.onopen = () => s.send('OPTIONS sip:lab.test SIP/2.0\r\nVia: SIP/2.0/WS t.invalid;branch=z9hG4bK1\r\n'
          + 'From: <sip:1001@lab.test>;tag=1\r\nTo: <sip:lab.test>\r\nCall-ID: fresh\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n');
        s.onmessage = (e) => resolve({ protocol: s.protocol, line: String(e.data).split('\r\n')[0] });
      }), `ws://127.0.0.1:${port}/sip`);
      assert.deepEqual(answer, { protocol: 'sip', line: 'SIP/2.0 200 Keepalive' });
    } finally {
      await browser.close();
    }
  } finally {
    const exited = new Promise((r) => proc.once('exit', r));
    try { process.kill(-proc.pid, 'SIGINT'); } catch { /* gone */ }
    await exited;
  }
});
