// window.bench over kazoo (see common.js). kazoo's callbacks are given to
// register(); they feed one-shot waiters. "accepted" is onAccepted: the
// 200 OK received, the ACK sent and the answer applied to the
// RTCPeerConnection.
(() => {
  const kit = window.benchKit;
  // The peer connections kazoo makes (pion creates them through the
  // global), so that the first inbound RTP is read from the browser's own
  // getStats, as for JsSIP: polling kazoo.getStats() instead would add
  // the library's stats summary to every poll.
  const pcs = new Set();
  const PC = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends PC {
    constructor(...a) {
      super(...a);
      // Closed ones go, so that a long-lived page (the soak) keeps none.
      for (const pc of pcs) if (pc.signalingState === 'closed') pcs.delete(pc);
      pcs.add(this);
    }
  };
  const callPC = () => [...pcs].find((pc) => pc.signalingState !== 'closed' && pc.remoteDescription);
  const state = { incoming: 0, ended: 0, liveSockets: 0 };
  let autoAnswer = false;
  let waiters = [];
  const fire = (name, arg) => {
    const hit = waiters.filter((w) => w.names.includes(name));
    waiters = waiters.filter((w) => !w.names.includes(name));
    for (const w of hit) w.done(name, arg);
  };
  // Resolves with the arg of the first of ok; rejects on any of fail.
  const next = (ok, fail, what, ms = 15_000) => kit.within(ms, what, (resolve, reject) => {
    waiters.push({
      names: [...ok, ...fail],
      done: (name, arg) => (ok.includes(name) ? resolve(arg) : reject(new Error(`${what}: ${name} ${JSON.stringify(arg)}`))),
    });
  });

  const callbacks = {
    onConnected: () => fire('connected'),
    onError: (e) => fire('error', e),
    onAccepted: () => fire('accepted'),
    onHangup: () => { state.ended++; fire('ended'); },
    onCancel: (d) => { state.ended++; fire('cancel', d); fire('ended'); },
    onIncoming: (call) => {
      state.incoming++;
      if (autoAnswer) call.accept();
    },
  };

  window.bench = {
    state,
    autoAnswer(on) { autoAnswer = on; },
    async register(params) {
      const t0 = performance.now();
      const registered = next(['connected'], ['error'], 'onConnected');
      kazoo.register({ ...params, ...callbacks });
      await registered;
      state.liveSockets = 1;
      return performance.now() - t0;
    },
    async unregister() {
      const t0 = performance.now();
      await kazoo.logout(); // un-REGISTER answered, socket closed
      state.liveSockets = 0;
      return performance.now() - t0;
    },
    async call(uri) {
      const t0 = performance.now();
      const accepted = next(['accepted'], ['cancel', 'error'], 'onAccepted');
      kazoo.connect(uri).catch((e) => fire('error', e));
      await accepted;
      const tAccepted = performance.now();
      for (const pc of pcs) if (pc.signalingState === 'closed') pcs.delete(pc);
      const tRtp = await kit.firstRtp(() => kit.inboundPackets(callPC()));
      return { accepted: tAccepted - t0, firstRtp: tRtp - t0, ...kit.callerWire(t0) };
    },
    async hangup() {
      const ended = next(['ended'], [], 'onHangup');
      await kazoo.hangup();
      await ended;
    },
  };
})();
