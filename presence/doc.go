// Package presence reads the bodies of the NOTIFYs a watcher receives and
// tells what the watched extension is doing, in package phone's presence
// states. It is pure (no I/O, no clock) and safe on hostile input: any
// body gives a state, never a panic.
//
//   - dialoginfo.go: RFC 4235 dialog-info documents (the "dialog" event,
//     busy lamp field) and Dialogs, which follows a subscription's
//     dialogs across full and partial notifications: a confirmed dialog
//     is busy, an early one (or trying, proceeding) ringing, none or only
//     terminated ones idle.
//   - pidf.go: RFC 3863 PIDF documents (the "presence" event): basic open
//     or closed, with the RPID (RFC 4480) activities on-the-phone and busy
//     and a note saying so read as busy.
//   - xml.go: a small XML scanner for the few elements these need. It
//     keeps encoding/xml (about 100 KB of WebAssembly) out of the browser
//     build; it checks that tags nest, ignores namespaces (elements are
//     matched by local name), decodes the predefined and numeric entities,
//     and refuses DTDs, bodies over MaxBody and nesting over maxDepth.
package presence
