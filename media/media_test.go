package media

import (
	"errors"
	"strings"
	"testing"

	"github.com/kazoo-softphone/kazoo/phone"
)

func TestSummarise(t *testing.T) {
	report := []map[string]any{
		{"id": "IT01", "type": "inbound-rtp", "kind": "audio", "packetsReceived": 111.0, "bytesReceived": 7703.0,
			"packetsLost": 2.0, "jitter": 0.001, "totalAudioEnergy": 0.12, "audioLevel": 0.11, "totalSamplesDuration": 2.24, "codecId": "CIT01_111"},
		{"id": "IV01", "type": "inbound-rtp", "kind": "video", "packetsReceived": 999.0},
		{"id": "OT01", "type": "outbound-rtp", "kind": "audio", "packetsSent": 110.0, "bytesSent": 7600.0, "codecId": "COT01_111"},
		{"id": "SA1", "type": "media-source", "kind": "audio", "totalAudioEnergy": 0.14, "audioLevel": 0.2},
		{"id": "CIT01_111", "type": "codec", "mimeType": "audio/opus"},
		{"id": "COT01_111", "type": "codec", "mimeType": "audio/OPUS-out"},
		{"id": "CP1", "type": "candidate-pair", "nominated": true, "state": "succeeded", "currentRoundTripTime": 0.004,
			"localCandidateId": "L1", "remoteCandidateId": "R1"},
		{"id": "CP2", "type": "candidate-pair", "nominated": false, "state": "in-progress", "currentRoundTripTime": 0.5,
			"localCandidateId": "L2", "remoteCandidateId": "R1"},
		{"id": "L1", "type": "local-candidate", "candidateType": "relay"},
		{"id": "L2", "type": "local-candidate", "candidateType": "host"},
		{"id": "R1", "type": "remote-candidate", "candidateType": "host"},
		{"id": "T01", "type": "transport", "selectedCandidatePairId": "CP1", "dtlsState": "connected"},
		{"id": "RI1", "type": "remote-inbound-rtp", "kind": "audio", "roundTripTime": 0.09},
	}
	got := summarise(report)
	want := phone.MediaStats{
		InboundPackets: 111, InboundBytes: 7703, InboundPacketsLost: 2, InboundJitter: 0.001,
		InboundAudioEnergy: 0.12, InboundAudioLevel: 0.11, InboundSamplesDuration: 2.24,
		OutboundPackets: 110, OutboundBytes: 7600,
		SourceAudioEnergy: 0.14, SourceAudioLevel: 0.2,
		RoundTripTime: 0.004, Codec: "audio/opus",
		DTLSState: "connected", LocalCandidateType: "relay", RemoteCandidateType: "host",
	}
	if got != want {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}

	// No selected pair: RTCP's round trip; no inbound codec: the outbound one.
	got = summarise([]map[string]any{
		{"id": "OT01", "type": "outbound-rtp", "kind": "audio", "codecId": "C"},
		{"id": "C", "type": "codec", "mimeType": "audio/PCMU"},
		{"id": "RI1", "type": "remote-inbound-rtp", "kind": "audio", "roundTripTime": 0.09},
	})
	if got.RoundTripTime != 0.09 || got.Codec != "audio/PCMU" {
		t.Fatalf("fallbacks: %+v", got)
	}
	// A selected pair measuring 0 (loopback) wins over RTCP's older figure.
	got = summarise([]map[string]any{
		{"id": "CP1", "type": "candidate-pair", "nominated": true, "state": "succeeded", "currentRoundTripTime": 0.0},
		{"id": "T01", "type": "transport", "selectedCandidatePairId": "CP1"},
		{"id": "RI1", "type": "remote-inbound-rtp", "kind": "audio", "roundTripTime": 1.002},
	})
	if got.RoundTripTime != 0 {
		t.Fatalf("stale RTCP round trip over a 0 from ICE: %v", got.RoundTripTime)
	}
	if (summarise(nil) != phone.MediaStats{}) {
		t.Fatal("empty report")
	}
}

func TestICEUfrag(t *testing.T) {
	sdp := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:ab/C \r\na=ice-pwd:x\r\na=ice-ufrag:second\r\n"
	if u := iceUfrag(sdp); u != "ab/C" {
		t.Fatalf("ufrag = %q", u)
	}
	if u := iceUfrag("v=0\r\n"); u != "" {
		t.Fatalf("ufrag = %q", u)
	}
}

func TestMicrophoneError(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind error
		text string
	}{
		{"NotAllowedError", ErrPermissionDenied, "microphone permission refused: NotAllowedError: denied"},
		{"SecurityError", ErrPermissionDenied, "microphone permission refused"},
		{"NotFoundError", ErrNoMicrophone, "no microphone found: NotFoundError"},
		{"NotReadableError", ErrMicrophoneUnavailable, "in use or blocked"},
		{"Unavailable", ErrMicrophoneUnavailable, "microphone unavailable: Unavailable: denied"},
	} {
		err := microphoneError(tc.name, "denied")
		if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestGatherTimeoutDefault(t *testing.T) {
	if (Config{}).gatherTimeout() != DefaultGatherTimeout || (Config{GatherTimeout: -1}).gatherTimeout() != DefaultGatherTimeout {
		t.Fatal("zero or negative timeout not defaulted")
	}
	if (Config{GatherTimeout: 7}).gatherTimeout() != 7 {
		t.Fatal("timeout not kept")
	}
}

func TestCandidatesReady(t *testing.T) {
	const (
		host    = "a=candidate:1 1 udp 2113937151 127.0.0.1 40000 typ host generation 0\r\n"
		tcpHost = "a=candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0\r\n"
		srflx   = "a=candidate:3 1 udp 1677729535 198.51.100.7 40000 typ srflx raddr 127.0.0.1 rport 40000\r\n"
		relay   = "a=candidate:4 1 udp 33562623 203.0.113.9 3478 typ relay raddr 198.51.100.7 rport 40000\r\n"
		head    = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:x\r\n"
	)
	stun := []ICEServer{{URLs: []string{"stun:stun.example.net"}}}
	turn := []ICEServer{{URLs: []string{"turns:turn.example.net:443?transport=tcp"}, Username: "u", Credential: "p"}}
	for _, tc := range []struct {
		name    string
		sdp     string
		servers []ICEServer
		want    bool
	}{
		{"no candidates", head, nil, false},
		{"tcp host only", head + tcpHost, nil, false},
		{"udp host, no servers", head + host, nil, true},
		{"udp host, STUN waits for srflx", head + host + tcpHost, stun, false},
		{"udp host and srflx, STUN", head + host + srflx, stun, true},
		{"TURN waits for relay", head + host + srflx, turn, false},
		{"TURN with relay", head + host + srflx + relay, turn, true},
		{"malformed line", head + "a=candidate:1 1 udp\r\n", nil, false},
	} {
		if got := candidatesReady(tc.sdp, needsFor(tc.servers)); got != tc.want {
			t.Errorf("%s: candidatesReady = %v, want %v", tc.name, got, tc.want)
		}
	}
}
