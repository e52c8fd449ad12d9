// summary.mjs: the last lines of ./build.sh test. It reads `go test -json`
// output and the browser tests' TAP file, prints what failed, and ends with
// "N passed, M failed" (exit status 1 when M > 0).
//
//   node tests/summary.mjs --go gotest.json --tap browser.tap --check=gofmt=0 …
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
const failures = [];
let goFile = null;
let tapFile = null;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--go') goFile = args[++i];
  else if (args[i] === '--tap') tapFile = args[++i];
  else if (args[i].startsWith('--check=')) {
    const [name, status] = args[i].slice('--check='.length).split('=');
    if (status === '0') passed++;
    else { failed++; failures.push(`check ${name} (exit ${status})`); }
  }
}

// Go: count top-level tests; a package that fails outside any test (build
// error, panic, TestMain) counts as one failure.
if (goFile && existsSync(goFile)) {
  const output = new Map(); // "pkg test" -> lines
  const pkgFailedTests = new Map();
  for (const line of readFileSync(goFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) { if (line.trim()) console.log(line); continue; }
    let ev;
    try { ev = JSON.parse(line); } catch { continue; }
    const key = `${ev.Package} ${ev.Test || ''}`;
    if (ev.Action === 'output') {
      if (!output.has(key)) output.set(key, []);
      output.get(key).push(ev.Output);
    }
    if (ev.Test && ev.Test.includes('/')) continue;
    if (ev.Test && ev.Action === 'pass') passed++;
    if (ev.Test && ev.Action === 'fail') {
      failed++;
      failures.push(`go ${ev.Package} ${ev.Test}`);
      pkgFailedTests.set(ev.Package, (pkgFailedTests.get(ev.Package) || 0) + 1);
      process.stdout.write((output.get(key) || []).join(''));
    }
    if (!ev.Test && ev.Action === 'fail' && !pkgFailedTests.get(ev.Package)) {
      failed++;
      failures.push(`go ${ev.Package} (package failed outside any test)`);
      process.stdout.write((output.get(key) || []).join(''));
    }
  }
} else if (goFile) {
  failed++;
  failures.push('go test produced no report');
}

// Browser tests: the TAP summary of node --test.
if (tapFile && existsSync(tapFile)) {
  const tap = readFileSync(tapFile, 'utf8');
  const count = (name) => Number((tap.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) || [0, 0])[1]);
  passed += count('pass');
  const bad = count('fail') + count('cancelled');
  failed += bad;
  for (const m of tap.matchAll(/^\s*not ok \d+ - (.*)$/gm)) failures.push(`browser ${m[1]}`);
  if (!/^# pass \d+$/m.test(tap)) { failed++; failures.push('browser tests did not finish'); }
} else if (tapFile) {
  failed++;
  failures.push('browser tests did not run');
}

if (failures.length) {
  console.log('\nFailed:');
  for (const f of failures) console.log('  - ' + f);
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
