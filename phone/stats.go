package phone

// MediaStats summarises the audio of one call, for the page's getStats().
// On the WebRTC path, ua's Media (package media) fills it from RTCPeerConnection.getStats();
// rtmpua fills the fields its audio pipe has (frames for packets) and
// the RTMP-only ones below. Zero values mean "nothing yet" or "not
// measured on this path".
type MediaStats struct {
	// inbound-rtp (kind audio): what we receive.
	InboundPackets, InboundBytes, InboundPacketsLost int64
	InboundJitter                                    float64 // seconds
	InboundAudioEnergy, InboundAudioLevel            float64 // totalAudioEnergy, audioLevel (0..1)
	InboundSamplesDuration                           float64 // seconds of audio played out
	// outbound-rtp (kind audio): what we send.
	OutboundPackets, OutboundBytes int64
	// media-source (kind audio): the microphone track.
	SourceAudioEnergy, SourceAudioLevel float64
	// RoundTripTime is the selected candidate pair's currentRoundTripTime
	// (seconds), or RTCP's when ICE has none.
	RoundTripTime float64
	// Codec is the codec's mimeType, e.g. "audio/opus" ("G.711" on the
	// RTMP path).
	Codec string
	// ICEState is the peer connection's iceConnectionState.
	ICEState string
	// Direction is the audio transceiver's negotiated direction
	// (currentDirection), "" before the first negotiation.
	Direction string

	// RTMP path only: the playout of received frames.
	InboundPlayed, InboundDropped, Underruns int64
	BufferMs                                 float64 // audio queued for playout
}
