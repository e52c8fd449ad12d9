// The kazoo demo softphone. It uses only the public kazoo API (the global
// from /dist/kazoo.js, see dist/kazoo.d.ts) and standard web APIs. Names
// and addresses that come from the network are only ever set as
// textContent. This file makes the page's parts and wires them: the
// log-in and registration are js/session.js's, the calls js/calls.js's,
// the list of several calls js/lines.js's.
import { loadConfig, echoTarget } from './js/settings.js';
import { errorText } from './js/words.js';
import { Sounds } from './js/sounds.js';
import { LevelMeters } from './js/meters.js';
import { DevicePicker } from './js/devices.js';
import { ConnectionCheck } from './js/check.js';
import { QualityNotices } from './js/warnings.js';
import { $, log, notify } from './js/ui.js';
import { fillLogin, pickAccount } from './js/loginform.js';
import { isUp, openTransfer as showTransferForm } from './js/callview.js';
import { Chat } from './js/chat.js';
import { Colleagues } from './js/colleagues.js';
import { Consult } from './js/consult.js';
import { Lines } from './js/lines.js';
import { Calls } from './js/calls.js';
import { Session } from './js/session.js';

let config = { wsUrl: '', domain: '', accounts: [] };
const sounds = new Sounds();

/** Everything the page knows; render() shows it. */
const app = {
  phase: 'loading', // loading | login | connecting | registered
  conn: 'ok', // registered only: ok | lost | reconnecting | replaced
  attempt: 0,
  offline: false,
  loginError: null, // the last log-in error {key, …}
  account: null, // {user, domain, displayName, wsUrl, rtmp}
  call: null, // the current call's record (see calls.js newCall)
};

/** A failed operation or an error report, in words; the same key replaces itself. */
function problem(err) {
  const text = errorText(err, errorContext());
  notify('error', text, { id: `error:${err && err.key}`, timeout: 15_000 });
}

function errorContext() {
  const a = app.account || session.readForm();
  return { rtmp: a.rtmp, wsUrl: a.wsUrl, relayUrl: config.relayUrl };
}

const meters = new LevelMeters({
  mic: $('micMeter'),
  speaker: $('speakerMeter'),
  muted: () => !!(app.call && app.call.muted),
});
const warnings = new QualityNotices({ muted: () => !!(app.call && app.call.muted) });
const devices = new DevicePicker({ sounds, problem: (err) => problem(err) });
const check = new ConnectionCheck({
  target: () => echoTarget(config),
  render: () => render(),
  errorContext: () => errorContext(),
});
const chat = new Chat({ domain: () => (app.account ? app.account.domain : config.domain) });
const colleagues = new Colleagues({ call: (user) => calls.dial(user) });
const lines = new Lines({
  answer: (r) => calls.answer(r),
  decline: (r) => calls.decline(r),
  switchTo: (r) => calls.switchTo(r),
  toggleHold: (r) => calls.toggleHold(r),
  hangUp: (r) => calls.hangUp(r),
});
const calls = new Calls({
  app, sounds, meters, warnings, devices, check, lines, problem, errorContext,
  consult: () => consult,
  render: () => render(),
  openTransfer: (open) => openTransfer(open),
});
const consult = new Consult({
  main: () => app.call,
  newCall: (kind, o) => calls.newCall(kind, o),
  sounds,
  problem: (err) => problem(err),
  render: () => render(),
  rtmp: () => !!(app.account && app.account.rtmp),
});
const session = new Session({
  app, sounds, chat, colleagues, meters, warnings, devices, calls, consult, problem, errorContext,
  config: () => config,
  render: () => render(),
});

// ---------------------------------------------------------------- rendering

function render() {
  calls.renderCalls();
  consult.show();
  colleagues.enable(app.phase === 'registered' && !app.call && !check.running);
  $('checkBtn').disabled = !!app.call || check.running;
  $('echoBtn').disabled = check.running;
}

function openTransfer(open) {
  if (open) consult.open(false);
  showTransferForm(open, app.call);
}

// ---------------------------------------------------------------- wiring

/** A dialpad key, clicked or typed: the number when idle, DTMF in a call. */
function pressKey(key) {
  const b = $('dialpad').querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (b) {
    b.classList.add('pressed');
    setTimeout(() => b.classList.remove('pressed'), 150);
  }
  const c = app.call;
  if (!c) {
    sounds.unlock();
    sounds.beep(key);
    $('number').value += key;
    return;
  }
  const k = consult.call;
  if (k) { // the digits go to the consult call (an IVR, say)
    if (!isUp(k) || !k.obj) return;
    sounds.beep(key);
    k.obj.sendDTMF(key).catch(problem);
    return;
  }
  if (!isUp(c)) return;
  sounds.beep(key);
  c.sent += key;
  render();
  (c.obj ? c.obj.sendDTMF(key) : kazoo.sendDTMF(key)).catch(problem);
}

