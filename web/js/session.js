// Logging in and out, and the registration's life: the status pill in
// the top bar, the log-in screen's errors, reconnecting, being offline,
// another device taking the account, voicemail. The calls' own callbacks
// are calls.js's; the session hands them to register().
import { loadSettings, saveSettings } from './settings.js';
import { errorText, voicemailText } from './words.js';
import { $, log, notify, clearNotice } from './ui.js';
import { readForm as readLoginForm, loginBusy } from './loginform.js';

/** Several calls at once: how many lines the demo has (register's maxLines). */
export const MAX_LINES = 4;

export class Session {
  /**
   * app: the page's state; config(): /config.json's; sounds, chat,
   * colleagues, meters, warnings, devices, calls, consult: the page's
   * parts; problem(err), errorContext(), render(): the page's.
   */
  constructor(deps) {
    Object.assign(this, deps);
  }

  readForm() { return readLoginForm(this.config()); }

  renderStatus() {
    const { app } = this;
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

  showLoginError(err) {
    this.app.loginError = err;
    const box = $('loginError');
    box.hidden = false;
    box.dataset.key = err.key || 'error';
    box.textContent = errorText(err, this.errorContext());
    this.renderStatus();
  }

  /** The register() parameters for the form f. */
  params(f) {
    const { chat, colleagues, meters, warnings, devices, app } = this;
    const config = this.config();
    const params = {
      wsUrl: f.wsUrl,
      realm: f.domain,
      publicIdentity: `sip:${f.user}@${f.domain}`,
      privateIdentity: f.user,
      password: f.password,
      dtmfType: f.dtmfType,
      // Several calls: a second one rings in the line list; answering or
      // placing a call holds the current one.
      maxLines: MAX_LINES,
      autoHold: true,
      onConnected: () => this.onConnected(),
      onError: (err) => this.onError(err),
      onNotified: (n) => this.onNotified(n),
      ...this.calls.callbacks(),
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
    return params;
  }

  async logIn(e) {
    e.preventDefault();
    const { app } = this;
    if (app.phase !== 'login') return;
    const f = this.readForm();
    $('loginError').hidden = true;
    $('flashMissing').hidden = true;
    if (!f.user) {
      this.showLoginError({ key: 'missing_user', message: 'Enter your user name.' });
      $('user').focus();
      return;
    }
    this.sounds.unlock(); // this click lets the page ring later
    app.loginError = null;
    app.phase = 'connecting';
    app.account = { user: f.user, domain: f.domain, displayName: f.displayName, wsUrl: f.wsUrl, rtmp: f.forceRTMP };
    loginBusy(true);
    this.renderStatus();
    saveSettings(f, this.config());
    log(`logging in as ${f.user}@${f.domain}${f.forceRTMP ? ' (audio without WebRTC)' : ''}`);
    try {
      await kazoo.register(this.params(f));
    } catch (err) {
      if (app.phase !== 'connecting') return;
      app.phase = 'login';
      app.account = null;
      loginBusy(false);
      log(`log-in failed: ${err.key}${err.code ? ` (${err.code})` : ''} ${err.message || ''}`);
      this.showLoginError(err);
      if (err.key === 'unauthorized' || err.key === 'forbidden') $('password').select();
      else $('loginError').focus();
    }
  }

  cancelLogin() {
    const { app } = this;
    if (app.phase !== 'connecting') return;
    app.phase = 'login';
    app.account = null;
    loginBusy(false);
    log('log-in cancelled');
    kazoo.logout().catch(() => {});
    this.renderStatus();
    $('loginBtn').focus();
  }

  showPhone() {
    const a = this.app.account;
    $('loginScreen').hidden = true;
    $('phoneScreen').hidden = false;
    loginBusy(false);
    $('meName').textContent = a.displayName || a.user;
    $('meAddress').textContent = `${a.user}@${a.domain}`;
    $('meInitial').textContent = (a.displayName || a.user).charAt(0).toUpperCase();
    $('modeBadge').textContent = a.rtmp ? 'RTMP' : 'WebRTC';
    $('modeBadge').dataset.mode = a.rtmp ? 'rtmp' : 'webrtc';
    $('lastCall').textContent = '';
    this.chat.start(a);
    this.colleagues.start(this.config(), a);
    this.render();
    this.devices.refresh();
    $('number').focus();
  }

  showLogin() {
    $('phoneScreen').hidden = true;
    $('loginScreen').hidden = false;
    loginBusy(false);
    const s = loadSettings();
    $('password').value = s && s.rememberPassword && s.password ? s.password : '';
    this.renderStatus();
  }

  async logOut() {
    const { app } = this;
    if (app.phase !== 'registered') return;
    app.phase = 'login';
    app.account = null;
    this.consult.drop();
    this.calls.finishCall('');
    this.chat.stop();
    for (const li of [...$('notices').children]) if (li.dataset.kind !== 'error') li.remove();
    $('logoutBtn').disabled = true;
    try {
      await this.colleagues.stop();
      await kazoo.logout();
    } finally {
      $('logoutBtn').disabled = false;
    }
    log('logged out');
    this.showLogin();
    $('statusText').textContent = 'Logged out';
    $('user').focus();
  }

  // ---------------------------------------------------------------- registration callbacks

  onConnected() {
    const { app } = this;
    if (app.phase === 'connecting') {
      app.phase = 'registered';
      app.conn = 'ok';
      app.attempt = 0;
      log(`registered as ${app.account.user}@${app.account.domain}`);
      this.renderStatus();
      this.showPhone();
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
    this.renderStatus();
  }

  onError(err) {
    const { app } = this;
    log(`error ${err.key}${err.code ? ` (${err.code})` : ''}: ${err.message || ''}`);
    if (app.phase !== 'registered') return; // a log-in error: logIn reports it
    switch (err.key) {
      case 'disconnected':
        app.conn = 'lost';
        notify('connection', errorText(err), { id: 'connection' });
        this.renderStatus();
        return;
      case 'server_not_reachable':
      case 'unauthorized':
      case 'forbidden':
      case 'registration_failed':
        // A reconnect attempt failed; the loop goes on.
        if (app.conn !== 'ok') {
          notify('connection', `${errorText(err, this.errorContext())} Still trying…`, { id: 'connection' });
          return;
        }
        break;
      case 'transfer_failed':
        this.calls.transferFailed();
        break;
      default:
    }
    this.problem(err);
  }

  onNotified(n) {
    const { app } = this;
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
      case 'transfer_notification':
      case 'call_replaced':
        this.calls.notified(n);
        break;
      default:
    }
    this.renderStatus();
  }
}
