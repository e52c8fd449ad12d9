// The kazoo demo softphone. It uses only the public kazoo API (the global
// from /dist/kazoo.js, see dist/kazoo.d.ts) and standard web APIs. Names
// and addresses that come from the network are only ever set as
// textContent.
import { loadConfig, loadSettings, saveSettings, echoTarget } from './js/settings.js';
import { errorText, cancelText, voicemailText, clock } from './js/words.js';
import { Sounds } from './js/sounds.js';
import { LevelMeters } from './js/meters.js';

const $ = (id) => document.getElementById(id);

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
  stats: () => kazoo.getStats(),
  muted: () => !!(app.call && app.call.muted),
});

// ---------------------------------------------------------------- log, notices, status

function log(text) {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  const list = $('log');
  list.prepend(li);
  while (list.children.length > 200) list.lastElementChild.remove();
  $('logCount').textContent = String(list.children.length);
}

/**
 * Shows a notice; one with the same id replaces the earlier one. kind
 * styles it (voicemail, connection, connectivity, online, transfer,
 * missed, error) and is its data-kind.
 */
function notify(kind, text, { id = kind, timeout = 0 } = {}) {
  clearNotice(id);
  const li = document.createElement('li');
  li.className = 'notice';
  li.dataset.kind = kind;
  li.dataset.id = id;
  const span = document.createElement('span');
  span.className = 'text';
  span.textContent = text;
  const time = document.createElement('time');
  time.className = 'time';
  time.textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  close.addEventListener('click', () => li.remove());
  li.append(span, time, close);
  $('notices').prepend(li);
  if (timeout) setTimeout(() => li.remove(), timeout);
  log(`notice: ${text}`);
}

function clearNotice(id) {
  for (const li of $('notices').querySelectorAll('li')) if (li.dataset.id === id) li.remove();
}

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

function radioValue(name) {
  const r = document.querySelector(`input[name="${name}"]:checked`);
  return r ? r.value : '';
}

function readForm() {
  return {
    user: $('user').value.trim(),
    password: $('password').value,
    displayName: $('displayName').value.trim(),
    rememberPassword: $('rememberPassword').checked,
    forceRTMP: $('forceRTMP').checked,
    rtmp: $('forceRTMP').checked,
    dtmfType: radioValue('dtmfType') || 'rfc4733',
    wsUrl: $('wsUrl').value.trim() || config.wsUrl,
    domain: $('domain').value.trim() || config.domain,
  };
}

function fillLogin() {
  const sel = $('account');
  for (const a of config.accounts) {
    const o = document.createElement('option');
    o.value = a.user;
    o.textContent = `${a.user}@${config.domain}`;
    sel.append(o);
  }
  $('accountField').hidden = config.accounts.length === 0;
  $('wsUrl').value = config.wsUrl;
  $('domain').value = config.domain;
  // RTMP is offered when the server runs kazoo-relay; a browser without
  // RTCPeerConnection can only use it.
  const noWebRTC = typeof RTCPeerConnection !== 'function';
  $('rtmpOption').hidden = !config.relayUrl && !noWebRTC;
  $('rtmpHint').hidden = $('rtmpOption').hidden;
  const s = loadSettings();
  if (s) {
    $('user').value = s.user || '';
    $('displayName').value = s.displayName || '';
    $('password').value = s.rememberPassword && s.password ? s.password : '';
    $('rememberPassword').checked = !!s.rememberPassword;
    $('forceRTMP').checked = !!s.forceRTMP && !!config.relayUrl;
    if (s.wsUrl) $('wsUrl').value = s.wsUrl;
    if (s.domain) $('domain').value = s.domain;
    const r = document.querySelector(`input[name="dtmfType"][value="${s.dtmfType === 'info' ? 'info' : 'rfc4733'}"]`);
    r.checked = true;
    if (s.dtmfType === 'info' || s.wsUrl || s.domain) $('advanced').open = true;
    sel.value = '';
  } else if (config.accounts.length) {
    sel.value = config.accounts[0].user;
    pickAccount();
  }
  if (noWebRTC) {
    $('forceRTMP').checked = true;
    $('forceRTMP').disabled = true;
    $('rtmpHint').textContent = 'This browser has no WebRTC: calls go through the kazoo relay.';
  }
}

