// Package mediaserver is the native media of kazoo-dev's embedded SIP
// proxy: calls the server answers itself (an echo, a tone, an IVR that
// plays, listens and mixes for callflows) and a relay
// that anchors a call between a browser's WebRTC leg and a plain RTP leg
// (a desk phone, baresip, kazoo-rtmpgw), as rtpengine does next to
// Kamailio. The proxy passes SDP bodies as []byte and never sees pion.
//
// Audio is G.711 at 8 kHz: PCMU (PT 0), PCMA (PT 8) and
// telephone-event/8000 (RFC 4733). Relayed packets are never
// transcoded: payloads pass unchanged, payload types are mapped between
// the legs' SDPs. A WebRTC leg is a pion/webrtc PeerConnection with one
// audio transceiver: ICE (full, host candidates only), DTLS-SRTP,
// rtcp-mux, BUNDLE, non-trickle (every SDP the package returns carries
// its candidates, a=end-of-candidates included). A plain leg is one UDP
// socket speaking RTP/AVP.
//
// # Server
//
//	srv, err := mediaserver.New(mediaserver.Config{IPs: []string{"127.0.0.1"}, PortMin: 20000, PortMax: 20999})
//	defer srv.Close() // ends every session and bridge
//
// ICE gathers host candidates on Config.IPs only (loopback allowed, mDNS
// off, UDP only) and plain legs bind to one of them, so nothing listens
// elsewhere. Ports come from PortMin–PortMax (ephemeral when both are
// 0); plain legs take even ports. A plain leg binds to the configured IP
// of the peer's family and scope (loopback for a loopback peer), or the
// first one.
//
// # Echo and Tone
//
//	answer, sess, err := srv.Echo(offer)                     // 200 OK with answer
//	answer, sess, err := srv.Tone(offer, mediaserver.ToneSpec{Freqs: []float64{350, 440}})
//	answer, err = sess.Update(reOffer)                        // re-INVITE
//	sess.Close()                                              // BYE
//
// The offer is WebRTC (UDP/TLS/RTP/SAVPF with a=ice-ufrag and
// a=fingerprint) or plain (RTP/AVP); the answer is of the same kind.
// Echo answers with the offer's PCMU, PCMA and telephone-event and sends
// back every packet of those types, payload unchanged, in its own RTP
// stream (SSRC, sequence numbers and timestamps that keep the steps of
// what it received). Tone answers with the first G.711 codec of the offer
// and sends 20 ms frames generated in Go (ToneSpec: frequencies, on/off
// cadence, repeat count, level in dBm0), silence frames in the off
// periods, the marker bit on the first packet; what the peer sends is
// read and dropped. A plain session sends to the address of the offer's
// c=/m= lines until the first packet arrives, then to that packet's
// source (symmetric RTP, RFC 4961).
//
// # Bridge
//
// A Bridge relays one call between Side WebRTC and Side Plain. Each
// offer from one leg becomes an offer to the other, and the other leg's
// answer becomes the answer to the first:
//
//	b, err := srv.NewBridge() // ErrClosed once the server is closed
//	// the browser calls a desk phone
//	toPhone, err := b.Offer(mediaserver.WebRTC, browserOffer)  // RTP/AVP offer, our IP and port
//	toBrowser, err := b.Answer(mediaserver.Plain, phoneAnswer) // WebRTC answer, candidates in it
//	// the gateway calls a browser
//	toBrowser, err := b.Offer(mediaserver.Plain, gatewayOffer) // WebRTC offer
//	toGateway, err := b.Answer(mediaserver.WebRTC, browserAnswer)
//	// a re-INVITE the other leg refused (4xx/5xx): keep the call as it was
//	err = b.Cancel()
//	b.Close() // frees both legs
//
// The plain offer made from a browser's offer has the G.711 codecs the
// browser offered (in its order), telephone-event/8000 as PT 101 if the
// browser offered it, a=ptime:20 and the browser's direction; the WebRTC
// answer then accepts exactly the codec the phone chose (the first G.711
// codec of its answer) and telephone-event if both legs have it. The
// other way round, the WebRTC offer has the G.711 codecs the phone
// offered and telephone-event if it has it; the plain answer has the
// codec the browser chose. The first completed exchange fixes the call's
// codec: later offers to either leg carry it alone, and a re-offer
// without it fails with ErrNoCodec.
//
// Re-offers from either leg pass the same way: hold (a=sendonly,
// a=inactive, or c=0.0.0.0 from a plain leg), resume, a new address, an
// ICE restart from the browser (the plain re-offer is then the same SDP
// with the same o= version). The browser keeps its RTCPeerConnection.
// Directions are copied across and answers intersected with offers
// (RFC 3264 §6.1); nothing is sent to a leg that does not receive
// (sendonly or inactive from it, or c=0.0.0.0). pion itself always
// negotiates sendrecv (it would stop a transceiver for good on an
// inactive offer): the package writes the real direction into the SDP
// it returns, without a=msid and a=ssrc lines when it does not send
// (JSEP), and reads it from the SDP it gets.
//
// Packets of the plain leg go to the browser with the call's payload
// types in the browser's SDP, in one RTP stream with the SSRC pion
// negotiated (a custom TrackLocal, so G.711 and telephone-event share
// it); packets of the browser's track go to the plain leg's address,
// latched as for a plain session, with the payload types of the plain
// leg's SDP. Each leg gets a single RTP stream of its own: a new source
// SSRC (a phone restarting its stream) continues the sequence numbers
// and timestamps, with the marker bit. Header extensions and CSRCs are
// not relayed. Packets of other payload types are dropped. RTCP is
// terminated: pion sends reports on the WebRTC leg; the plain leg has no
// RTCP.
//
// Nothing of a re-offer is applied before its answer: a browser's offer
// reaches pion with the plain leg's answer, and a re-offer made to the
// browser is given to pion with the browser's answer. Cancel after a
// refused re-offer therefore leaves the call exactly as it was. An
// initial offer to the browser is applied at once (ICE gathers for it);
// a bridge whose initial offer was refused is closed.
//
// # IVR and Mixer
//
// An IVR is a leg whose audio kazoo-dev makes and hears itself, for
// callflows (prompts, digit collection, voicemail, conferences):
//
//	answer, v, err := srv.IVR(offer)        // answer an INVITE, WebRTC or plain
//	offer, v, err := srv.OfferIVR(true)     // or place a leg: WebRTC (false: plain RTP/AVP)
//	err = v.SetAnswer(answer)               // … with the far end's answer
//	err = v.Play(ctx, pcm)                  // 8 kHz mono int16, returns when sent
//	for d := range v.DTMF() { … }           // '0'–'9', '*', '#', 'A'–'D'
//	v.InjectDTMF('5')                       // a digit from a SIP INFO
//	pcm, err = v.Record(ctx, 2*time.Minute) // until ctx ends or the limit
//	level := v.Heard()                      // RMS of the last second, 0–1
//	answer, err = v.Update(reOffer)         // re-INVITE
//	v.Close()                               // BYE
//
// Answering, the IVR sends the first G.711 codec of the offer (at the
// offer's payload type) and accepts telephone-event; its answer has
// those two only. OfferIVR offers PCMU (0), PCMA (8) and
// telephone-event/8000 (101), a WebRTC offer complete with candidates;
// the IVR then sends the first G.711 codec of the answer.
//
// The IVR sends a 20 ms frame every 20 ms from the start to the end of
// the call: the current Play's samples, silence otherwise, so the far
// end gets one steady RTP stream (the marker bit on the first packet).
// Play paces its samples in real time and returns once the last frame
// is sent, or at once with ctx.Err() when ctx ends (the rest is not
// sent) or ErrClosed; Plays are serialised. A Play waits for the leg to
// connect (a WebRTC leg's DTLS, a plain leg's first packet sent), up to
// 5 s after the answer, so a prompt started with the 200 OK is heard
// from its start. While the far end holds (sendonly, inactive,
// c=0.0.0.0) frames are dropped, and a Play runs its course unheard.
//
// DTMF delivers each RFC 4733 event once, on its first packet: the
// packets that follow (updates, the three end packets, retransmissions)
// share its SSRC and timestamp and are dropped. Digits given to
// InjectDTMF (SIP INFO) come through the same channel. It buffers 64
// digits (more are dropped with a warning) and is closed by Close.
//
// Record decodes what the far end sends (PCMU or PCMA) to 8 kHz int16,
// filling gaps in its RTP timestamps (up to 1 s) with silence, until ctx
// ends or max (at most MaxRecord) elapses; several Records may run at
// once (a voicemail and record_call). It returns the samples in every
// case, with ErrClosed when the IVR was closed meanwhile.
//
// A Mixer is a server-side conference; a bridge of two calls is a mixer
// of two:
//
//	m := srv.NewMixer()
//	err = m.Add(a); err = m.Add(b) // ErrState if already in another mixer
//	m.Remove(a)                    // a hears its own prompts and silence again
//	m.Close()                      // Server.Close closes it too
//
// Every 20 ms the mixer takes a frame of each member (from a jitter
// buffer of 40 to 160 ms; silence when none is ready), and sends each
// member the sum of the others' frames, not its own, clipped to 16
// bits. While in a mixer a member's own Play goes on and is mixed into
// what that member alone hears (a prompt to one participant, e.g. "you
// are the first caller"); the others do not hear it. DTMF and Record
// work as outside the mixer. Closing an IVR takes it out of its mixer.
//
// The packet paths take no lock of the control calls (Update, SetAnswer,
// Close may wait for ICE gathering): decoding, metering, recording and
// the mixer's input use small locks of their own.
//
// # Errors and robustness
//
// Bad input gives errors wrapping the sentinels of errors.go: ErrBadSDP
// (syntax, size above 64 KiB, wrong kind of SDP for the side, SDES-SRTP,
// a hostname in c=), ErrNoAudio, ErrNoCodec, and ErrState for an answer
// without an offer or an offer while one is pending (glare); the proxy
// answers 488 (or 491 for ErrState). An Offer that fails leaves the call
// as it was; an Answer (or Update) that fails once pion took the SDP may
// leave the WebRTC leg unusable, and the call should be ended. Panics in pion's SDP handling and in the packet paths are
// recovered; datagrams that are not RTP version 2, RTCP on the RTP port,
// and packets from a source other than the latched one are dropped.
//
// Close on a Session, Bridge, IVR or Mixer frees its sockets and
// PeerConnection and waits for its goroutines; Server.Close closes them
// all. The package does not end anything by itself: a peer that
// vanishes (ICE failure, a closed tab) leaves its session, bridge or IVR
// open until the proxy closes it on BYE or on the end of the browser's
// SIP connection.
//
// # Tests
//
// go test -race runs the package against pion PeerConnections standing
// in for Chromium and UDP sockets standing in for desk phones, all on
// 127.0.0.1. MEDIASERVER_DEBUG=1 logs at debug level;
// MEDIASERVER_MEASURE=<calls> runs TestMeasureBridge, which reports
// set-up times, one-way relay latency and CPU of that many bridged calls.
//
// # Platforms
//
// The package uses pion natively; on js/wasm only this documentation and
// the error values build (kazoo's browser side uses package media).
package mediaserver
