// window.bench over JsSIP (see common.js). register() is what a JsSIP
// page does to come online: a new JsSIP.UA and ua.start() (socket, then
// REGISTER) until 'registered'; unregister() is ua.unregister() until
// 'unregistered', then ua.stop() (JsSIP closes the socket up to 2 s later,
// while the REGISTER transaction lingers; state.liveSockets counts the
// sockets not closed yet). "accepted" is the session's 'confirmed': the
// 200 OK received, the answer applied and the ACK sent ('accepted' fires
// just before the ACK; it is reported as acceptedEvent).
(() => {
  const kit = window.benchKit;
  const state = { incoming: 0, ended: 0, liveSockets: 0 };
  const media = { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } };
  let autoAnswer = false;
  let ua = null;
  let session = null;

  // Play what arrives, as a softphone does; let go of it when the call ends.
  const track = (s) => {
    session = s;
    let audio = null;
    s.on('confirmed', () => {
      audio = new Audio();
      audio.srcObject = new MediaStream(s.connection.getReceivers().map((r) => r.track));
      audio.play().catch(() => {});
    });
    const end = () => {
      state.ended++;
      if (audio) { audio.pause(); audio.srcObject = null; audio = null; }
      if (session === s) session = null;
    };
    s.on('ended', end);
    s.on('failed', end);
  };

  window.bench = {
    state,
    autoAnswer(on) { autoAnswer = on; },
    async register(p) {
      const t0 = performance.now();
      const u = new JsSIP.UA({
        sockets: [new JsSIP.WebSocketInterface(p.wsUrl)],
        uri: p.publicIdentity,
        authorization_user: p.privateIdentity,
        password: p.password,
        realm: p.realm,
        register: true,
      });
      ua = u;
      u.on('newRTCSession', (e) => {
        if (e.originator !== 'remote') return;
        state.incoming++;
        track(e.session);
        if (autoAnswer) e.session.answer(media);
      });
      let open = false;
      u.on('connected', () => { if (!open) { open = true; state.liveSockets++; } });
      u.on('disconnected', () => { if (open) { open = false; state.liveSockets--; } });
      await kit.within(15_000, "'registered'", (resolve, reject) => {
        u.once('registered', resolve);
        u.once('registrationFailed', (e) => reject(new Error(`registrationFailed: ${e.cause}`)));
        u.start();
      });
      return performance.now() - t0;
    },
    async unregister() {
      const u = ua;
      const t0 = performance.now();
      await kit.within(15_000, "'unregistered'", (resolve) => {
        u.once('unregistered', resolve);
        u.unregister();
      });
      const ms = performance.now() - t0;
      u.stop();
      ua = null;
      return ms;
    },
    async call(uri) {
      const t0 = performance.now();
      const s = ua.call(uri, media);
      track(s);
      let tAcceptedEvent = null;
      await kit.within(15_000, "'confirmed'", (resolve, reject) => {
        s.once('accepted', () => { tAcceptedEvent = performance.now(); });
        s.once('confirmed', resolve);
        s.once('failed', (e) => reject(new Error(`call failed: ${e.cause}`)));
      });
      const tConfirmed = performance.now();
      const tRtp = await kit.firstRtp(() => kit.inboundPackets(s.connection));
      return { accepted: tConfirmed - t0, acceptedEvent: tAcceptedEvent - t0, firstRtp: tRtp - t0, ...kit.callerWire(t0) };
    },
    async hangup() {
      const s = session;
      const before = state.ended;
      s.terminate();
      await kit.within(15_000, "'ended'", (resolve) => {
        if (state.ended > before) resolve();
        else s.once('ended', resolve);
      });
    },
  };
})();
