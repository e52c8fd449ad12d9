// Init script (runs before any page script): timestamps SIP messages at
// the WebSocket, the moment the page hands them to the socket or the
// socket dispatches them to the page, whatever library sits above it.
// window.__wire lists {dir: 'in'|'out', kind: 'INVITE'|'200', callId, at}
// for INVITE requests and 200 responses to INVITE; `at` is
// performance.now(). Our listener is added in the constructor, before the
// library's own, so it runs first.
(() => {
  const log = [];
  window.__wire = log;
  const decoder = new TextDecoder();
  const text = (d) => {
    if (typeof d === 'string') return d;
    if (d instanceof ArrayBuffer || ArrayBuffer.isView(d)) return decoder.decode(d);
    return ''; // a Blob: neither library receives those (binaryType arraybuffer)
  };
  const record = (dir, data) => {
    const at = performance.now();
    const s = text(data);
    let kind = null;
    if (s.startsWith('INVITE ')) kind = 'INVITE';
    else if (s.startsWith('SIP/2.0 200') && /^CSeq[ \t]*:[ \t]*\d+[ \t]+INVITE[ \t]*\r?$/mi.test(s)) kind = '200';
    if (!kind) return;
    const m = /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/mi.exec(s);
    log.push({ dir, kind, callId: m ? m[1] : '', at });
  };
  const Native = window.WebSocket;
  window.WebSocket = new Proxy(Native, {
    construct(target, args) {
      const ws = Reflect.construct(target, args);
      ws.addEventListener('message', (e) => record('in', e.data));
      return ws;
    },
  });
  const send = Native.prototype.send;
  Native.prototype.send = function (data) {
    record('out', data);
    return send.call(this, data);
  };
})();