function pickAccount() {
  const a = config.accounts.find((x) => x.user === $('account').value);
  if (!a) return;
  $('user').value = a.user;
  $('password').value = a.password;
}

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
  $('loginBtn').disabled = true;
  $('loginBtn').textContent = 'Logging in…';
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
    $('loginBtn').disabled = false;
    $('loginBtn').textContent = 'Log in';
    log(`log-in failed: ${err.key}${err.code ? ` (${err.code})` : ''} ${err.message || ''}`);
    showLoginError(err);
    if (err.key === 'unauthorized' || err.key === 'forbidden') $('password').select();
    else $('loginError').focus();
  }
}

function showPhone() {
  const a = app.account;
  $('loginScreen').hidden = true;
  $('phoneScreen').hidden = false;
  $('loginBtn').disabled = false;
  $('loginBtn').textContent = 'Log in';
  $('meName').textContent = a.displayName || a.user;
  $('meAddress').textContent = `${a.user}@${a.domain}`;
  $('meInitial').textContent = (a.displayName || a.user).charAt(0).toUpperCase();
  $('modeBadge').textContent = a.rtmp ? 'RTMP' : 'WebRTC';
  $('modeBadge').dataset.mode = a.rtmp ? 'rtmp' : 'webrtc';
  $('lastCall').textContent = '';
  render();
  $('number').focus();
}

function showLogin() {
  $('phoneScreen').hidden = true;
  $('loginScreen').hidden = false;
  $('loginBtn').disabled = false;
  $('loginBtn').textContent = 'Log in';
  const s = loadSettings();
  $('password').value = s && s.rememberPassword && s.password ? s.password : '';
  renderStatus();
}

async function logOut() {
  if (app.phase !== 'registered') return;
  app.phase = 'login';
  app.account = null;
  finishCall('');
  for (const li of [...$('notices').children]) if (li.dataset.kind !== 'error') li.remove();
  $('logoutBtn').disabled = true;
  try {
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
      render();
      break;
    default:
  }
  problem(err);
}

