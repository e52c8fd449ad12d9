// The kazoo demo softphone. It uses only the public kazoo API (the global
// from /dist/kazoo.js, see dist/kazoo.d.ts) and standard web APIs. Names
// and addresses that come from the network are only ever set as
// textContent.
import { loadConfig, loadSettings, saveSettings, echoTarget } from './js/settings.js';
import { errorText, cancelText, voicemailText, clock, userOf } from './js/words.js';
import { Sounds } from './js/sounds.js';
import { LevelMeters } from './js/meters.js';
import { DevicePicker } from './js/devices.js';
import { ConnectionCheck } from './js/check.js';
import { QualityNotices } from './js/warnings.js';
import { $, log, notify, clearNotice } from './js/ui.js';
import { readForm as readLoginForm, fillLogin, pickAccount, loginBusy } from './js/loginform.js';
import {
  isUp, renderCall, openTransfer as showTransferForm, startCallClock, stopCallClock, showIncoming as showIncomingDialog, closeIncoming,
} from './js/callview.js';
import { Chat } from './js/chat.js';
import { Colleagues } from './js/colleagues.js';
import { Consult } from './js/consult.js';

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
  call: null, // see newCall
};

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
const colleagues = new Colleagues({ call: (user) => dial(user) });
const consult = new Consult({
  main: () => app.call,
  newCall: (kind, o) => newCall(kind, o),
  sounds,
  problem: (err) => problem(err),
  render: () => render(),
  rtmp: () => !!(app.account && app.account.rtmp),
});

// ---------------------------------------------------------------- errors and status

/** A failed operation or an error report, in words; the same key replaces itself. */
function problem(err) {
  const text = errorText(err, errorContext());
  notify('error', text, { id: `error:${err && err.key}`, timeout: 15_000 });
}

function errorContext() {
  const a = app.account || readForm();
  return { rtmp: a.rtmp, wsUrl: a.wsUrl, relayUrl: config.relayUrl };
}

function renderStatus() {
  let state;
  let text;
  let key = '';
  const a = app.account;
  switch (app.phase) {
    case 'loading':
      state = 'loading'; text = 'Starting…';
      break;
    case 'connecting':
      state = 'connecting'; text = 'Connecting…';
      break;
    case 'registered':
      if (app.offline) {
        state = 'offline'; text = 'Offline'; key = 'offline';
      } else if (app.conn === 'lost' || app.conn === 'reconnecting') {
        state = 'reconnecting'; key = 'disconnected';
        text = app.attempt ? `Reconnecting… (attempt ${app.attempt})` : 'Connection lost, reconnecting…';
      } else if (app.conn === 'replaced') {
        state = 'error'; text = 'Logged in elsewhere'; key = 'replaced_registration';
      } else {
        state = 'registered'; text = `Online as ${a.user}${a.rtmp ? ' · RTMP' : ''}`;
      }
      break;
    default:
      if (app.loginError) {
        state = 'error'; text = 'Not logged in'; key = app.loginError.key;
      } else {
        state = 'idle'; text = 'Not logged in';
      }
  }
  const s = $('status');
  s.dataset.state = state;
  if (key) s.dataset.key = key; else delete s.dataset.key;
  $('statusText').textContent = text;
}

// ---------------------------------------------------------------- log-in screen

const readForm = () => readLoginForm(config);

function showLoginError(err) {
  app.loginError = err;
  const box = $('loginError');
  box.hidden = false;
  box.dataset.key = err.key || 'error';
  box.textContent = errorText(err, errorContext());
  renderStatus();
}

