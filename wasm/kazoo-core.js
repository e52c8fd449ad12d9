/*
 * kazoo-core.js — the loader of the kazoo softphone library (Go compiled
 * to WebAssembly), written once for both builds build.sh makes from it:
 *
 *   dist/kazoo.js   classic script: kazoo-script.js around this file,
 *                   defines the global `kazoo`;
 *   dist/kazoo.mjs  ES module: kazoo-esm.js around this file, named exports.
 *
 * build.sh puts the Go toolchain's wasm_exec.js (it must match the
 * compiler) in kazooGoClass, and the byte size of the kazoo.wasm it built
 * in KAZOO_WASM_SIZE.
 *
 * Nothing here runs before init(): no fetch, no compile, wasm_exec.js not
 * even evaluated. init() fetches kazoo.wasm, compiles it while it
 * downloads, and starts the Go runtime. Calls made before the runtime is
 * ready are queued and replayed in order. Every method returns a Promise
 * and also calls the kazoo.js callbacks.
 *
 * One runtime a page: the first build evaluated keeps its state under
 * globalThis[Symbol.for('kazoo.core <version>')], and a second build of
 * the same version on the page (the script and the module, or one of them
 * twice) drives that same runtime. The first init() decides where
 * kazoo.wasm and the AudioWorklet come from.
 */

const VERSION = '0.1.0';
// Bytes of the kazoo.wasm built with this loader: onProgress's total when
// the response does not say (compressed transfer).
const KAZOO_WASM_SIZE = Number('@KAZOO_WASM_SIZE') || 0;

// kazooGoClass evaluates wasm_exec.js and returns the Go class it defines,
// leaving globalThis.Go as it was: the page may have a Go of its own.
function kazooGoClass() {
  const hadGo = Object.prototype.hasOwnProperty.call(globalThis, 'Go');
  const pageGo = globalThis.Go;
  /* @wasm_exec.js */
  const KazooGo = globalThis.Go;
  if (hadGo) globalThis.Go = pageGo;
  else delete globalThis.Go;
  return KazooGo;
}

