// Init script (runs before any page script, so before kazoo loads):
// counts the RTCPeerConnections the page makes, however it makes them
// (pion creates them through the global). window.__benchPCs() is
// {created, open, reachable}: made so far, not closed yet, and still
// reachable from anything (a WeakRef that has not been cleared: read it
// after a garbage collection). A leak shows as open or reachable growing.
// window.__benchOpenPCs() is the open ones themselves. Only WeakRefs are
// kept here, so the count holds no connection alive.
(() => {
  const PC = window.RTCPeerConnection;
  if (!PC) return;
  let created = 0;
  let refs = [];
  const Counted = function (...args) {
    const pc = Reflect.construct(PC, args, new.target || Counted);
    created++;
    refs.push(new WeakRef(pc));
    return pc;
  };
  Counted.prototype = PC.prototype;
  Object.setPrototypeOf(Counted, PC);
  window.RTCPeerConnection = Counted;
  const openPCs = () => {
    refs = refs.filter((r) => r.deref() !== undefined);
    return refs.map((r) => r.deref()).filter((pc) => pc && pc.signalingState !== 'closed');
  };
  window.__benchOpenPCs = openPCs;
  window.__benchPCs = () => {
    const open = openPCs().length;
    return { created, open, reachable: refs.length };
  };
})();