async function logIn(e) {
  e.preventDefault();
  if (app.phase !== 'login') return;
  const f = readForm();
  $('loginError').hidden = true;
  $('flashMissing').hidden = true;
  if (!f.user) {
    showLoginError({ key: 'missing_user', message: 'Enter your user name.' });
    $('user').focus();
    return;
  }
  sounds.unlock(); // this click lets the page ring later
  app.loginError = null;
  app.phase = 'connecting';
  app.account = { user: f.user, domain: f.domain, displayName: f.displayName, wsUrl: f.wsUrl, rtmp: f.forceRTMP };
  loginBusy(true);
  renderStatus();
  saveSettings(f, config);
  log(`logging in as ${f.user}@${f.domain}${f.forceRTMP ? ' (audio without WebRTC)' : ''}`);
  const params = {
    wsUrl: f.wsUrl,
    realm: f.domain,
    publicIdentity: `sip:${f.user}@${f.domain}`,
    privateIdentity: f.user,
    password: f.password,
    dtmfType: f.dtmfType,
    onConnected, onError, onIncoming, onAccepted, onHangup, onCancel, onRinging, onTransfer, onDTMF, onNotified,
    onMessage: (m) => chat.incoming(m),
    onPresence: (p) => colleagues.presence(p),
    onVolume: (v) => meters.volume(v),
    onQualityWarning: (w) => { if (app.call) warnings.warning(w); },
    onAudioDeviceChange: (change) => {
      log(`audio devices changed: ${change.added.length} added, ${change.removed.length} removed`);
      devices.deviceChanged(change);
    },
  };
  if (f.displayName) params.displayName = f.displayName;
  if (config.relayUrl) {
    params.relayUrl = config.relayUrl;
    if (config.rtmpUrl) params.rtmpUrl = config.rtmpUrl;
  }
  if (f.forceRTMP) params.forceRTMP = true;
  try {
    await kazoo.register(params);
  } catch (err) {
    if (app.phase !== 'connecting') return;
    app.phase = 'login';
    app.account = null;
    loginBusy(false);
    log(`log-in failed: ${err.key}${err.code ? ` (${err.code})` : ''} ${err.message || ''}`);
    showLoginError(err);
    if (err.key === 'unauthorized' || err.key === 'forbidden') $('password').select();
    else $('loginError').focus();
  }
}

function cancelLogin() {
  if (app.phase !== 'connecting') return;
  app.phase = 'login';
  app.account = null;
  loginBusy(false);
  log('log-in cancelled');
  kazoo.logout().catch(() => {});
  renderStatus();
  $('loginBtn').focus();
}

function showPhone() {
  const a = app.account;
  $('loginScreen').hidden = true;
  $('phoneScreen').hidden = false;
  loginBusy(false);
  $('meName').textContent = a.displayName || a.user;
  $('meAddress').textContent = `${a.user}@${a.domain}`;
  $('meInitial').textContent = (a.displayName || a.user).charAt(0).toUpperCase();
  $('modeBadge').textContent = a.rtmp ? 'RTMP' : 'WebRTC';
  $('modeBadge').dataset.mode = a.rtmp ? 'rtmp' : 'webrtc';
  $('lastCall').textContent = '';
  chat.start(a);
  colleagues.start(config, a);
  render();
  devices.refresh();
  $('number').focus();
}

function showLogin() {
  $('phoneScreen').hidden = true;
  $('loginScreen').hidden = false;
  loginBusy(false);
  const s = loadSettings();
  $('password').value = s && s.rememberPassword && s.password ? s.password : '';
  renderStatus();
}

async function logOut() {
  if (app.phase !== 'registered') return;
  app.phase = 'login';
  app.account = null;
  consult.drop();
  finishCall('');
  chat.stop();
  for (const li of [...$('notices').children]) if (li.dataset.kind !== 'error') li.remove();
  $('logoutBtn').disabled = true;
  try {
    await colleagues.stop();
    await kazoo.logout();
  } finally {
    $('logoutBtn').disabled = false;
  }
  log('logged out');
  showLogin();
  $('statusText').textContent = 'Logged out';
  $('user').focus();
}

// ---------------------------------------------------------------- kazoo callbacks

function onConnected() {
  if (app.phase === 'connecting') {
    app.phase = 'registered';
    app.conn = 'ok';
    app.attempt = 0;
    log(`registered as ${app.account.user}@${app.account.domain}`);
    renderStatus();
    showPhone();
    return;
  }
  if (app.phase === 'login') { // the person cancelled or logged out meanwhile
    kazoo.logout().catch(() => {});
    return;
  }
  if (app.phase !== 'registered') return;
  const was = app.conn;
  app.conn = 'ok';
  app.attempt = 0;
  log('registered again');
  clearNotice('connection');
  if (was !== 'ok') notify('online', 'Reconnected.', { id: 'connection', timeout: 6000 });
  renderStatus();
}

function onError(err) {
  log(`error ${err.key}${err.code ? ` (${err.code})` : ''}: ${err.message || ''}`);
  if (app.phase !== 'registered') return; // a log-in error: logIn reports it
  switch (err.key) {
    case 'disconnected':
      app.conn = 'lost';
      notify('connection', errorText(err), { id: 'connection' });
      renderStatus();
      return;
    case 'server_not_reachable':
    case 'unauthorized':
    case 'forbidden':
    case 'registration_failed':
      // A reconnect attempt failed; the loop goes on.
      if (app.conn !== 'ok') {
        notify('connection', `${errorText(err, errorContext())} Still trying…`, { id: 'connection' });
        return;
      }
      break;
    case 'transfer_failed':
      if (app.call) app.call.transferTo = '';
      if (consult.call) consult.call.transferTo = '';
      render();
      break;
    default:
  }
  problem(err);
}

