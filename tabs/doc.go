// Package tabs shares one SIP registration between the tabs of one
// browser that have the same account open (register({sharedTabs: true})).
//
// One tab, the leader, holds the WebSocket, the registration and every
// call's SIP; the leader is whichever tab holds the account's Web Lock,
// so there is exactly one, and when it goes away the browser gives the
// lock to another tab, which takes over. The other tabs, the followers,
// reach the leader over a BroadcastChannel named after the account:
//
//   - the leader publishes what happens (registered, incoming calls,
//     progress, answers, ends, DTMF, messages, notifications) with a
//     snapshot of each call ([CallInfo]), so every tab shows the same
//     calls ([Leader]);
//   - a follower asks the leader to dial, answer, hang up, hold, send
//     DTMF, transfer, mute or send a message ([Follower], a
//     phone.Engine whose calls are phone.Calls);
//   - media lives where the user acts: a call answered or placed in a
//     follower gets its audio from that tab's own peer connection. The
//     leader's user agent drives it through a [RemoteMedia], whose
//     offer/answer steps travel over the channel to that tab's
//     [MediaHost]; SIP stays with the leader;
//   - each established call's snapshot carries its dialog (opaque here:
//     the user agent's handover), so that a follower that becomes leader
//     can take the call over with a target-refresh re-INVITE.
//
// The package is pure Go: the channel is a function that posts text and
// a method that receives it ([Wire]), so it is tested natively with
// in-memory channels; cmd/kazoojs connects it to BroadcastChannel and
// Web Locks (package jsbridge). Messages are JSON, defined once in
// wire.go, written with encoding/json and read from a parsed tree
// (decode.go): the page gives NewTab the browser's JSON.parse, so that
// kazoo.wasm has no encoding/json decoder.
package tabs
