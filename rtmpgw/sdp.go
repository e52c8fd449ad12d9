package rtmpgw

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Static payload types (RFC 3551) and the telephone-event type the
// gateway offers (RFC 4733).
const (
	ptPCMU     = 0
	ptPCMA     = 8
	ptDTMF     = 101
	noDTMF     = -1
	sampleRate = 8000
	frameTicks = 160 // RTP timestamp step of one 20 ms G.711 frame
)

// Stream directions (RFC 4566 §6).
const (
	dirSendRecv = "sendrecv"
	dirSendOnly = "sendonly"
	dirRecvOnly = "recvonly"
	dirInactive = "inactive"
)

var errNoCodec = errors.New("no common codec (pcmu, pcma)")

// codecs is what the RTMP client allows for a call, in its order of
// preference: the G.711 payload types and whether DTMF is wanted.
type codecs struct {
	audio []int // ptPCMU and/or ptPCMA
	dtmf  bool
}

// parseCodecs reads siprtmp's codec list ("pcmu", "pcma", "dtmf"). Other
// names (speex, wideband, h264…) are ignored; an empty list means the
// default pcmu, pcma, dtmf (siprtmp's legacy mode would offer Speex,
// which this gateway does not transcode).
func parseCodecs(args []any) (codecs, error) {
	var c codecs
	if len(args) == 0 {
		return codecs{audio: []int{ptPCMU, ptPCMA}, dtmf: true}, nil
	}
	for _, a := range args {
		s, ok := a.(string)
		if !ok {
			return c, fmt.Errorf("codec %v is not a string", a)
		}
		switch strings.ToLower(s) {
		case "pcmu":
			if !slices.Contains(c.audio, ptPCMU) {
				c.audio = append(c.audio, ptPCMU)
			}
		case "pcma":
			if !slices.Contains(c.audio, ptPCMA) {
				c.audio = append(c.audio, ptPCMA)
			}
		case "dtmf":
			c.dtmf = true
		}
	}
	if len(c.audio) == 0 {
		return c, errNoCodec
	}
	return c, nil
}

// codecName is the name siprtmp's accepted callback uses for pt.
func codecName(pt int) string {
	if pt == ptPCMA {
		return "pcma"
	}
	return "pcmu"
}

// sdpMedia is what the gateway reads from a peer's SDP: the first active
// audio stream.
type sdpMedia struct {
	addr    netip.Addr
	port    int
	formats []int // payload types of the m= line, in order
	dtmfPT  int   // telephone-event/8000 payload type, or noDTMF
	dir     string
}

// held reports whether the peer put the stream on hold: sendonly or
// inactive, or the RFC 2543 connection address 0.0.0.0.
func (m sdpMedia) held() bool {
	return m.dir == dirSendOnly || m.dir == dirInactive || m.addr.IsUnspecified()
}

// audioPT returns the first G.711 format of the m= line that allowed
// contains, or -1.
func (m sdpMedia) audioPT(allowed []int) int {
	for _, f := range m.formats {
		if (f == ptPCMU || f == ptPCMA) && slices.Contains(allowed, f) {
			return f
		}
	}
	return -1
}

// preferredPT returns the first codec of allowed (the client's order of
// preference) that the m= line offers, or -1.
func (m sdpMedia) preferredPT(allowed []int) int {
	for _, f := range allowed {
		if slices.Contains(m.formats, f) {
			return f
		}
	}
	return -1
}

// maxSDP bounds the SDP body the gateway parses.
const maxSDP = 16 << 10