function onIncoming(c) {
  if (app.phase !== 'registered') return;
  if (app.call || check.running) { // one call at a time (the connection check is one)
    c.reject(486).catch(() => {});
    log(`busy: refused a call from ${c.callerNumber || c.remoteUri}`);
    return;
  }
  const number = c.callerNumber || c.remoteUri || '';
  app.call = newCall('incoming', { name: c.callerName || number, number: c.callerName ? number : '', obj: c });
  app.call.state = 'incoming';
  log(`incoming call from ${c.callerName ? `${c.callerName} ` : ''}<${c.remoteUri}>`);
  render();
  showIncoming(app.call);
}

/**
 * The page's record of a callback's call: the consult call's (see
 * consult.owns), else the shown call when it is that call (or its object
 * is not known yet), else null: an old call's late news. (The list of
 * several calls will look its records up here.)
 */
function recordOf(obj) {
  if (consult.owns(obj)) return consult.call;
  const c = app.call;
  return c && (!obj || !c.obj || c.obj === obj) ? c : null;
}

function onRinging(p, obj) {
  log(`ringing (${p.code}${p.earlyMedia ? ', early media' : ''})`);
  if (consult.owns(obj)) { consult.ringing(p); return; }
  const c = recordOf(obj);
  if (!c || c.kind === 'incoming' && !c.transferred) return;
  if (c.state === 'calling' || c.state === 'ringing') {
    c.state = 'ringing';
    // With early media the far end plays its own ringback.
    if (p.earlyMedia) sounds.stop(); else sounds.play('ringback');
    render();
  }
}

function onAccepted(callObj) {
  log('call answered');
  if (consult.owns(callObj)) { consult.accepted(callObj); return; }
  const c = recordOf(callObj);
  if (!c) return;
  if (callObj) c.obj = callObj;
  setActive(c);
}

function onHangup(obj) {
  if (consult.owns(obj)) { log('consult call ended'); consult.hungUp(); return; }
  const c = recordOf(obj);
  if (!c) { log('call ended'); return; }
  const took = c.startedAt ? ` after ${clock(Date.now() - c.startedAt)}` : '';
  const text = c.transferTo ? `Call transferred to ${c.transferTo}.` : `Call with ${c.name} ended${took}.`;
  if (consult.call && !c.transferTo) { takeOverConsult(text); return; }
  consult.drop();
  finishCall(text);
}

/** The first call ended while consulting: the consult call becomes the call. */
function takeOverConsult(text) {
  const k = consult.takeOver();
  app.call = k;
  log(text);
  notify('consult', `${text} You are in the call with ${k.name}.`, { id: 'consult', timeout: 15_000 });
  if (isUp(k)) startCallClock(k); else stopCallClock();
  render();
}

function onCancel(d, obj) {
  log(`call not connected: ${d.code} ${d.message || ''} (${d.source})`);
  if (consult.owns(obj)) { consult.cancelled(d); return; }
  const c = recordOf(obj);
  if (!c) return;
  const text = c.kind === 'echo' && d.source === 'remote'
    ? `The audio test (${c.number}) is not available here (${d.code || 'no answer'}).`
    : cancelText(d, c.name, c.kind === 'incoming' && !c.transferred);
  if (c.kind === 'incoming' && !c.transferred && d.source === 'remote') notify('missed', text, { id: `missed:${c.id}` });
  finishCall(text);
}

function onTransfer() {
  const c = app.call;
  log('transfer succeeded');
  if (c && c.transferTo) notify('transfer', `Call transferred to ${c.transferTo}.`, { id: 'transfer', timeout: 15_000 });
}

function onDTMF(digit) {
  log(`DTMF received: ${digit}`);
  const c = app.call;
  if (!c) return;
  c.received += digit;
  render();
}

