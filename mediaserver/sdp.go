//go:build !js

package mediaserver

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// maxSDP bounds an SDP body the package reads.
const maxSDP = 64 << 10

// Codec names as they appear in a=rtpmap (compared case-insensitively).
const (
	namePCMU = "PCMU"
	namePCMA = "PCMA"
	nameTE   = "telephone-event"
)

// dtmfPT is the telephone-event payload type the package offers on a
// plain leg (RTP/AVP has no default; 101 is what desk phones use).
const dtmfPT = 101

// direction is an SDP stream direction from the point of view of the
// side that wrote it (RFC 3264 §5.1): a send bit and a receive bit.
type direction uint8

const (
	dirInactive direction = 0
	dirSendOnly direction = 1
	dirRecvOnly direction = 2
	dirSendRecv direction = 3
)

func (d direction) send() bool { return d&dirSendOnly != 0 }
func (d direction) recv() bool { return d&dirRecvOnly != 0 }

// reverse is d seen from the other end: sendonly becomes recvonly.
func (d direction) reverse() direction { return (d&1)<<1 | (d&2)>>1 }

func (d direction) String() string {
	switch d {
	case dirSendOnly:
		return "sendonly"
	case dirRecvOnly:
		return "recvonly"
	case dirSendRecv:
		return "sendrecv"
	}
	return "inactive"
}

func parseDirection(s string) (direction, bool) {
	switch s {
	case "sendrecv":
		return dirSendRecv, true
	case "sendonly":
		return dirSendOnly, true
	case "recvonly":
		return dirRecvOnly, true
	case "inactive":
		return dirInactive, true
	}
	return 0, false
}

// codec is one format of an m= line: its payload type and rtpmap.
type codec struct {
	pt   uint8
	name string // PCMU, PCMA or telephone-event
}

// mediaInfo is what the package reads from an SDP body: its first audio
// stream with a non-zero port.
type mediaInfo struct {
	webrtc bool       // ICE + DTLS-SRTP (UDP/TLS/RTP/SAVPF)
	addr   netip.Addr // connection address (plain legs)
	port   uint16
	codecs []codec    // the formats the package knows, in m= line order
	dir    direction  // as written; held() also looks at addr
	ufrag  string     // ICE username fragment (WebRTC legs)
	origin sdp.Origin // o= line
}

// held reports whether the writer does not want to receive: recvonly
// and inactive, or the RFC 2543 hold address 0.0.0.0 on a plain leg.
func (m *mediaInfo) held() bool {
	return !m.dir.recv() || (!m.webrtc && m.addr.IsUnspecified())
}

// effectiveDir is dir without the receive bit when the stream is held
// with c=0.0.0.0.
func (m *mediaInfo) effectiveDir() direction {
	if !m.webrtc && m.addr.IsUnspecified() {
		return m.dir &^ dirRecvOnly
	}
	return m.dir
}

// g711 returns the PCMU and PCMA formats in the order of the m= line.
func (m *mediaInfo) g711() []codec {
	var out []codec
	for _, c := range m.codecs {
		if c.name == namePCMU || c.name == namePCMA {
			out = append(out, c)
		}
	}
	return out
}

// find returns the first format called name.
func (m *mediaInfo) find(name string) (codec, bool) {
	for _, c := range m.codecs {
		if c.name == name {
			return c, true
		}
	}
	return codec{}, false
}

