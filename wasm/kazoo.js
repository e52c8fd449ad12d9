/*
 * kazoo.js — loader for the kazoo softphone library (Go compiled to
 * WebAssembly). build.sh prepends the Go toolchain's wasm_exec.js to this
 * file to make dist/kazoo.js.
 *
 * <script src=".../kazoo.js"> defines the global `kazoo` at once. kazoo.init()
 * fetches kazoo.wasm from the script's own directory (or init({wasmUrl})),
 * compiles it while it downloads, and starts the Go runtime. Calls made
 * before the runtime is ready are queued and replayed in order. Every
 * method returns a Promise and also calls the kazoo.js callbacks.
 */
(function () {
  'use strict';

  const KazooGo = globalThis.Go;
  // wasm_exec.js defines globalThis.Go; keep it out of the page's way.
  if (globalThis.__kazooPrevGo === undefined) delete globalThis.Go;
  else globalThis.Go = globalThis.__kazooPrevGo;
  delete globalThis.__kazooPrevGo;

  if (globalThis.kazoo && globalThis.kazoo.__loader) return; // loaded twice

  const VERSION = '0.1.0';
  const script = document.currentScript;
  const baseUrl = new URL('.', (script && script.src) || location.href).href;

  let impl = null; // the Go object once the runtime runs
  let loading = null; // the load promise, once init() started it
  let failure = null; // the load or runtime failure, if any
  const queue = []; // [method, args, resolve, reject] waiting for impl

  function kazooError(key, message) {
    return { key: key, message: message };
  }

  // invoke calls the Go method now, or queues the call until it can.
  function invoke(method, args) {
    const p = new Promise(function (resolve, reject) {
      if (failure) reject(failure);
      else if (impl) impl[method].apply(null, [resolve, reject].concat(args));
      else queue.push([method, args, resolve, reject]);
    });
    p.catch(function () {}); // callers using callbacks only see no unhandled rejection
    return p;
  }

  function flush() {
    while (queue.length) {
      const [method, args, resolve, reject] = queue.shift();
      if (failure) reject(failure);
      else impl[method].apply(null, [resolve, reject].concat(args));
    }
  }

  function fail(key, message) {
    failure = kazooError(key, message);
    impl = null;
    console.error('kazoo: ' + message);
    flush();
  }

  async function instantiate(url, go) {
    if (WebAssembly.instantiateStreaming) {
      try {
        return await WebAssembly.instantiateStreaming(fetch(url, { credentials: 'same-origin' }), go.importObject);
      } catch (e) {
        // A server without the application/wasm type: compile from bytes.
        if (!(e instanceof TypeError) || !/MIME|Content-Type|mime/i.test(String(e.message))) throw e;
      }
    }
    const res = await fetch(url, { credentials: 'same-origin' });
    if (!res.ok) throw new Error('HTTP ' + res.status + ' for ' + url);
    return WebAssembly.instantiate(await res.arrayBuffer(), go.importObject);
  }

  function load(wasmUrl) {
    if (loading) return loading;
    const url = new URL(wasmUrl || 'kazoo.wasm', baseUrl).href;
    loading = (async function () {
      if (typeof WebAssembly !== 'object') {
        fail('load_failed', 'this browser has no WebAssembly');
        return;
      }
      const go = new KazooGo();
      let result;
      try {
        result = await instantiate(url, go);
      } catch (e) {
        fail('load_failed', 'cannot load ' + url + ': ' + (e && e.message ? e.message : e));
        return;
      }
      globalThis.__kazooAttach = function (obj) {
        impl = obj;
        delete globalThis.__kazooAttach;
        return hooks;
      };
      go.run(result.instance).then(function () {
        fail('runtime_stopped', 'the kazoo runtime stopped; reload the page');
      });
      if (!impl) {
        fail('load_failed', 'kazoo.wasm started but did not attach');
        return;
      }
      flush();
    })();
    return loading;
  }

  // Call objects (onIncoming's argument, connect()'s result) share these
  // methods; the Go side makes them with hooks.newCall(data).
  const callPrototype = {
    accept: function () { return invoke('callAccept', [this.id]); },
    reject: function (code) { return invoke('callReject', [this.id, code]); },
    hangup: function () { return invoke('callHangup', [this.id]); },
    hold: function (on) { return invoke('callHold', [this.id, on]); },
    sendDTMF: function (tones) { return invoke('callSendDTMF', [this.id, tones]); },
    transfer: function (uri) { return invoke('callTransfer', [this.id, uri]); },
    mute: function (on) { return invoke('callMute', [this.id, on]); },
    getStats: function () { return invoke('callGetStats', [this.id]); },
  };
  const hooks = {
    newCall: function (data) { return Object.assign(Object.create(callPrototype), data); },
    // The RTMP path's AudioWorklet module, shipped next to kazoo.js.
    workletUrl: new URL('kazoo-audio-worklet.js', baseUrl).href,
  };

  const kazoo = {
    __loader: true,
    version: VERSION,

    /** init({onLoaded, onFlashMissing, flashContainer, forceRTMP, wasmUrl, debug}) */
    init: function (params) {
      load(params && typeof params.wasmUrl === 'string' ? params.wasmUrl : undefined);
      return invoke('init', [params]);
    },
    /** register({wsUrl, realm, privateIdentity, publicIdentity, password, onConnected, onError, …}) */
    register: function (params) {
      return invoke('register', [params]);
    },
    /** logout(): hang up, unregister (Expires: 0) and close the socket. */
    logout: function () {
      return invoke('logout', []);
    },
    /** connect(uri): call; resolves with the call object once the INVITE is sent. */
    connect: function (uri) { return invoke('connect', [uri]); },
    /** hangup(): BYE, CANCEL or reject, as the current call stands. */
    hangup: function () { return invoke('hangup', []); },
    /** sendDTMF(tones): 0-9, * and # only. */
    sendDTMF: function (tones) { return invoke('sendDTMF', [tones]); },
    /** transfer(uri): blind transfer (REFER); onTransfer when it succeeded. */
    transfer: function (uri) { return invoke('transfer', [uri]); },
    /** muteMicrophone(mute, onSuccess, onError) */
    muteMicrophone: function (mute, onSuccess, onError) {
      return invoke('muteMicrophone', [mute, onSuccess, onError]);
    },
    /** hold(on): re-INVITE sendonly (true) or sendrecv (false). */
    hold: function (on) { return invoke('hold', [on]); },
    /** getStats(): the current call's audio statistics. */
    getStats: function () { return invoke('getStats', []); },
    /** reconnect(): re-register now with the original parameters. */
    reconnect: function () { return invoke('reconnect', []); },
    /** startAutoReconnect() / stopAutoReconnect(): control the reconnect loop. */
    startAutoReconnect: function () { return invoke('startAutoReconnect', []); },
    stopAutoReconnect: function () { return invoke('stopAutoReconnect', []); },
    /** monitorConnectivity(on): report and act on online/offline (default on). */
    monitorConnectivity: function (on) { return invoke('monitorConnectivity', [on]); },
  };

  function tell(method, arg) {
    if (impl) impl[method](function () {}, function () {}, arg);
  }
  // A page going away unregisters at once (the Go side writes the
  // un-REGISTER before this handler returns); one restored from the
  // back/forward cache registers again.
  addEventListener('pagehide', function () { tell('unload'); });
  addEventListener('pageshow', function (e) { if (e.persisted) tell('restore'); });
  // Connectivity: no polling, the browser's own events.
  addEventListener('online', function () { tell('network', 'online'); });
  addEventListener('offline', function () { tell('network', 'offline'); });

  globalThis.kazoo = kazoo;
})();
