// The npm package `kazoo` as a user gets it: ./build.sh pack, then
// `npm install <tarball>` into a scratch app (offline: the package has no
// dependencies), type-checked with TypeScript (strict) and bundled with
// Vite (both from this directory's node_modules), served by a small static
// server, and registering at a real Kamailio from Debian Chromium — as an
// ES module, as a script tag, and both on one page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { mkdtemp, mkdir, writeFile, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKamailio, freePort, repoRoot, accounts, realm } from './lib/kamailio.mjs';
import { chromium } from 'playwright-core';
import { launchBrowser, chromiumArgs, waitEvent, loadKazoo, register, registerParams, until } from './lib/lab.mjs';

// The tools run without colours: vite and tsc colour their output when CI or
// FORCE_COLOR is set, which puts escapes inside the URL and the errors read here.
const { FORCE_COLOR, ...env } = process.env;
const plainEnv = { ...env, NO_COLOR: '1' };
const run = (file, args, opts) => promisify(execFile)(file, args, { env: plainEnv, ...opts });
const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules', '.bin');

let app; // the scratch app directory
let kamailio;
let browser;
let server;
let wasmSize; // bytes of the packed kazoo.wasm
let version; // the package's version
let license; // the package's licence field

before(async () => {
  const packed = await run('bash', [path.join(repoRoot, 'build.sh'), 'pack'], { cwd: repoRoot, maxBuffer: 1 << 24 });
  const tarball = packed.stdout.trim().split('\n').pop();
  assert.ok(path.isAbsolute(tarball) && tarball.endsWith('.tgz'), `pack printed ${tarball}`);
  app = await mkdtemp(path.join(os.tmpdir(), 'kazoo-npm-app-'));
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: app });
  wasmSize = (await stat(path.join(app, 'node_modules', 'kazoo', 'kazoo.wasm'))).size;
  ({ version, license } = JSON.parse(await readFile(path.join(app, 'node_modules', 'kazoo', 'package.json'), 'utf8')));
  await writeApp(app);
  kamailio = await startKamailio();
  server = await serve(app);
  browser = await launchBrowser();
}, { timeout: 180_000 });

test('the package carries its licence and the licences of what kazoo.wasm and kazoo.js include', async () => {
  assert.equal(license, 'MIT');
  assert.match(await readFile(path.join(app, 'node_modules', 'kazoo', 'LICENSE'), 'utf8'), /MIT License/);
  const third = await readFile(path.join(app, 'node_modules', 'kazoo', 'THIRD_PARTY_LICENSES'), 'utf8');
  for (const m of ['Go (runtime', 'github.com/emiago/sipgo@', 'github.com/pion/webrtc/v4@', 'github.com/coder/websocket@', 'github.com/hack-pad/safejs@']) {
    assert.ok(third.includes(`==== ${m}`), `THIRD_PARTY_LICENSES lacks ${m}`);
  }
});

after(async () => {
  await browser?.close();
  await server?.close();
  await kamailio?.stop();
  if (app) await rm(app, { recursive: true, force: true });
});