function wireDialpad() {
  $('dialForm').addEventListener('submit', (e) => { e.preventDefault(); calls.dial($('number').value); });
  $('backspaceBtn').addEventListener('click', () => {
    $('number').value = $('number').value.slice(0, -1);
    $('number').focus();
  });
  $('dialpad').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-key]');
    if (b) pressKey(b.dataset.key);
  });
  // The dialpad is one Tab stop; the arrow keys move between its keys.
  const keys = [...$('dialpad').querySelectorAll('button[data-key]')];
  keys.forEach((k, i) => { k.tabIndex = i === 0 ? 0 : -1; });
  $('dialpad').addEventListener('keydown', (e) => {
    const i = keys.indexOf(e.target);
    const move = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 3, ArrowUp: -3, Home: -i, End: keys.length - 1 - i }[e.key];
    if (i < 0 || move === undefined) return;
    e.preventDefault();
    const next = keys[Math.min(keys.length - 1, Math.max(0, i + move))];
    for (const k of keys) k.tabIndex = k === next ? 0 : -1;
    next.focus();
  });
  // Digits typed anywhere but a text field go to the dialpad.
  document.addEventListener('keydown', (e) => {
    if (app.phase !== 'registered' || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if ($('incomingDialog').open) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement || t.isContentEditable) return;
    if (/^[0-9*#]$/.test(e.key)) {
      e.preventDefault();
      pressKey(e.key);
      if (!app.call) $('number').focus();
    } else if (!app.call && e.key === 'Backspace') {
      e.preventDefault();
      $('number').value = $('number').value.slice(0, -1);
      $('number').focus();
    }
  });
}

function wire() {
  $('login').addEventListener('submit', (e) => session.logIn(e));
  $('account').addEventListener('change', () => pickAccount(config));
  $('user').addEventListener('input', () => {
    if ($('account').value && $('account').value !== $('user').value.trim()) $('account').value = '';
  });
  $('logoutBtn').addEventListener('click', () => session.logOut());
  $('cancelLoginBtn').addEventListener('click', () => session.cancelLogin());
  wireDialpad();
  $('hangupBtn').addEventListener('click', () => calls.hangUp());
  $('muteBtn').addEventListener('click', () => calls.toggleMute());
  $('holdBtn').addEventListener('click', () => calls.toggleHold());
  $('transferToggle').addEventListener('click', () => openTransfer($('transferForm').hidden));
  $('transferCancel').addEventListener('click', () => { openTransfer(false); $('transferToggle').focus(); });
  $('transferForm').addEventListener('submit', (e) => calls.transfer(e));
  $('transferTarget').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); openTransfer(false); $('transferToggle').focus(); }
  });
  consult.wire();
  lines.wire();
  chat.wire();
  colleagues.wire();
  $('echoBtn').addEventListener('click', () => calls.dial(echoTarget(config), 'echo', 'Audio test'));
  $('checkBtn').addEventListener('click', () => {
    if (app.phase !== 'registered' || app.call) return;
    sounds.unlock();
    check.run();
  });
  devices.wire();
  $('answerBtn').addEventListener('click', () => calls.answer());
  $('declineBtn').addEventListener('click', () => calls.decline());
  // Escape on the incoming-call dialog declines (the dialog says so).
  $('incomingDialog').addEventListener('cancel', (e) => { e.preventDefault(); calls.decline(); });

  addEventListener('beforeunload', (e) => {
    if (app.call && isUp(app.call)) e.preventDefault();
  });
}

async function main() {
  wire();
  session.renderStatus();
  let failed = null;
  const loaded = kazoo.init({
    flashContainer: $('flashMissing'),
    // RTMP mode was needed and cannot work here: say why (an unreachable
    // relay is reported by the log-in itself).
    onFlashMissing: (container, err) => {
      log(`audio without WebRTC unavailable: ${err ? err.key : ''}`);
      if (err && err.key === 'server_not_reachable') return;
      container.hidden = false;
      container.textContent = errorText(err || { key: 'rtmp_unavailable' });
    },
  }).catch((err) => { failed = err; });
  [config] = await Promise.all([loadConfig(), loaded]);
  if (failed) {
    app.phase = 'login';
    session.showLoginError(failed);
    $('loginScreen').hidden = false;
    $('loginBtn').disabled = true;
    return;
  }
  log(`kazoo ${kazoo.version} ready`);
  fillLogin(config);
  app.phase = 'login';
  session.renderStatus();
  $('loginScreen').hidden = false;
  ($('user').value ? $('loginBtn') : $('user')).focus();
}

main();