function onIncoming(c) {
  if (app.phase !== 'registered') return;
  if (app.call) { // one call at a time
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

function onRinging(p) {
  const c = app.call;
  log(`ringing (${p.code}${p.earlyMedia ? ', early media' : ''})`);
  if (!c || c.kind === 'incoming' && !c.transferred) return;
  if (c.state === 'calling' || c.state === 'ringing') {
    c.state = 'ringing';
    // With early media the far end plays its own ringback.
    if (p.earlyMedia) sounds.stop(); else sounds.play('ringback');
    render();
  }
}

function onAccepted(callObj) {
  const c = app.call;
  log('call answered');
  if (!c) return;
  if (callObj) c.obj = callObj;
  setActive(c);
}

function onHangup() {
  const c = app.call;
  if (!c) { log('call ended'); return; }
  const took = c.startedAt ? ` after ${clock(Date.now() - c.startedAt)}` : '';
  finishCall(c.transferTo ? `Call transferred to ${c.transferTo}.` : `Call with ${c.name} ended${took}.`);
}

function onCancel(d) {
  const c = app.call;
  log(`call not connected: ${d.code} ${d.message || ''} (${d.source})`);
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
        Object.assign(c, { name: target, number: '', state: 'calling', transferred: true, muted: false, held: false, sent: '', received: '' });
        stopCallClock();
        render();
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

const isUp = (c) => c && (c.state === 'active' || c.state === 'held');

async function dial(target, kind = 'outgoing', label = '') {
  target = target.trim();
  if (app.phase !== 'registered' || app.call) return;
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
  startCallClock();
  meters.start();
  if (c.obj && c.obj.mode === 'rtmp' || app.account.rtmp) {
    // The RTMP statistics have no microphone level: measure our own.
    sounds.microphoneLevel().then((m) => {
      if (app.call === c) meters.useMicrophone(m); else m.close();
    }, (err) => log(`microphone meter unavailable: ${err.message || err}`));
  }
  render();
}

/** The call is over (or never was): back to the dialpad with a last word. */
function finishCall(text) {
  const c = app.call;
  app.call = null;
  sounds.stop();
  closeIncoming();
  stopCallClock();
  meters.stop();
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

let clockTimer = null;
function startCallClock() {
  stopCallClock();
  const tick = () => {
    const c = app.call;
    if (c && c.startedAt) $('timer').textContent = clock(Date.now() - c.startedAt);
  };
  tick();
  clockTimer = setInterval(tick, 250);
}
function stopCallClock() {
  clearInterval(clockTimer);
  clockTimer = null;
  $('timer').textContent = '00:00';
}

function showIncoming(c) {
  const d = $('incomingDialog');
  $('incomingName').textContent = c.name || 'Unknown caller';
  $('incomingNumber').textContent = c.number;
  $('incomingInitial').textContent = (c.name || '?').replace(/^[^\p{L}\p{N}]+/u, '').charAt(0).toUpperCase() || '?';
  $('announcer').textContent = `Incoming call from ${c.name}${c.number ? `, ${c.number}` : ''}`;
  if (!d.open) d.showModal();
  $('answerBtn').focus();
  sounds.play('ringtone');
}

function closeIncoming() {
  const d = $('incomingDialog');
  if (d.open) d.close();
  $('announcer').textContent = '';
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
  kazoo.hangup().catch((err) => {
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

function openTransfer(open) {
  const c = app.call;
  const show = open && isUp(c);
  $('transferForm').hidden = !show;
  $('transferToggle').setAttribute('aria-expanded', String(show));
  if (show) $('transferTarget').focus();
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
  if (!isUp(c)) return;
  sounds.beep(key);
  c.sent += key;
  render();
  kazoo.sendDTMF(key).catch(problem);
}

// ---------------------------------------------------------------- rendering

function callStatusText(c) {
  if (c.transferTo) return `Transferring to ${c.transferTo}…`;
  switch (c.state) {
    case 'calling': return c.transferred ? 'Connecting you…' : 'Calling…';
    case 'ringing': return 'Ringing…';
    case 'incoming': return 'Incoming call…';
    case 'connecting': return 'Connecting…';
    case 'held': return 'On hold';
    case 'active': return c.kind === 'echo' ? 'Audio test: speak, you should hear yourself' : 'In call';
    default: return '';
  }
}

function render() {
  const c = app.call;
  const panel = $('callPanel');
  panel.dataset.state = c ? c.state : 'idle';
  panel.dataset.kind = c ? c.kind : '';
  const up = isUp(c);
  if (c) {
    $('peerName').textContent = c.name;
    $('peerNumber').textContent = c.number;
    $('callStatus').textContent = callStatusText(c);
  }
  $('muteBtn').setAttribute('aria-pressed', String(!!(c && c.muted)));
  $('muteBtn').querySelector('span').textContent = c && c.muted ? 'Unmute' : 'Mute';
  $('holdBtn').setAttribute('aria-pressed', String(!!(c && c.held)));
  $('holdBtn').querySelector('span').textContent = c && c.held ? 'Resume' : 'Hold';
  for (const id of ['muteBtn', 'holdBtn', 'transferToggle']) $(id).disabled = !up || (id !== 'holdBtn' && !!c.transferTo);
  if (!up) openTransfer(false);
  const sent = c ? c.sent : '';
  const received = c ? c.received : '';
  $('dtmfSent').textContent = sent;
  $('dtmfReceived').textContent = received;
  $('dtmfSentWrap').hidden = !sent;
  $('dtmfReceivedWrap').hidden = !received;
  $('digitsLine').hidden = !sent && !received;
}

// ---------------------------------------------------------------- wiring

function wire() {
  $('login').addEventListener('submit', logIn);
  $('account').addEventListener('change', pickAccount);
  $('user').addEventListener('input', () => {
    if ($('account').value && $('account').value !== $('user').value.trim()) $('account').value = '';
  });
  $('logoutBtn').addEventListener('click', logOut);
  $('dialForm').addEventListener('submit', (e) => { e.preventDefault(); dial($('number').value); });
  $('backspaceBtn').addEventListener('click', () => {
    $('number').value = $('number').value.slice(0, -1);
    $('number').focus();
  });
  $('dialpad').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-key]');
    if (b) pressKey(b.dataset.key);
  });
  $('hangupBtn').addEventListener('click', hangUp);
  $('muteBtn').addEventListener('click', toggleMute);
  $('holdBtn').addEventListener('click', toggleHold);
  $('transferToggle').addEventListener('click', () => openTransfer($('transferForm').hidden));
  $('transferCancel').addEventListener('click', () => { openTransfer(false); $('transferToggle').focus(); });
  $('transferForm').addEventListener('submit', transfer);
  $('transferTarget').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); openTransfer(false); $('transferToggle').focus(); }
  });
  $('echoBtn').addEventListener('click', () => dial(echoTarget(config), 'echo', 'Audio test'));
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
  fillLogin();
  app.phase = 'login';
  renderStatus();
  $('loginScreen').hidden = false;
  ($('user').value ? $('loginBtn') : $('user')).focus();
}

main();
