// The log-in form: filled from /config.json and what was remembered, read
// back into the settings register() needs.
import { $ } from './ui.js';
import { loadSettings } from './settings.js';

function radioValue(name) {
  const r = document.querySelector(`input[name="${name}"]:checked`);
  return r ? r.value : '';
}

export function readForm(config) {
  // "1001", "1001@example.com" and "sip:1001@example.com" all work.
  let user = $('user').value.trim().replace(/^sips?:/i, '');
  let domain = $('domain').value.trim() || config.domain;
  const at = user.lastIndexOf('@');
  if (at > 0) {
    domain = user.slice(at + 1);
    user = user.slice(0, at);
  }
  return {
    user,
    password: $('password').value,
    displayName: $('displayName').value.trim(),
    rememberPassword: $('rememberPassword').checked,
    forceRTMP: $('forceRTMP').checked,
    rtmp: $('forceRTMP').checked,
    dtmfType: radioValue('dtmfType') || 'rfc4733',
    wsUrl: $('wsUrl').value.trim() || config.wsUrl,
    domain,
  };
}

export function fillLogin(config) {
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
    pickAccount(config);
  }
  if (noWebRTC) {
    $('forceRTMP').checked = true;
    $('forceRTMP').disabled = true;
    $('rtmpHint').textContent = 'This browser has no WebRTC: calls go through the kazoo relay.';
  }
}

export function pickAccount(config) {
  const a = config.accounts.find((x) => x.user === $('account').value);
  if (!a) return;
  $('user').value = a.user;
  $('password').value = a.password;
}

/** While connecting, "Log in" waits and "Cancel" gives up. */
export function loginBusy(busy) {
  $('loginBtn').disabled = busy;
  $('loginBtn').textContent = busy ? 'Logging in…' : 'Log in';
  $('cancelLoginBtn').hidden = !busy;
}