// parseSDP reads the connection address, port, formats, telephone-event
// payload type and direction of the first audio stream with a non-zero
// port. Media-level c= and direction attributes override session-level
// ones.
func parseSDP(body []byte) (sdpMedia, error) {
	m := sdpMedia{dtmfPT: noDTMF, dir: dirSendRecv}
	if len(body) == 0 || len(body) > maxSDP {
		return m, fmt.Errorf("sdp: %d bytes", len(body))
	}
	var sessAddr, mediaAddr netip.Addr
	sessDir := ""
	section := 0 // 0 session, 1 our audio stream, 2 another stream
	found := false
	for raw := range bytes.SplitSeq(body, []byte("\n")) {
		line := strings.TrimRight(string(raw), "\r")
		if len(line) < 2 || line[1] != '=' {
			continue
		}
		val := line[2:]
		switch line[0] {
		case 'm':
			section = 2
			if found {
				continue
			}
			f := strings.Fields(val)
			if len(f) < 4 || f[0] != "audio" {
				continue
			}
			port, err := strconv.Atoi(f[1])
			if err != nil || port <= 0 || port > 65535 {
				continue
			}
			var formats []int
			for _, s := range f[3:] {
				if pt, err := strconv.Atoi(s); err == nil && pt >= 0 && pt < 128 {
					formats = append(formats, pt)
				}
			}
			if len(formats) == 0 { // no payload type: not a usable stream
				continue
			}
			m.port, m.formats, section, found = port, formats, 1, true
		case 'c':
			f := strings.Fields(val)
			if len(f) < 3 || f[0] != "IN" {
				continue
			}
			a, err := netip.ParseAddr(strings.SplitN(f[2], "/", 2)[0])
			if err != nil {
				return m, fmt.Errorf("sdp: bad connection address %q", f[2])
			}
			switch section {
			case 0:
				sessAddr = a
			case 1:
				mediaAddr = a
			}
		case 'a':
			switch {
			case val == dirSendRecv || val == dirSendOnly || val == dirRecvOnly || val == dirInactive:
				if section == 0 {
					sessDir = val
				} else if section == 1 {
					m.dir = val
					sessDir = ""
				}
			case section == 1 && strings.HasPrefix(val, "rtpmap:"):
				f := strings.Fields(val[len("rtpmap:"):])
				if len(f) == 2 && strings.EqualFold(f[1], "telephone-event/8000") {
					if pt, err := strconv.Atoi(f[0]); err == nil && pt >= 96 && pt < 128 {
						m.dtmfPT = pt
					}
				}
			}
		}
	}
	if !found {
		return m, errors.New("sdp: no audio stream")
	}
	if sessDir != "" && m.dir == dirSendRecv {
		m.dir = sessDir
	}
	m.addr = mediaAddr
	if !m.addr.IsValid() {
		m.addr = sessAddr
	}
	if !m.addr.IsValid() {
		return m, errors.New("sdp: no connection address")
	}
	m.addr = m.addr.Unmap()
	if m.dtmfPT != noDTMF && !slices.Contains(m.formats, m.dtmfPT) {
		m.dtmfPT = noDTMF
	}
	return m, nil
}

// answerDir is the direction answering an offer of dir, given whether we
// hold the call ourselves.
func answerDir(offer string, localHold bool) string {
	switch {
	case offer == dirInactive || (offer == dirSendOnly && localHold):
		return dirInactive
	case offer == dirSendOnly:
		return dirRecvOnly
	case offer == dirRecvOnly || localHold:
		return dirSendOnly
	}
	return dirSendRecv
}

// sdpDesc is one SDP the gateway sends.
type sdpDesc struct {
	sessID  uint64
	version uint64
	addr    netip.Addr
	port    int
	audio   []int // payload types, in order of preference
	dtmfPT  int   // or noDTMF
	dir     string
}

// bytes renders the description: one audio stream, 20 ms packets.
func (d sdpDesc) bytes() []byte {
	ipv := "IP4"
	if d.addr.Is6() {
		ipv = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=kazoo %d %d IN %s %s\r\ns=kazoo-rtmpgw\r\nc=IN %s %s\r\nt=0 0\r\n",
		d.sessID, d.version, ipv, d.addr, ipv, d.addr)
	fmt.Fprintf(&b, "m=audio %d RTP/AVP", d.port)
	for _, pt := range d.audio {
		fmt.Fprintf(&b, " %d", pt)
	}
	if d.dtmfPT != noDTMF {
		fmt.Fprintf(&b, " %d", d.dtmfPT)
	}
	b.WriteString("\r\n")
	for _, pt := range d.audio {
		name := "PCMU"
		if pt == ptPCMA {
			name = "PCMA"
		}
		fmt.Fprintf(&b, "a=rtpmap:%d %s/8000\r\n", pt, name)
	}
	if d.dtmfPT != noDTMF {
		fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", d.dtmfPT, d.dtmfPT)
	}
	b.WriteString("a=ptime:20\r\na=" + d.dir + "\r\n")
	return []byte(b.String())
}
