// Package flowrun runs a Kazoo callflow (package callflow) on one call
// answered by kazoo-dev: it speaks and plays prompts, collects digits,
// asks a Pivot application (package pivot) for more callflow, branches,
// and hands bridging, conferences, voicemail, recordings, presence and
// hanging up to the server through [Env].
//
// It is pure Go: the call's media is a [Leg] (mediaserver's IVR in
// kazoo-dev, a fake in tests) and everything that touches SIP or files
// is a function of [Env], so the runner is tested natively.
//
// Semantics follow Kazoo's callflow executor where kazoo-dev can:
//
//   - a node runs, then the flow continues to its "_" child; the flow
//     ends (the call is hung up) when there is none;
//   - pivot: a successful request's callflow replaces the rest of the
//     flow; a failed one (timeout, non-2xx, invalid JSON) is logged with
//     its stable key and the flow continues to the pivot node's "_"
//     child, the app's fallback;
//   - digits pressed during a prompt stop it when they are among its
//     terminators, and are kept for the next collect_dtmf or menu;
//   - user, device, bridge and resources ring their targets; an answered
//     bridge ends the flow when the bridged call ends, an unanswered one
//     continues to "_";
//   - a flow is bounded: at most 1000 nodes and 100 Pivot requests per
//     call, so a looping app cannot keep a call forever.
package flowrun