// parseSDP reads body. Errors wrap ErrBadSDP or ErrNoAudio. Media-level
// c= and direction attributes override session-level ones.
func parseSDP(body []byte) (m mediaInfo, err error) {
	if len(body) == 0 || len(body) > maxSDP {
		return m, fmt.Errorf("%w: %d bytes", ErrBadSDP, len(body))
	}
	// pion/sdp parses untrusted input; a panic in it must not end the
	// process.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrBadSDP, r)
		}
	}()
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(body); err != nil {
		return m, fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	m.origin = sd.Origin
	var md *sdp.MediaDescription
	for _, d := range sd.MediaDescriptions {
		if strings.EqualFold(d.MediaName.Media, "audio") && d.MediaName.Port.Value > 0 {
			md = d
			break
		}
	}
	if md == nil {
		return m, ErrNoAudio
	}
	if md.MediaName.Port.Value > 65535 {
		return m, fmt.Errorf("%w: port %d", ErrBadSDP, md.MediaName.Port.Value)
	}
	m.port = uint16(md.MediaName.Port.Value)

	proto := strings.ToUpper(strings.Join(md.MediaName.Protos, "/"))
	fingerprint := hasAttr(md.Attributes, "fingerprint") || hasAttr(sd.Attributes, "fingerprint")
	m.ufrag = attr(md.Attributes, "ice-ufrag")
	if m.ufrag == "" {
		m.ufrag = attr(sd.Attributes, "ice-ufrag")
	}
	switch {
	case strings.Contains(proto, "SAVP") && fingerprint && m.ufrag != "":
		m.webrtc = true
	case proto == "RTP/AVP" || proto == "RTP/AVPF":
	default:
		return m, fmt.Errorf("%w: unsupported transport %s (plain RTP/AVP, or ICE with DTLS-SRTP)", ErrBadSDP, proto)
	}

	m.dir = dirSendRecv
	if d, ok := findDirection(sd.Attributes); ok {
		m.dir = d
	}
	if d, ok := findDirection(md.Attributes); ok {
		m.dir = d
	}

	ci := md.ConnectionInformation
	if ci == nil {
		ci = sd.ConnectionInformation
	}
	if ci != nil && ci.Address != nil {
		a, err := netip.ParseAddr(strings.SplitN(ci.Address.Address, "/", 2)[0])
		if err != nil && !m.webrtc {
			return m, fmt.Errorf("%w: connection address %q is not an IP address", ErrBadSDP, ci.Address.Address)
		}
		m.addr = a.Unmap()
	}
	if !m.webrtc && !m.addr.IsValid() {
		return m, fmt.Errorf("%w: no connection address", ErrBadSDP)
	}
	if !m.webrtc && m.addr.IsMulticast() {
		return m, fmt.Errorf("%w: multicast address %s", ErrBadSDP, m.addr)
	}

	rtpmap := map[uint8]string{}
	for _, a := range md.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		ptStr, enc, ok := strings.Cut(a.Value, " ")
		pt, err := strconv.ParseUint(ptStr, 10, 7)
		if !ok || err != nil {
			continue
		}
		rtpmap[uint8(pt)] = strings.TrimSpace(enc)
	}
	for _, f := range md.MediaName.Formats {
		n, err := strconv.ParseUint(f, 10, 7)
		if err != nil {
			continue // RFC 4566 allows non-numeric formats for other protocols
		}
		pt := uint8(n)
		if slices.ContainsFunc(m.codecs, func(c codec) bool { return c.pt == pt }) {
			continue
		}
		if name := codecName(pt, rtpmap); name != "" {
			m.codecs = append(m.codecs, codec{pt: pt, name: name})
		}
	}
	return m, nil
}

// codecName names pt when it is one of the codecs the package relays:
// its rtpmap, or the static PCMU (0) and PCMA (8) without one.
func codecName(pt uint8, rtpmap map[uint8]string) string {
	enc, ok := rtpmap[pt]
	if !ok {
		switch pt {
		case 0:
			return namePCMU
		case 8:
			return namePCMA
		}
		return ""
	}
	name, rest, _ := strings.Cut(enc, "/")
	rate, channels, _ := strings.Cut(rest, "/")
	if rate != "8000" || (channels != "" && channels != "1") {
		return ""
	}
	switch {
	case strings.EqualFold(name, namePCMU):
		return namePCMU
	case strings.EqualFold(name, namePCMA):
		return namePCMA
	case strings.EqualFold(name, nameTE):
		return nameTE
	}
	return ""
}