function onNotified(n) {
  log(`${n.key}: ${n.message || ''}`);
  if (app.phase !== 'registered') return;
  switch (n.key) {
    case 'reconnecting_notification':
      app.conn = 'reconnecting';
      app.attempt = Number(n.attempt) || app.attempt + 1;
      notify('connection', `Connection lost. Reconnecting (attempt ${app.attempt})…`, { id: 'connection' });
      break;
    case 'connectivity_notification':
      app.offline = n.status === 'offline';
      if (app.offline) notify('connectivity', 'You are offline. The phone reconnects when the network is back.', { id: 'connectivity' });
      else notify('online', 'Back online.', { id: 'connectivity', timeout: 8000 });
      break;
    case 'voicemail_notification': {
      const text = voicemailText(n);
      if (text) notify('voicemail', text, { id: 'voicemail' });
      else clearNotice('voicemail');
      break;
    }
    case 'overriding_registration':
      notify('connection', 'This account also logged in on another device; calls may ring there too.', { id: 'override' });
      break;
    case 'replaced_registration':
      app.conn = 'replaced';
      notify('error', 'This account logged in on another device and replaced this one. Log out and in again to use it here.', { id: 'override' });
      break;
    case 'transfer_notification': {
      const c = app.call;
      const target = String(n.target || '').replace(/^sips?:/, '').replace(/@.*$/, '') || 'another number';
      notify('transfer', `The other person transferred your call to ${target}.`, { id: 'transfer', timeout: 15_000 });
      if (c) {
        // The call to target is a new call object (onAccepted brings it).
        Object.assign(c, { obj: null, name: target, number: '', state: 'calling', transferred: true, muted: false, held: false, sent: '', received: '' });
        stopCallClock();
        render();
      }
      break;
    }
    case 'call_replaced': {
      // We were the target of an attended transfer: the transferred
      // person's call took the place of ours, already answered.
      const c = app.call;
      const number = userOf(n.remoteUri);
      const name = n.callerName || number;
      notify('transfer', `Call handed over: you are now talking with ${name}.`, { id: 'transfer', timeout: 15_000 });
      if (c) {
        Object.assign(c, { obj: n.call, name, number: n.callerName ? number : '', muted: false, held: false, sent: '', received: '', transferTo: '' });
        setActive(c);
      }
      break;
    }
    default:
  }
  renderStatus();
}

// ---------------------------------------------------------------- calls

let callSeq = 0;
function newCall(kind, { name = '', number = '', obj = null } = {}) {
  return {
    id: ++callSeq, kind, obj, name, number,
    state: 'calling', startedAt: 0, muted: false, held: false,
    sent: '', received: '', transferTo: '', transferred: false,
  };
}


async function dial(target, kind = 'outgoing', label = '') {
  target = target.trim();
  if (app.phase !== 'registered' || app.call || check.running) return;
  if (!target) {
    $('lastCall').textContent = 'Type a number to call.';
    $('number').focus();
    return;
  }
  sounds.unlock();
  const c = newCall(kind, { name: label || target, number: label ? target : '' });
  app.call = c;
  $('lastCall').textContent = '';
  log(`calling ${target}`);
  render();
  $('callInfo').focus();
  try {
    const obj = await kazoo.connect(target);
    if (app.call === c) c.obj = obj;
  } catch (err) {
    if (app.call !== c) return;
    problem(err);
    finishCall(errorText(err, errorContext()));
  }
}

function setActive(c) {
  if (app.call !== c) return;
  sounds.stop();
  c.state = c.held ? 'held' : 'active';
  c.startedAt = Date.now();
  startCallClock(c);
  meters.start();
  render();
  devices.refresh(); // the microphone is open now: the devices have their names
}

/** The call is over (or never was): back to the dialpad with a last word. */
function finishCall(text) {
  const c = app.call;
  app.call = null;
  sounds.stop();
  closeIncoming();
  stopCallClock();
  meters.stop();
  warnings.clear();
  $('transferForm').hidden = true;
  if (text) {
    $('lastCall').textContent = text;
    log(text);
  }
  render();
  // Keep keyboard users in the phone: focus the number when focus was in the call.
  if (c && app.phase === 'registered') {
    const f = document.activeElement;
    if (!f || f === document.body || $('callPanel').contains(f) && f.offsetParent === null || f === $('callInfo')) $('number').focus();
  }
}

async function answer() {
  const c = app.call;
  if (!c || c.state !== 'incoming') return;
  sounds.stop();
  closeIncoming();
  c.state = 'connecting';
  render();
  $('callInfo').focus();
  log('answering');
  try {
    await c.obj.accept();
    setActive(c);
  } catch (err) {
    problem(err);
    if (app.call === c && c.state === 'connecting') finishCall(errorText(err, errorContext()));
  }
}

function decline() {
  const c = app.call;
  if (!c || c.state !== 'incoming') return;
  sounds.stop();
  closeIncoming();
  log('declining');
  c.obj.reject(603).catch((err) => {
    problem(err);
    if (app.call === c) finishCall('Call declined.');
  });
}

function hangUp() {
  const c = app.call;
  if (!c) return;
  if (c.state === 'incoming') { decline(); return; }
  log('hanging up');
  // While consulting, Hang up ends the first (held) call; the consult call goes on.
  (consult.call && c.obj ? c.obj.hangup() : kazoo.hangup()).catch((err) => {
    if (app.call !== c) return;
    if (err.key === 'no_call') finishCall('Call ended.');
    else problem(err);
  });
}

