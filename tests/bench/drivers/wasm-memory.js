// Init script (runs before any page script): keeps the WebAssembly
// instance the page creates, however it creates it (instantiateStreaming,
// instantiate, or compileStreaming then new WebAssembly.Instance), so that
// the bench can read its linear memory. window.__benchWasmBytes() is the
// byte length of every memory the instance exports (Go exports one, mem);
// 0 when the page made no instance (JsSIP).
(() => {
  const W = WebAssembly;
  let instance = null;
  const NativeInstance = W.Instance;
  const keep = (r) => {
    const inst = r instanceof NativeInstance ? r : r && r.instance;
    if (inst instanceof NativeInstance) instance = inst;
    return r;
  };
  for (const name of ['instantiateStreaming', 'instantiate']) {
    const f = W[name];
    if (f) W[name] = function (...args) { return f.apply(this, args).then(keep); };
  }
  W.Instance = new Proxy(NativeInstance, {
    construct(target, args) { return keep(Reflect.construct(target, args)); },
  });
  window.__benchWasmBytes = () => {
    if (!instance) return 0;
    let n = 0;
    for (const v of Object.values(instance.exports)) {
      if (v instanceof W.Memory) n += v.buffer.byteLength;
    }
    return n;
  };
})();