test('types: strict tsc accepts typed ESM, namespace, default and global use, and rejects wrong ones', async () => {
  // src/ (the app) and types/ check clean; every @ts-expect-error there
  // must meet an error, so types that were `any` would fail too.
  await run(path.join(bin, 'tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: app }).catch((e) => {
    assert.fail(`tsc on the typed app failed:\n${e.stdout}${e.stderr}`);
  });
  // A file that must not type-check: register() given a number as wsUrl.
  const wrong = await run(path.join(bin, 'tsc'), ['-p', 'tsconfig.wrong.json', '--pretty', 'false'], { cwd: app }).then(
    () => assert.fail('tsc accepted wrong.ts'),
    (e) => e.stdout + e.stderr,
  );
  assert.match(wrong, /wrong\.ts\(3,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
});

test('vite build: kazoo.wasm and the worklet bundled as assets, import { init, register } registers', async () => {
  await run(path.join(bin, 'vite'), ['build', '--base', '/dist/', '--logLevel', 'warn'], { cwd: app });
  const assets = await readdir(path.join(app, 'dist', 'assets'));
  const wasm = assets.find((f) => f.endsWith('.wasm'));
  assert.ok(wasm, `no .wasm among ${assets}`);
  assert.ok(assets.some((f) => /^kazoo-audio-worklet.*\.js$/.test(f)), `no worklet among ${assets}`);

  const before = server.served.length;
  const page = await openPage(`/dist/?${appQuery('1004')}`);
  await waitEvent(page, 'onConnected');
  const contacts = await kamailio.lookup('1004');
  assert.equal(contacts.length, 1, `bindings: ${JSON.stringify(contacts)}`);
  assert.deepEqual(await page.evaluate(() => window.facts), {
    version, namespaceInit: true, defaultInit: true, globalKazoo: false, globalGo: false,
  });
  // kazoo.wasm came from where Vite put it, uncompressed: onProgress knew the total.
  const fetched = server.served.slice(before).filter((s) => s.path.endsWith('.wasm'));
  assert.deepEqual(fetched.map((s) => s.path), [`/dist/assets/${wasm}`]);
  assertProgress(await page.evaluate(() => window.progress), wasmSize);
  await page.evaluate(() => window.kazooModule.logout());
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('vite dev server: the pre-bundled module still finds kazoo.wasm, with no config, and registers', async () => {
  const port = await freePort('tcp');
  const vite = spawn(path.join(bin, 'vite'), ['--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: app, stdio: ['ignore', 'pipe', 'pipe'], env: plainEnv,
  });
  try {
    await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`vite dev did not start:\n${out}`)), 20_000);
      const seen = (d) => { out += d; if (out.includes(`:${port}/`)) { clearTimeout(timer); resolve(); } };
      vite.stdout.on('data', seen);
      vite.stderr.on('data', seen);
      vite.once('exit', (code) => { clearTimeout(timer); reject(new Error(`vite dev exited ${code}:\n${out}`)); });
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    const responses = [];
    page.on('response', (r) => responses.push(`${r.status()} ${new URL(r.url()).pathname}`));
    await page.goto(`http://127.0.0.1:${port}/?${appQuery('1007')}`);
    await waitEvent(page, 'onConnected', 30_000);
    assert.equal((await kamailio.lookup('1007')).length, 1);
    // The module ran pre-bundled (from node_modules/.vite/deps/), its wasm from the package.
    assert.ok(responses.includes('200 /node_modules/.vite/deps/kazoo.js'), responses.join('\n'));
    assert.deepEqual(responses.filter((r) => r.endsWith('.wasm')), ['200 /node_modules/kazoo/kazoo.wasm']);
    await page.evaluate(() => window.kazooModule.logout());
    await context.close();
  } finally {
    const exited = new Promise((r) => vite.once('exit', r));
    vite.kill('SIGTERM');
    await exited;
  }
});

test('script tag from node_modules/kazoo/kazoo.js registers', async () => {
  const page = await openPage('/script.html');
  assert.equal(await page.evaluate(() => typeof kazoo.register), 'function');
  await loadKazoo(page);
  await register(page, registerParams({ kamailio }, '1005'));
  await waitEvent(page, 'onConnected');
  assert.equal((await kamailio.lookup('1005')).length, 1);
  assert.equal(await page.evaluate(() => 'Go' in window), false, 'wasm_exec.js Go leaked');
  await page.evaluate(() => kazoo.logout());
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('onProgress: loaded increases to the bytes of kazoo.wasm, total known despite gzip, before onLoaded', async () => {
  const page = await openPage('/script.html');
  await page.evaluate(() => {
    window.progress = [];
    kazoo.init({
      onLoaded: cb('onLoaded'),
      onProgress: (p) => window.progress.push({ ...p, loadedYet: window.events.some((e) => e.name === 'onLoaded') }),
    });
  });
  await waitEvent(page, 'onLoaded');
  const progress = await page.evaluate(() => window.progress);
  assert.ok(progress.every((p) => !p.loadedYet), 'onProgress after onLoaded');
  // Served with Content-Encoding: gzip, so Content-Length was the
  // compressed size: loaded counts what arrived after decoding.
  const [fetched] = server.served.filter((s) => s.path === '/node_modules/kazoo/kazoo.wasm').slice(-1);
  assert.equal(fetched.encoding, 'gzip');
  assert.ok(fetched.wireBytes < wasmSize);
  assert.equal(fetched.bytes, wasmSize);
  assertProgress(progress.map(({ loaded, total }) => ({ loaded, total })), wasmSize);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('onProgress keeps Chromium\'s wasm code cache: the second visit compiles from it', async () => {
  // A real profile (the code cache is on disk), and V8 told to cache soon:
  // by default it caches only after 1 MB of optimized code, which an idle
  // page never reaches.
  const profile = await mkdtemp(path.join(os.tmpdir(), 'kazoo-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: [...chromiumArgs, '--js-flags=--wasm-caching-threshold=1000 --wasm-caching-hard-threshold=2000 --wasm-caching-timeout-ms=100'],
  });
  const cacheDir = path.join(profile, 'Default', 'Code Cache', 'wasm');
  const cached = async () => (await readdir(cacheDir).catch(() => [])).filter((f) => /_0$/.test(f)).length;
  try {
    const visit = async () => {
      const page = await context.newPage();
      await page.goto(server.url + '/cached.html');
      await waitEvent(page, 'onLoaded');
      return page;
    };
    const first = await visit();
    await until(cached, { timeout: 15_000, what: 'a compiled kazoo.wasm in the code cache' });
    await first.close();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const events = [];
    cdp.on('Tracing.dataCollected', (e) => { for (const x of e.value) if (x.name.startsWith('v8.wasm.')) events.push(x.name); });
    const complete = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] } });
    await page.goto(server.url + '/cached.html');
    await waitEvent(page, 'onLoaded');
    await cdp.send('Tracing.end');
    await complete;
    assert.ok(events.includes('v8.wasm.moduleCacheHit'), `no code cache hit: ${events}`);
    const progress = await page.evaluate(() => window.progress);
    assert.equal(progress.at(-1).loaded, wasmSize, 'onProgress did not run on the second visit');
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
});

test('script and module on one page share one runtime: one kazoo.wasm fetch, init by one, register by the other', async () => {
  const before = server.served.length;
  const page = await openPage('/both.html');
  await page.waitForFunction(() => window.kazooModule, null, { timeout: 5_000 });
  await page.evaluate(() => window.kazooModule.init({ onLoaded: cb('onLoaded') }));
  await waitEvent(page, 'onLoaded');
  await register(page, registerParams({ kamailio }, '1006')); // through the global
  await waitEvent(page, 'onConnected');
  assert.equal((await kamailio.lookup('1006')).length, 1);
  const wasmFetches = server.served.slice(before).filter((s) => s.path.endsWith('.wasm'));
  assert.equal(wasmFetches.length, 1, JSON.stringify(wasmFetches));
  assert.equal(await page.evaluate(() => kazoo.version === window.kazooModule.version), true);
  await page.evaluate(() => window.kazooModule.logout());
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('<link rel="preload" as="fetch" crossorigin> of kazoo.wasm is the response init() uses: one fetch', async () => {
  const before = server.served.length;
  const page = await openPage('/preload.html');
  await loadKazoo(page);
  const wasmFetches = server.served.slice(before).filter((s) => s.path.endsWith('.wasm'));
  assert.equal(wasmFetches.length, 1, JSON.stringify(wasmFetches));
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

/** First call loaded 0, then strictly increasing, last loaded === total === size. */
function assertProgress(progress, size) {
  assert.ok(progress.length >= 3, `only ${progress.length} onProgress calls`);
  assert.equal(progress[0].loaded, 0);
  for (let i = 1; i < progress.length; i++) {
    assert.ok(progress[i].loaded > progress[i - 1].loaded, `loaded not increasing at ${i}: ${JSON.stringify(progress.slice(i - 1, i + 1))}`);
  }
  assert.deepEqual(progress.at(-1), { loaded: size, total: size });
  assert.ok(progress.every((p) => p.total === size), 'total changed during the download');
}

function appQuery(user) {
  const a = accounts.find((x) => x.user === user);
  return new URLSearchParams({ ws: kamailio.wsUrl, realm, user, password: a.password }).toString();
}

async function openPage(p) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  await page.goto(server.url + p);
  return page;
}

/**
 * A static server for dir on 127.0.0.1 with the right types (.wasm as
 * application/wasm). The package's own kazoo.wasm goes out gzip-encoded,
 * as a production server would send it; the Vite build's as it is.
 * served lists {path, bytes, wireBytes, encoding} per response.
 */
async function serve(dir) {
  const types = {
    '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
    '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json',
  };
  const served = [];
  const srv = http.createServer(async (req, res) => {
    let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (p.endsWith('/')) p += 'index.html';
    const file = path.join(dir, path.normalize(p));
    let body;
    try {
      if (!file.startsWith(dir + path.sep)) throw new Error('outside');
      body = await readFile(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    // Cacheable, as Chromium's code cache needs (each test's fresh context starts empty).
    const headers = { 'Content-Type': types[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'max-age=3600' };
    let wire = body;
    if (p.startsWith('/node_modules/') && p.endsWith('.wasm') && /\bgzip\b/.test(req.headers['accept-encoding'] || '')) {
      wire = gzipSync(body, { level: 1 });
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = wire.length;
    served.push({ path: p, bytes: body.length, wireBytes: wire.length, encoding: headers['Content-Encoding'] });
    res.writeHead(200, headers).end(wire);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    served,
    close: () => new Promise((r) => srv.close(r)),
  };
}

// The scratch app: a Vite + TypeScript entry using the package, type
// tests, and two plain pages for the script build.
// scriptPage is a page that records kazoo events (window.events, cb) and
// loads the package's script build; before/after go around that script.
function scriptPage(title, { before = '', globals = '', after = '' } = {}) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
${before ? before + '\n' : ''}<script>
  window.events = [];
${globals ? globals + '\n' : ''}  window.cb = (name) => (arg) => window.events.push({ name, arg });
</script>
<script src="/node_modules/kazoo/kazoo.js"></script>
${after ? after + '\n' : ''}</head><body></body></html>
`;
}

async function writeApp(dir) {
  const files = {
    'index.html': `<!doctype html>
<html><head><meta charset="utf-8"><title>kazoo from npm</title>
<script type="module" src="/src/main.ts"></script></head><body></body></html>
`,
    'src/main.ts': `import { init, register, type KazooError, type LoadProgress } from 'kazoo';
import * as kazooModule from 'kazoo';
import kazooDefault from 'kazoo';

declare global {
  interface Window {
    events: { name: string; arg?: unknown }[];
    progress: LoadProgress[];
    facts: Record<string, unknown>;
    kazooModule: typeof kazooModule;
  }
}

window.events = [];
window.progress = [];
window.kazooModule = kazooModule;
const record = (name: string) => (arg?: unknown): void => { window.events.push({ name, arg }); };

const q = new URLSearchParams(location.search);
const user: string = q.get('user') ?? '';
const realm: string = q.get('realm') ?? '';

void init({
  onLoaded: record('onLoaded'),
  onProgress: (p: LoadProgress) => { window.progress.push({ loaded: p.loaded, total: p.total }); },
});
register({
  wsUrl: q.get('ws') ?? '',
  realm,
  publicIdentity: 'sip:' + user + '@' + realm,
  privateIdentity: user,
  password: q.get('password') ?? undefined,
  onConnected: record('onConnected'),
  onError: (e: KazooError) => record('onError')({ key: e.key, message: e.message }),
  onNotified: (n) => {
    if (n.key === 'reconnecting_notification') record('reconnecting')(n.attempt);
  },
}).catch((e: KazooError) => record('registerRejected')(e.key));

window.facts = {
  version: kazooModule.version,
  namespaceInit: kazooModule.init === init,
  defaultInit: kazooDefault.init === init,
  globalKazoo: 'kazoo' in window,
  globalGo: 'Go' in window,
};
`,
    'types/usage.ts': `// Typed use of the module beyond the app: calls, errors, notifications.
import { connect, hold, getStats, muteMicrophone, sendDTMF, type Call, type CallStats, type KazooError, type KazooNotification } from 'kazoo';

export async function call(uri: string): Promise<number> {
  const c: Call = await connect(uri);
  await c.hold(true);
  await hold(false);
  await sendDTMF('123#');
  await muteMicrophone(true, () => undefined, (e: KazooError) => console.log(e.key, e.code, e.source));
  const s: CallStats = await getStats();
  return s.mode === 'webrtc' ? s.roundTripTime : s.inbound.bufferMs;
}

export function describe(n: KazooNotification): string {
  switch (n.key) {
    case 'voicemail_notification': return n.newMessages + ' new';
    case 'connectivity_notification': return n.status;
    case 'transfer_notification': return n.target;
    default: return n.message;
  }
}

export function wrong(e: KazooError, n: KazooNotification): void {
  // @ts-expect-error: not an error key
  if (e.key === 'no_such_key') return;
  // @ts-expect-error: attempt is only on reconnecting_notification
  console.log(n.attempt);
  // @ts-expect-error: onProgress takes {loaded, total}
  void import('kazoo').then((k) => k.init({ onProgress: (p: number) => p }));
  // @ts-expect-error: connect needs a URI
  void connect();
  // @ts-expect-error: warmup is 'full', 'connection' or 'none'
  void import('kazoo').then((k) => k.register({ wsUrl: 'wss://sip.example.com', publicIdentity: 'sip:a@example.com', warmup: 'always' }));
  void import('kazoo').then((k) => k.register({ wsUrl: 'wss://sip.example.com', publicIdentity: 'sip:a@example.com', warmup: 'connection' }));
}
`,
    'types/global.ts': `/// <reference types="kazoo" />
// The script build's global, from a script (not a module).
kazoo.init({ onLoaded: () => kazoo.register({ wsUrl: 'wss://sip.example.com', publicIdentity: 'sip:a@example.com' }) });
const whole: kazoo.Kazoo = kazoo;
whole.monitorConnectivity(false);
`,
    'wrong/wrong.ts': `import { register } from 'kazoo';

void register({ wsUrl: 42, publicIdentity: 'sip:a@example.com' });
`,
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        strict: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler',
        lib: ['es2022', 'dom'], noEmit: true, types: [], skipLibCheck: false,
      },
      include: ['src', 'types'],
    }, null, 2),
    'tsconfig.wrong.json': JSON.stringify({ extends: './tsconfig.json', include: ['wrong'] }),
    'script.html': scriptPage('kazoo script'),
    'preload.html': scriptPage('kazoo preloaded', {
      before: '<link rel="preload" href="/node_modules/kazoo/kazoo.wasm" as="fetch" type="application/wasm" crossorigin>',
    }),
    'cached.html': scriptPage('kazoo cached', {
      globals: '  window.progress = [];',
      after: "<script>kazoo.init({ onLoaded: cb('onLoaded'), onProgress: (p) => window.progress.push(p) });</script>",
    }),
    'both.html': scriptPage('kazoo script and module', {
      after: `<script type="module">
  import * as kazooModule from '/node_modules/kazoo/kazoo.mjs';
  window.kazooModule = kazooModule;
</script>`,
    }),
  };
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
}
