package rtmpua

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
)

// Audio is the browser's microphone and speaker for a call: 160-byte
// G.711 frames every 20 ms each way (jsbridge.AudioPipe in a browser).
type Audio interface {
	// OnFrame sets the receiver of captured frames.
	OnFrame(func(frame []byte, seq uint16))
	// Play queues a received frame.
	Play(frame []byte) error
	SetMuted(muted bool) error
	// Stats reports frames received and played, and played audio energy.
	Stats(ctx context.Context) (AudioStats, error)
	Close()
}

// AudioStats is what Audio reports; Call.Stats maps it onto phone.MediaStats.
type AudioStats struct {
	FramesCaptured, FramesReceived, FramesPlayed, FramesDropped, Underruns int64
	Energy, BufferMs                                                       float64
}

// AudioFactory opens the microphone and speaker for a call; law is
// "pcmu" or "pcma".
type AudioFactory func(ctx context.Context, law string) (Audio, error)

// Options are one registration in RTMP mode.
type Options struct {
	// RelayURL is kazoo-relay's WebSocket URL (ws:// or wss://).
	RelayURL string
	// RTMPURL is the gateway's base URL, e.g. rtmp://gw/sip; the AOR is
	// appended as kazoo.js did: <rtmpUrl>/<privateIdentity>@<realm>.
	RTMPURL string
	// Identity: as in WebRTC mode.
	PublicIdentity, PrivateIdentity, Password, Realm, DisplayName string
	// Token is the relay's hello token, when it requires one.
	Token string
	// DTMF is how SendDTMF asks the gateway to send digits: phone.DTMFRFC4733
	// (default: telephone-events in the RTP stream) or phone.DTMFInfo (SIP
	// INFO; kazoo-rtmpgw's extension, ignored by a plain siprtmp: its
	// sendDTMF takes one argument and refuses the mode, and the digits
	// then go as RFC 2833 for the rest of the registration).
	DTMF string
	// Audio opens the audio of a call.
	Audio AudioFactory
	// Reconnecting, as in WebRTC mode.
	ReconnectOff         bool
	ReconnectMaxAttempts int
	ReconnectDelay       time.Duration
}

// target is validated Options.
type target struct {
	opts    Options
	rtmpURL string // with the AOR
	user    string
	realm   string
}

func (o Options) validate() (*target, *phone.Error) {
	u, err := url.Parse(o.RelayURL)
	if o.RelayURL == "" || err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return nil, phone.InvalidParameter("relayUrl", "%q is not the ws:// or wss:// URL of a kazoo-relay", o.RelayURL)
	}
	r, err := url.Parse(o.RTMPURL)
	if o.RTMPURL == "" || err != nil || r.Scheme != "rtmp" || r.Host == "" {
		return nil, phone.InvalidParameter("rtmpUrl", "%q is not an rtmp:// URL", o.RTMPURL)
	}
	t := &target{opts: o, user: o.PrivateIdentity, realm: o.Realm}
	if pub := strings.TrimPrefix(strings.TrimPrefix(o.PublicIdentity, "sips:"), "sip:"); pub != "" {
		user, host, _ := strings.Cut(pub, "@")
		if t.user == "" {
			t.user = user
		}
		if t.realm == "" {
			t.realm = host
		}
	}
	if t.user == "" || t.realm == "" || strings.ContainsAny(t.user+t.realm, "/?#@ ") {
		return nil, phone.InvalidParameter("privateIdentity", "a user and a realm are needed to name the gateway account (user@realm)")
	}
	switch o.DTMF {
	case "":
		t.opts.DTMF = phone.DTMFRFC4733
	case phone.DTMFRFC4733, phone.DTMFInfo:
	default:
		return nil, phone.InvalidParameter("dtmfType", "%q is neither %q nor %q", o.DTMF, phone.DTMFRFC4733, phone.DTMFInfo)
	}
	t.rtmpURL = strings.TrimSuffix(o.RTMPURL, "/") + "/" + t.user + "@" + t.realm
	if t.opts.ReconnectDelay == 0 {
		t.opts.ReconnectDelay = phone.DefaultReconnectDelay
	} else if t.opts.ReconnectDelay < phone.MinReconnectDelay {
		t.opts.ReconnectDelay = phone.MinReconnectDelay
	}
	return t, nil
}