func findDirection(attrs []sdp.Attribute) (direction, bool) {
	for _, a := range attrs {
		if d, ok := parseDirection(a.Key); ok && a.Value == "" {
			return d, true
		}
	}
	return 0, false
}

func hasAttr(attrs []sdp.Attribute, key string) bool {
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}

func attr(attrs []sdp.Attribute, key string) string {
	for _, a := range attrs {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

// plainSDP writes the SDP bodies of one plain leg: one audio stream,
// 20 ms packets. The o= version goes up whenever the body changes and
// stays when it does not (RFC 3264 §8).
type plainSDP struct {
	sessID  uint64
	version uint64
	last    string // the previous body without its o= line
}

// render returns the body for addr:port offering or answering codecs
// (in order) with direction dir.
func (p *plainSDP) render(addr netip.Addr, port uint16, codecs []codec, dir direction) []byte {
	ipv := "IP4"
	if addr.Is6() {
		ipv = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "s=kazoo\r\nc=IN %s %s\r\nt=0 0\r\nm=audio %d RTP/AVP", ipv, addr, port)
	for _, c := range codecs {
		fmt.Fprintf(&b, " %d", c.pt)
	}
	b.WriteString("\r\n")
	for _, c := range codecs {
		fmt.Fprintf(&b, "a=rtpmap:%d %s/8000\r\n", c.pt, c.name)
		if c.name == nameTE {
			fmt.Fprintf(&b, "a=fmtp:%d 0-16\r\n", c.pt)
		}
	}
	fmt.Fprintf(&b, "a=ptime:20\r\na=%s\r\n", dir)
	body := b.String()
	if body != p.last {
		p.version++
		p.last = body
	}
	return fmt.Appendf(nil, "v=0\r\no=kazoo %d %d IN %s %s\r\n%s", p.sessID, p.version, ipv, addr, body)
}

// withDirection rewrites the direction of the first audio stream with
// a non-zero port in a WebRTC SDP body. Without the send bit, the
// stream's a=msid and a=ssrc lines go too (JSEP §5.2.2 writes them only
// for a sending transceiver). pion always negotiates sendrecv; the
// directions the legs really use are written here, on the way out, and
// read before a body reaches pion (see toPion).
func withDirection(body string, dir direction) string {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	out := make([]string, 0, len(lines)+1)
	in, done, wrote := false, false, false
	for _, l := range lines {
		if strings.HasPrefix(l, "m=") {
			if in && !wrote {
				out = append(out, "a="+dir.String())
			}
			in = false
			if !done {
				f := strings.Fields(l[2:])
				if len(f) >= 2 && f[0] == "audio" && f[1] != "0" {
					in, done = true, true
				}
			}
		}
		if in && strings.HasPrefix(l, "a=") {
			v := l[2:]
			if _, ok := parseDirection(v); ok {
				if !wrote {
					out = append(out, "a="+dir.String())
					wrote = true
				}
				continue
			}
			if !dir.send() && (strings.HasPrefix(v, "msid:") || strings.HasPrefix(v, "ssrc:") || strings.HasPrefix(v, "ssrc-group:")) {
				continue
			}
		}
		out = append(out, l)
	}
	if in && !wrote {
		// the stream was the last section: insert before the trailing empty line
		if n := len(out); n > 0 && out[n-1] == "" {
			out = append(out[:n-1], "a="+dir.String(), "")
		} else {
			out = append(out, "a="+dir.String())
		}
	}
	return strings.Join(out, "\r\n")
}

// toPion is a remote WebRTC body as handed to pion: sendrecv whatever it
// said. pion stops a transceiver for good on an inactive offer, and
// derives its own answer's direction loosely; the package tracks
// directions itself instead.
func toPion(body []byte) string {
	return withDirection(string(body), dirSendRecv)
}
