// In-page helpers shared by the two drivers (kazoo.js, jssip.js), which
// give the bench one API, window.bench, over either library:
//
//   bench.register(params) → ms until registered (socket opened too)
//   bench.unregister()     → ms until unregistered
//   bench.call(uri)        → {invite, accepted, firstRtp, …}: ms since the call was placed
//   bench.hangup()         → resolves once the call ended on this side
//   bench.autoAnswer(on)   answer every incoming call at once
//   bench.state            {incoming, ended, liveSockets}
//
// Times are performance.now() differences in the page, so the clock is
// the page's own and Node's round trips are not in them.
window.benchKit = {
  /** A promise for fn(resolve, reject) that rejects after ms. */
  within(ms, what, fn) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out (${ms} ms) waiting for ${what}`)), ms);
      fn((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
    });
  },

  /**
   * Polls packets() (inbound RTP packets so far) every 5 ms until it is
   * above 0; resolves with performance.now() then.
   */
  async firstRtp(packets, ms = 10_000) {
    const deadline = performance.now() + ms;
    for (;;) {
      if ((await packets()) > 0) return performance.now();
      if (performance.now() > deadline) throw new Error('no inbound RTP');
      await new Promise((r) => setTimeout(r, 5));
    }
  },

  /** Inbound audio RTP packets of an RTCPeerConnection, from getStats(). */
  async inboundPackets(pc) {
    if (!pc) return 0;
    let n = 0;
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') n += s.packetsReceived || 0;
    });
    return n;
  },

  /**
   * What the wire tap (wiretap.js) saw of the call placed at t0: ms from
   * t0 to our first INVITE and to the 200 for it, null without the tap.
   */
  callerWire(t0) {
    const log = window.__wire;
    if (!log) return { invite: null, ok200: null };
    const inv = log.find((e) => e.dir === 'out' && e.kind === 'INVITE' && e.at >= t0);
    const ok = inv && log.find((e) => e.dir === 'in' && e.kind === '200' && e.callId === inv.callId);
    log.length = 0; // keep the page's memory flat
    return { invite: inv ? inv.at - t0 : null, ok200: ok ? ok.at - t0 : null };
  },

  /**
   * The callee's side, from the wire tap: for each call since the last
   * look, in arrival order, ms from the INVITE arriving to our 200 leaving.
   */
  calleeWire() {
    const log = window.__wire || [];
    const out = [];
    for (const inv of log.filter((e) => e.dir === 'in' && e.kind === 'INVITE')) {
      if (out.some((o) => o.callId === inv.callId)) continue; // a retransmission
      const ok = log.find((e) => e.dir === 'out' && e.kind === '200' && e.callId === inv.callId);
      out.push({ callId: inv.callId, inviteTo200: ok ? ok.at - inv.at : null });
    }
    log.length = 0;
    return out.map((o) => o.inviteTo200);
  },
};
