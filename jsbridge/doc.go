// Package jsbridge is the small kit kazoo uses to talk to JavaScript
// from Go compiled to wasm, on top of github.com/hack-pad/safejs (every
// JS access returns an error instead of panicking):
//
//   - [Await] waits for a JS promise from a goroutine, releasing its
//     callbacks once it settles;
//   - [Export] puts a Go method on a JS object: the JS caller gets a
//     promise, the Go body runs on its own goroutine (never inside the
//     js.FuncOf, which must not block), and a panic becomes a rejection;
//   - [Schedule] calls a page callback from a microtask, so the page's
//     code never runs on kazoo's stack and its exceptions stay its own;
//   - [Params] reads a page's parameter object with type checks that
//     name the faulty parameter;
//   - [ConsoleHandler] sends log/slog records to the browser console;
//   - the media helpers reach what pion/webrtc's js build lacks through its
//     JSValue() escape hatch ([JSValuer]): [GetUserMedia], [ReplaceTrack],
//     [SetTransceiverDirection], [InsertDTMF], [GetStats], [ListenPeer]
//     and [NewRemoteAudio] (the hidden <audio> element of a call);
//   - audio devices: [EnumerateDevices], [ListenDeviceChange],
//     [OpenMicrophoneDevice] (a given deviceId), the [Microphone]'s track,
//     device ID, 'ended' event and mute-independent [Microphone.Meter],
//     and the output device of a call ([RemoteAudio.SetSinkID],
//     [ErrNoSinkSelection] where the browser cannot choose);
//   - [LevelMeter] copies an AnalyserNode's latest samples into Go (a
//     MediaStream in one shared page AudioContext, or an AudioNode in its
//     own); Go computes the level from them;
//   - [AudioPipe] is the microphone and speaker of the media path without
//     WebRTC: an AudioContext with the G.711 capture and playback
//     processors of wasm/kazoo-audio-worklet.js (all per-sample work runs
//     there), passing 20 ms frames to and from Go; its capture device can
//     be switched while frames flow, its output device chosen, and both
//     directions metered;
//   - [Mixer] is a local conference's graph on an AudioContext of its own:
//     each member is sent our microphone and the other members (never
//     itself), summed by Web Audio nodes;
//   - [Ringer] rings for an incoming call (the UK cadence, Web Audio
//     oscillators gated by a looping envelope) on an AudioContext of its
//     own, so on its own output device.
//
// Only this package and cmd/kazoojs touch syscall/js. All files but this
// one build only for js/wasm.
package jsbridge
