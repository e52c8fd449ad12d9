/*
 * kazoo.js — the kazoo softphone library for <script src=".../kazoo.js">:
 * defines the global `kazoo` at once. kazoo.init() fetches kazoo.wasm from
 * this script's own directory (or init({wasmUrl}), resolved against it).
 * build.sh makes dist/kazoo.js from this file and kazoo-core.js.
 */
(function () {
  'use strict';

/* @kazoo-core */

  if (globalThis.kazoo && globalThis.kazoo.__loader) return; // loaded twice
  const script = document.currentScript;
  const base = new URL('.', (script && script.src) || location.href).href;
  globalThis.kazoo = kazooCore().api(function () {
    return {
      wasm: new URL('kazoo.wasm', base).href,
      worklet: new URL('kazoo-audio-worklet.js', base).href,
      base: base,
    };
  });
})();