function toggleMute() {
  const c = app.call;
  if (!isUp(c)) return;
  const on = !c.muted;
  kazoo.muteMicrophone(on, () => {
    if (app.call !== c) return;
    c.muted = on;
    log(on ? 'microphone muted' : 'microphone on');
    render();
    warnings.render();
  }, problem);
}

async function toggleHold() {
  const c = app.call;
  if (!isUp(c)) return;
  const on = !c.held;
  $('holdBtn').disabled = true;
  try {
    await kazoo.hold(on);
    if (app.call === c) {
      c.held = on;
      c.state = on ? 'held' : 'active';
      log(on ? 'call on hold' : 'call resumed');
    }
  } catch (err) {
    problem(err);
  } finally {
    $('holdBtn').disabled = false;
    render();
  }
}

async function transfer(e) {
  e.preventDefault();
  const c = app.call;
  const target = $('transferTarget').value.trim();
  if (!isUp(c) || !target) { $('transferTarget').focus(); return; }
  c.transferTo = target;
  openTransfer(false);
  $('transferTarget').value = '';
  log(`transferring to ${target}`);
  render();
  try {
    await kazoo.transfer(target);
  } catch (err) {
    if (app.call === c) c.transferTo = '';
    problem(err);
    render();
  }
}

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
  if (consult.call) { // the digits go to the consult call (an IVR, say)
    const k = consult.call;
    if (!isUp(k) || !k.obj) return;
    sounds.beep(key);
    k.obj.sendDTMF(key).catch(problem);
    return;
  }
  if (!isUp(c)) return;
  sounds.beep(key);
  c.sent += key;
  render();
  kazoo.sendDTMF(key).catch(problem);
}

// ---------------------------------------------------------------- rendering

function render() {
  renderCall(app.call);
  consult.show();
  colleagues.enable(app.phase === 'registered' && !app.call && !check.running);
  $('checkBtn').disabled = !!app.call || check.running;
  $('echoBtn').disabled = check.running;
}
const openTransfer = (open) => {
  if (open) consult.open(false);
  showTransferForm(open, app.call);
};

function showIncoming(c) {
  showIncomingDialog(c);
  sounds.play('ringtone');
}

// ---------------------------------------------------------------- wiring

function wire() {
  $('login').addEventListener('submit', logIn);
  $('account').addEventListener('change', () => pickAccount(config));
  $('user').addEventListener('input', () => {
    if ($('account').value && $('account').value !== $('user').value.trim()) $('account').value = '';
  });
  $('logoutBtn').addEventListener('click', logOut);
  $('cancelLoginBtn').addEventListener('click', cancelLogin);
  $('dialForm').addEventListener('submit', (e) => { e.preventDefault(); dial($('number').value); });
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
  $('hangupBtn').addEventListener('click', hangUp);
  $('muteBtn').addEventListener('click', toggleMute);
  $('holdBtn').addEventListener('click', toggleHold);
  $('transferToggle').addEventListener('click', () => openTransfer($('transferForm').hidden));
  $('transferCancel').addEventListener('click', () => { openTransfer(false); $('transferToggle').focus(); });
  $('transferForm').addEventListener('submit', transfer);
  consult.wire();
  chat.wire();
  colleagues.wire();
  $('transferTarget').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); openTransfer(false); $('transferToggle').focus(); }
  });
  $('echoBtn').addEventListener('click', () => dial(echoTarget(config), 'echo', 'Audio test'));
  $('checkBtn').addEventListener('click', () => {
    if (app.phase !== 'registered' || app.call) return;
    sounds.unlock();
    check.run();
  });
  devices.wire();
  $('answerBtn').addEventListener('click', answer);
  $('declineBtn').addEventListener('click', decline);
  // Escape on the incoming-call dialog declines (the dialog says so).
  $('incomingDialog').addEventListener('cancel', (e) => { e.preventDefault(); decline(); });

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

  addEventListener('beforeunload', (e) => {
    if (app.call && isUp(app.call)) e.preventDefault();
  });
}

async function main() {
  wire();
  renderStatus();
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
    showLoginError(failed);
    $('loginScreen').hidden = false;
    $('loginBtn').disabled = true;
    return;
  }
  log(`kazoo ${kazoo.version} ready`);
  fillLogin(config);
  app.phase = 'login';
  renderStatus();
  $('loginScreen').hidden = false;
  ($('user').value ? $('loginBtn') : $('user')).focus();
}

main();
