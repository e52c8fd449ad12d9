// Package media implements ua.Media on the browser's WebRTC, through
// pion/webrtc v4's js/wasm bindings: one RTCPeerConnection per call with
// a single audio transceiver carrying the microphone, non-trickle
// offer/answer (the SDP is returned once ICE gathering completes or
// Config.GatherTimeout passes), the remote audio played by a hidden
// <audio autoplay> element the package creates, DTMF with
// RTCDTMFSender, hold through the transceiver's direction, and a
// summary of getStats().
//
// pion on js has no track, DTMF or stats API, so every such operation
// goes through package jsbridge with pion's JSValue() escape hatch; this
// package itself never touches syscall/js. The peer connection keeps the
// default bundle policy: rtpengine answers without a BUNDLE group, which
// max-bundle would reject.
//
// NewFactory opens the microphone (getUserMedia) for each call. Its
// errors wrap ErrPermissionDenied, ErrNoMicrophone or
// ErrMicrophoneUnavailable so that the caller can tell the user what to
// do.
//
// A local conference sends a call a mix (Session.SendInstead) instead of
// the microphone, and Session.SendMicrophone puts the microphone back;
// the session's mute then silences our part of that mix.
//
// Outside a browser (not GOOS=js GOARCH=wasm) the package builds, but
// its factory fails with ErrUnsupported.
package media
