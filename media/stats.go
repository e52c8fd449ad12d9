package media

import "github.com/kazoo-softphone/kazoo/phone"

// summarise folds a stats report (each entry a stats dictionary, numbers
// as float64) into phone.MediaStats. ICEState and Direction are the caller's.
func summarise(report []map[string]any) phone.MediaStats {
	var st phone.MediaStats
	byID := make(map[string]map[string]any, len(report))
	for _, e := range report {
		byID[str(e, "id")] = e
	}
	var inCodec, outCodec, selectedPair string
	var nominatedRTT, rtcpRTT float64
	var nominatedPair string
	for _, e := range report {
		audio := str(e, "kind") == "audio" || str(e, "mediaType") == "audio"
		switch str(e, "type") {
		case "inbound-rtp":
			if !audio {
				continue
			}
			st.InboundPackets += int64(num(e, "packetsReceived"))
			st.InboundBytes += int64(num(e, "bytesReceived"))
			st.InboundPacketsLost += int64(num(e, "packetsLost"))
			st.InboundJitter = max(st.InboundJitter, num(e, "jitter"))
			st.InboundAudioEnergy += num(e, "totalAudioEnergy")
			st.InboundAudioLevel = max(st.InboundAudioLevel, num(e, "audioLevel"))
			st.InboundSamplesDuration += num(e, "totalSamplesDuration")
			if inCodec == "" {
				inCodec = str(e, "codecId")
			}
		case "outbound-rtp":
			if !audio {
				continue
			}
			st.OutboundPackets += int64(num(e, "packetsSent"))
			st.OutboundBytes += int64(num(e, "bytesSent"))
			if outCodec == "" {
				outCodec = str(e, "codecId")
			}
		case "media-source":
			if !audio {
				continue
			}
			st.SourceAudioEnergy += num(e, "totalAudioEnergy")
			st.SourceAudioLevel = max(st.SourceAudioLevel, num(e, "audioLevel"))
		case "transport":
			if id := str(e, "selectedCandidatePairId"); id != "" {
				selectedPair = id
			}
			if d := str(e, "dtlsState"); d != "" {
				st.DTLSState = d
			}
		case "candidate-pair":
			if b, _ := e["nominated"].(bool); b && str(e, "state") == "succeeded" {
				nominatedRTT = num(e, "currentRoundTripTime")
				if nominatedPair == "" {
					nominatedPair = str(e, "id")
				}
			}
		case "remote-inbound-rtp":
			if audio {
				rtcpRTT = num(e, "roundTripTime")
			}
		}
	}
	switch {
	case selectedPair != "" && has(byID[selectedPair], "currentRoundTripTime"):
		// ICE's own measure, current to the last connectivity check; 0 on
		// loopback is a real 0, not "unknown" (RTCP's figure is updated
		// only every few seconds and would keep a past delay for as long).
		st.RoundTripTime = num(byID[selectedPair], "currentRoundTripTime")
	case nominatedRTT > 0:
		st.RoundTripTime = nominatedRTT
	default:
		st.RoundTripTime = rtcpRTT
	}
	pair := byID[selectedPair]
	if pair == nil {
		pair = byID[nominatedPair]
	}
	if pair != nil {
		st.LocalCandidateType = str(byID[str(pair, "localCandidateId")], "candidateType")
		st.RemoteCandidateType = str(byID[str(pair, "remoteCandidateId")], "candidateType")
	}
	for _, id := range []string{inCodec, outCodec} {
		if c := byID[id]; id != "" && c != nil {
			st.Codec = str(c, "mimeType")
			break
		}
	}
	return st
}

func str(e map[string]any, k string) string {
	s, _ := e[k].(string)
	return s
}

func num(e map[string]any, k string) float64 {
	f, _ := e[k].(float64)
	return f
}

func has(e map[string]any, k string) bool {
	_, ok := e[k].(float64)
	return ok
}