// kazooCore returns the page's loader state, making it on first use.
function kazooCore() {
  const slot = Symbol.for('kazoo.core ' + VERSION);
  if (globalThis[slot]) return globalThis[slot];

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

  // progress calls onProgress({loaded, total}) and keeps its errors away
  // from the load.
  function progress(onProgress, loaded, total) {
    try {
      onProgress({ loaded: loaded, total: total });
    } catch (e) {
      console.error('kazoo: onProgress threw', e);
    }
  }

  // countBytes reads a copy of the response body and reports the bytes
  // that arrived. total is the size of the kazoo.wasm built with this
  // loader, else Content-Length when the body is not compressed (with
  // Content-Encoding the length is the compressed size), else 0: unknown.
  // It becomes 0 if more bytes arrive than it said, and the last call has
  // loaded === total.
  async function countBytes(res, onProgress) {
    const length = Number(res.headers.get('Content-Length')) || 0;
    const encoded = (res.headers.get('Content-Encoding') || 'identity').toLowerCase() !== 'identity';
    let total = KAZOO_WASM_SIZE || (encoded ? 0 : length);
    let loaded = 0;
    progress(onProgress, 0, total);
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!value.byteLength) continue;
      loaded += value.byteLength;
      if (loaded > total) total = 0;
      progress(onProgress, loaded, total);
    }
    if (total !== loaded) progress(onProgress, loaded, loaded);
  }

  // instantiate fetches and compiles kazoo.wasm. The Response from fetch()
  // goes to instantiateStreaming itself: compiling starts with the first
  // bytes, and Chromium keeps the compiled code in its cache for the next
  // visit (a Response built from a stream has no URL and is never cached).
  // onProgress counts the bytes of a clone of that Response.
  async function instantiate(url, go, onProgress) {
    const res = await fetch(url, { credentials: 'same-origin' });
    if (!res.ok) throw new Error('HTTP ' + res.status + ' for ' + url);
    const counting = onProgress && res.body ? countBytes(res.clone(), onProgress) : null;
    const type = res.headers.get('Content-Type') || '';
    const result = WebAssembly.instantiateStreaming && /^application\/wasm\s*(;|$)/i.test(type)
      ? WebAssembly.instantiateStreaming(res, go.importObject)
      // A server without the application/wasm type: compile from bytes.
      : res.arrayBuffer().then(function (bytes) { return WebAssembly.instantiate(bytes, go.importObject); });
    return (await Promise.all([result, counting]))[0];
  }

  // Call objects (onIncoming's argument, connect()'s result, calls())
  // share these methods; the Go side makes them with hooks.newCall(data,
  // phone) and sets state, answeredAt, receivedHeaders and end as they
  // change. call(method, args) runs a method of the call's phone.
  function callMethods(call) {
    return {
      accept: function (options) { return call('callAccept', [this.id, options]); },
      reject: function (code) { return call('callReject', [this.id, code]); },
      hangup: function () { return call('callHangup', [this.id]); },
      hold: function (on) { return call('callHold', [this.id, on]); },
      sendDTMF: function (tones) { return call('callSendDTMF', [this.id, tones]); },
      transfer: function (uri) { return call('callTransfer', [this.id, uri]); },
      mute: function (on) { return call('callMute', [this.id, on]); },
      getStats: function () { return call('callGetStats', [this.id]); },
      getQualityReport: function () { return call('callGetQualityReport', [this.id]); },
      /** getHeader(name): the first received header field of that name (any case), else null. */
      getHeader: function (name) {
        const want = String(name).toLowerCase();
        const h = (this.receivedHeaders || []).find(function (x) { return x.name.toLowerCase() === want; });
        return h ? h.value : null;
      },
    };
  }
  const callPrototype = callMethods(invoke); // the global kazoo's calls (phone 0)
  // The call prototypes of the phones createPhone() made, by phone id.
  const phoneCalls = new Map();
  const destroyedCalls = callMethods(function () { return gone(); });

  // gone is the rejection of a destroyed phone's methods.
  function gone() {
    const p = Promise.reject(kazooError('not_registered', 'this phone was destroyed (destroy())'));
    p.catch(function () {});
    return p;
  }

  // kazoo.audio's device roles: microphone, speaker, ringtone.
  function deviceRole(role) {
    return {
      set: function (deviceId) { return invoke('audioSet', [role, deviceId]); },
      get: function () { return invoke('audioGet', [role]); },
      reset: function () { return invoke('audioSet', [role, '']); },
    };
  }
  const audio = Object.freeze({
    /** availableDevices(kind?): the audio devices ('audioinput', 'audiooutput' or both). */
    availableDevices: function (kind) { return invoke('audioDevices', [kind]); },
    microphone: Object.freeze(deviceRole('microphone')),
    speaker: Object.freeze(deviceRole('speaker')),
    ringtone: Object.freeze(deviceRole('ringtone')),
  });
  const hooks = {
    newCall: function (data, phone) {
      const proto = !phone ? callPrototype : (phoneCalls.get(phone) || destroyedCalls);
      return Object.assign(Object.create(proto), data);
    },
    // The RTMP path's AudioWorklet module; set by load().
    workletUrl: '',
  };

  // load starts the runtime once; urls = {wasm, worklet} are absolute.
  function load(urls, onProgress) {
    if (loading) return loading;
    hooks.workletUrl = urls.worklet;
    const url = urls.wasm;
    loading = (async function () {
      if (typeof WebAssembly !== 'object') {
        fail('load_failed', 'this browser has no WebAssembly');
        return;
      }
      let go;
      let result;
      try {
        go = new (kazooGoClass())();
        // A soft memory limit for the Go runtime: the wasm linear memory
        // grows to the heap's high-water mark and never shrinks, and by
        // default the heap may grow to twice what is live before a
        // collection. Measured over 120 register/call/hang-up/logout
        // cycles in one page: linear memory 12.0 MB without it, 9.2 MB at
        // 5 MiB, 8.7 MB at 4 MiB, for 3-6 % more time per cycle (pure
        // signalling, back to back). A heap that needs more still gets it.
        go.env = { GOMEMLIMIT: '4MiB' };
        result = await instantiate(url, go, onProgress);
      } catch (e) {
        fail('load_failed', 'cannot load ' + url + ': ' + (e && e.message ? e.message : e));
        return;
      }
      // The Go side calls this once, synchronously inside go.run().
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

  // phoneMethods are a phone's own methods (the global kazoo's and each
  // createPhone()'s), running through call(method, args).
  function phoneMethods(call) {
    return {
      /** register({wsUrl, realm, privateIdentity, publicIdentity, password, onConnected, onError, …}) */
      register: function (params) { return call('register', [params]); },
      /** logout(): hang up, unregister (Expires: 0) and close the socket. */
      logout: function () { return call('logout', []); },
      /** connect(uri, {extraHeaders}): call; resolves with the call object once the INVITE is sent. */
      connect: function (uri, options) { return call('connect', [uri, options]); },
      /** calls(): the call objects of the calls not over, oldest first. */
      calls: function () { return call('calls', []); },
      /** currentCall(): the call object the global methods act on, or null. */
      currentCall: function () { return call('currentCall', []); },
      /** hangup(): BYE, CANCEL or reject, as the current call stands. */
      hangup: function () { return call('hangup', []); },
      /** sendDTMF(tones): 0-9, * and # only. */
      sendDTMF: function (tones) { return call('sendDTMF', [tones]); },
      /** transfer(uri | call): blind transfer, or attended to another call (REFER with Replaces); onTransfer when it succeeded. */
      transfer: function (uri) { return call('transfer', [uri]); },
      /** muteMicrophone(mute, onSuccess, onError) */
      muteMicrophone: function (mute, onSuccess, onError) {
        return call('muteMicrophone', [mute, onSuccess, onError]);
      },
      /** hold(on): re-INVITE sendonly (true) or sendrecv (false). */
      hold: function (on) { return call('hold', [on]); },
      /** switchTo(call): hold the current call, resume call; it becomes the current one. */
      switchTo: function (c) { return call('switchTo', [c]); },
      /** getStats(): the current call's audio statistics. */
      getStats: function () { return call('getStats', []); },
      /** getQualityReport(): the current call's statistics plus MOS, ranges and warnings. */
      getQualityReport: function () { return call('getQualityReport', []); },
      /** preflight({uri, durationMs, iceServers, register}): call an echo, measure, hang up, report. */
      preflight: function (options) { return call('preflight', [options]); },
      /** reconnect(): re-register now with the original parameters. */
      reconnect: function () { return call('reconnect', []); },
      /** startAutoReconnect() / stopAutoReconnect(): control the reconnect loop. */
      startAutoReconnect: function () { return call('startAutoReconnect', []); },
      stopAutoReconnect: function () { return call('stopAutoReconnect', []); },
      /** sendMessage(uri, text, {contentType, extraHeaders}): SIP MESSAGE; resolves {code, reason} once delivered. */
      sendMessage: function (uri, text, options) { return call('sendMessage', [uri, text, options]); },
      /** subscribe(uris, {event: 'dialog'|'presence', expires}): watch them; states come to onPresence. */
      subscribe: function (uris, options) { return call('subscribe', [uris, options]); },
      /** unsubscribe(uris?): end those subscriptions (all without uris), Expires: 0. */
      unsubscribe: function (uris) { return call('unsubscribe', [uris]); },
      /** conference(calls): mix these established calls in the page (each hears the others and us); [] ends it. */
      conference: function (calls) { return call('conference', [calls]); },
    };
  }

  // newPhone wraps the Go object of a phone createPhone() made: its
  // methods call obj's, and reject once it is destroyed.
  function newPhone(obj) {
    const id = obj.id;
    let destroyed = false;
    function call(method, args) {
      if (destroyed || failure || typeof obj[method] !== 'function') return failure ? Promise.reject(failure) : gone();
      const p = new Promise(function (resolve, reject) {
        obj[method].apply(null, [resolve, reject].concat(args));
      });
      p.catch(function () {});
      return p;
    }
    phoneCalls.set(id, callMethods(call));
    const phone = phoneMethods(call);
    phone.id = id;
    /** destroy(): hang up, unregister, and free the phone; its methods reject afterwards. */
    phone.destroy = function () {
      if (destroyed) return Promise.resolve();
      const p = call('destroy', []);
      destroyed = true;
      return p.finally(function () { phoneCalls.delete(id); });
    };
    return Object.freeze(phone);
  }

  // api makes a kazoo object; defaults() returns {wasm, worklet, base}:
  // the URLs of kazoo.wasm and the AudioWorklet next to this build, and
  // the base that a relative init({wasmUrl}) is resolved against.
  function api(defaults) {
    return Object.assign({
      __loader: true,
      version: VERSION,

      /** init({onLoaded, onProgress, onFlashMissing, flashContainer, forceRTMP, wasmUrl, debug}) */
      init: function (params) {
        const d = defaults();
        const wasmUrl = params && typeof params.wasmUrl === 'string' ? params.wasmUrl : '';
        const onProgress = params && typeof params.onProgress === 'function' ? params.onProgress : null;
        load({ wasm: wasmUrl ? new URL(wasmUrl, d.base).href : d.wasm, worklet: d.worklet }, onProgress);
        return invoke('init', [params]);
      },
      /** audio: availableDevices() and the microphone, speaker and ringtone devices. */
      audio: audio,
      /** monitorConnectivity(on): report and act on online/offline, for every phone (default on). */
      monitorConnectivity: function (on) { return invoke('monitorConnectivity', [on]); },
      /** diagnostics({gc, stacks}): leak counters (goroutines, live JS functions, Go heap); gc collects first; stacks adds every goroutine's stack. */
      diagnostics: function (options) { return invoke('diagnostics', [options]); },
      /**
       * createPhone(params?): resolves with a new phone of its own (account,
       * registration, calls, callbacks) with the per-phone methods and
       * destroy(). With params it starts registering at once, as
       * phone.register(params) would (the callbacks tell how it went).
       */
      createPhone: function (params) {
        return invoke('createPhone', []).then(function (obj) {
          const phone = newPhone(obj);
          if (params !== undefined) phone.register(params);
          return phone;
        });
      },
    }, phoneMethods(invoke));
  }

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

  const core = { api: api };
  Object.defineProperty(globalThis, slot, { value: core });
  return core;
}
