// The kazoo demo softphone: only the public kazoo API is used here.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
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
      onConnected: () => {
        status('registered', 'registered');
        $('logoutBtn').disabled = false;
        log('registered as ' + $('publicIdentity').value);
      },
      onError: (err) => {
        showError(err);
        $('registerBtn').disabled = false;
        $('logoutBtn').disabled = err.key !== 'disconnected';
      },
    }).catch(() => { /* reported through onError */ });
  });

  $('logoutBtn').addEventListener('click', async () => {
    await kazoo.logout();
    status('idle', 'logged out');
    $('logoutBtn').disabled = true;
    $('registerBtn').disabled = false;
    log('logged out');
  });

  // Start loading the library at once; the page config loads meanwhile.
  const loaded = new Promise((resolve) => {
    kazoo.init({ onLoaded: resolve }).catch(showError);
  });
  Promise.all([loaded, loadConfig()]).then(() => {
    status('idle', 'ready');
    $('login').hidden = false;
    log('kazoo ' + kazoo.version + ' loaded');
  });
})();
