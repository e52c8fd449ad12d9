// The kazoo demo softphone: only the public kazoo API is used here.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const kazooRegistrationKeys = ['server_not_reachable', 'unauthorized', 'forbidden', 'registration_failed', 'invalid_parameter'];
  let config = { wsUrl: 'ws://127.0.0.1:5066', domain: 'lab.test', accounts: [] };

  function log(text) {
    const li = document.createElement('li');
    li.textContent = new Date().toLocaleTimeString() + ' ' + text;
    $('log').prepend(li);
  }

  function status(state, text) {
    $('status').dataset.state = state;
    $('status').textContent = text;
  }

  function showError(err) {
    $('error').hidden = false;
    $('error').textContent = err.key + ': ' + err.message;
    status('error', err.key);
    log('error ' + err.key + (err.code ? ' (' + err.code + ')' : ''));
  }

  function fillAccount(user) {
    const a = config.accounts.find((x) => x.user === user);
    if (!a) return;
    $('publicIdentity').value = 'sip:' + a.user + '@' + config.domain;
    $('privateIdentity').value = a.user;
    $('password').value = a.password;
  }

  async function loadConfig() {
    try {
      const res = await fetch('/config.json', { cache: 'no-store' });
      if (res.ok) config = await res.json();
    } catch (e) { /* served elsewhere: keep the defaults */ }
    $('wsUrl').value = config.wsUrl;
    // RTMP mode is offered when the demo runs kazoo-relay and a gateway;
    // a browser without RTCPeerConnection uses it whatever the box says.
    $('rtmpOption').hidden = !config.relayUrl;
    if (typeof RTCPeerConnection !== 'function') $('forceRTMP').checked = true;
    $('account').innerHTML = '';
    for (const a of config.accounts || []) {
      const o = document.createElement('option');
      o.value = a.user;
      o.textContent = a.user + '@' + config.domain;
      $('account').append(o);
    }
    $('account').parentElement.hidden = !(config.accounts || []).length;
    if ((config.accounts || []).length) fillAccount(config.accounts[0].user);
  }

  $('account').addEventListener('change', (e) => fillAccount(e.target.value));

  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    $('error').hidden = true;
    status('connecting', 'connecting…');
    $('registerBtn').disabled = true;
    kazoo.register({
      wsUrl: $('wsUrl').value,
      publicIdentity: $('publicIdentity').value,
      privateIdentity: $('privateIdentity').value,
      password: $('password').value,
      realm: config.domain,
      forceRTMP: $('forceRTMP').checked,
      relayUrl: config.relayUrl,
      rtmpUrl: config.rtmpUrl,
      onConnected: () => {
        status('registered', 'registered' + ($('forceRTMP').checked ? ' (RTMP)' : ''));
        $('logoutBtn').disabled = false;
        $('phone').hidden = false;
        log('registered as ' + $('publicIdentity').value);
      },
      onIncoming: (call) => {
        incoming = call;
        $('incomingText').textContent = (call.callerName || call.callerNumber) + ' is calling';
        $('incoming').hidden = false;
        log('incoming call from ' + call.remoteUri);
      },
      onRinging: (r) => callState(r.earlyMedia ? 'ringing (early media)' : 'ringing…', true),
      onAccepted: () => { callState('in call', true, true); log('call answered'); },
      onHangup: () => { callEnded('call ended'); },
      onCancel: (c) => { callEnded('call not connected: ' + c.code + ' ' + c.message + ' (' + c.source + ')'); },
      onTransfer: () => log('transfer succeeded'),
      onDTMF: (d) => log('DTMF received: ' + d),
      onNotified: (n) => log(n.key + ': ' + n.message),
      onError: (err) => {
        if (kazooRegistrationKeys.includes(err.key) && $('status').dataset.state !== 'registered' || err.key === 'disconnected') {
          showError(err);
          $('registerBtn').disabled = false;
          $('logoutBtn').disabled = err.key !== 'disconnected';
          return;
        }
        // A call error: the registration stands.
        $('error').hidden = false;
        $('error').textContent = err.key + ': ' + err.message;
        log('error ' + err.key + (err.code ? ' (' + err.code + ')' : ''));
      },
    }).catch(() => { /* reported through onError */ });
  });

  // The call panel.
  let incoming = null;
  let muted = false;
  let held = false;

  function callState(text, active, established) {
    $('callState').textContent = text;
    $('hangupBtn').disabled = !active;
    for (const id of ['muteBtn', 'holdBtn', 'transferBtn']) $(id).disabled = !established;
    for (const b of $('keypad').children) b.disabled = !established;
  }

  function callEnded(text) {
    incoming = null;
    $('incoming').hidden = true;
    muted = held = false;
    $('muteBtn').setAttribute('aria-pressed', 'false');
    $('holdBtn').setAttribute('aria-pressed', 'false');
    callState(text, false, false);
    log(text);
  }

  for (const key of '123456789*0#') {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = key;
    b.disabled = true;
    b.addEventListener('click', () => kazoo.sendDTMF(key));
    $('keypad').append(b);
  }

  $('dial').addEventListener('submit', (e) => {
    e.preventDefault();
    $('error').hidden = true;
    callState('calling ' + $('target').value + '…', true);
    kazoo.connect($('target').value).catch(() => callState('no call', false));
  });
  $('hangupBtn').addEventListener('click', () => kazoo.hangup());
  $('acceptBtn').addEventListener('click', () => {
    if (!incoming) return;
    $('incoming').hidden = true;
    incoming.accept().then(() => callState('in call', true, true));
  });
  $('rejectBtn').addEventListener('click', () => incoming && incoming.reject());
  $('muteBtn').addEventListener('click', () => {
    kazoo.muteMicrophone(!muted, () => {
      muted = !muted;
      $('muteBtn').setAttribute('aria-pressed', String(muted));
    });
  });
  $('holdBtn').addEventListener('click', () => {
    kazoo.hold(!held).then(() => {
      held = !held;
      $('holdBtn').setAttribute('aria-pressed', String(held));
      callState(held ? 'on hold' : 'in call', true, true);
    });
  });
  $('transferForm').addEventListener('submit', (e) => {
    e.preventDefault();
    kazoo.transfer($('transferTarget').value);
  });

  $('logoutBtn').addEventListener('click', async () => {
    await kazoo.logout();
    $('phone').hidden = true;
    status('idle', 'logged out');
    $('logoutBtn').disabled = true;
    $('registerBtn').disabled = false;
    log('logged out');
  });

  // Start loading the library at once; the page config loads meanwhile.
  const loaded = new Promise((resolve) => {
    kazoo.init({
      onLoaded: resolve,
      flashContainer: 'flashMissing',
      // RTMP mode was needed and cannot work here: say why, keep the page.
      onFlashMissing: (container, err) => {
        container.hidden = false;
        container.textContent = 'Calls without WebRTC are not possible here: ' + (err ? err.message : 'unknown reason');
      },
    }).catch(showError);
  });
  Promise.all([loaded, loadConfig()]).then(() => {
    status('idle', 'ready');
    $('login').hidden = false;
    log('kazoo ' + kazoo.version + ' loaded');
  });
})();
