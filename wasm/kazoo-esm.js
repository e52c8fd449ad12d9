/*
 * kazoo.mjs — the kazoo softphone library as an ES module:
 *
 *   import * as kazoo from 'kazoo';
 *   import { init, register, connect } from 'kazoo';
 *
 * It defines no global (the script build, kazoo.js, defines `kazoo`); if
 * a page loads both, they share one runtime (see kazoo-core.js). The
 * literal new URL('./…', import.meta.url) below is what Vite and webpack 5
 * recognise (Rollup with a plugin) to copy kazoo.wasm and the AudioWorklet
 * next to the bundle; init({wasmUrl}) still overrides, resolved against the page.
 * build.sh makes dist/kazoo.mjs from this file and kazoo-core.js.
 */

/* @kazoo-core */

// Vite's dev server serves a dependency pre-bundled into
// node_modules/.vite/deps/. Vite 8 points this module's files back at the
// package; Vite 7 pointed them into .vite/deps/, where they are not (its
// dev server answers with the page's HTML): take the package's own copies.
function packageFile(url) {
  return url.replace(/\/node_modules\/\.vite\/deps\/([^/?#]+)(?:[?#].*)?$/, '/node_modules/kazoo/$1');
}

const kazoo = kazooCore().api(function () {
  return {
    wasm: packageFile(new URL('./kazoo.wasm', import.meta.url).href),
    worklet: packageFile(new URL('./kazoo-audio-worklet.js', import.meta.url).href),
    base: typeof document !== 'undefined' ? document.baseURI : location.href,
  };
});

export default kazoo;
export const version = kazoo.version;
export const init = kazoo.init;
export const register = kazoo.register;
export const logout = kazoo.logout;
export const connect = kazoo.connect;
export const calls = kazoo.calls;
export const currentCall = kazoo.currentCall;
export const hangup = kazoo.hangup;
export const sendDTMF = kazoo.sendDTMF;
export const transfer = kazoo.transfer;
export const muteMicrophone = kazoo.muteMicrophone;
export const hold = kazoo.hold;
export const switchTo = kazoo.switchTo;
export const getStats = kazoo.getStats;
export const getQualityReport = kazoo.getQualityReport;
export const preflight = kazoo.preflight;
export const audio = kazoo.audio;
export const reconnect = kazoo.reconnect;
export const startAutoReconnect = kazoo.startAutoReconnect;
export const stopAutoReconnect = kazoo.stopAutoReconnect;
export const monitorConnectivity = kazoo.monitorConnectivity;
export const diagnostics = kazoo.diagnostics;
export const sendMessage = kazoo.sendMessage;
export const subscribe = kazoo.subscribe;
export const unsubscribe = kazoo.unsubscribe;
export const conference = kazoo.conference;
export const createPhone = kazoo.createPhone;
