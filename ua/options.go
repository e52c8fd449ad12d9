package ua

import (
	"net/url"
	"strings"
	"time"

	sipgo "github.com/emiago/sipgo/sip"
	"github.com/google/uuid"

	"github.com/kazoo-softphone/kazoo/lines"
	"github.com/kazoo-softphone/kazoo/phone"
)

// DefaultRegisterExpires is the registration lifetime asked for, in
// seconds, when Options.RegisterExpires is zero (JsSIP asks for the same).
const DefaultRegisterExpires = 600

// Options are one registration's parameters: the kazoo.js register()
// object, minus its callbacks.
type Options struct {
	// WSURL is the registrar's SIP WebSocket URL, ws:// or wss://.
	WSURL string
	// PublicIdentity is the address of record, sip:user@domain.
	PublicIdentity string
	// PrivateIdentity is the digest user name; the AOR's user when empty.
	PrivateIdentity string
	// Password is the digest password.
	Password string
	// Realm is the SIP domain (kazoo.js "realm"); challenges for it win
	// over others. The AOR's host when empty.
	Realm string
	// DisplayName goes into From and To.
	DisplayName string
	// RegisterExpires is the lifetime asked for, in seconds (60–86400);
	// DefaultRegisterExpires when zero. The registrar may grant less.
	RegisterExpires int
	// InstanceID is the RFC 5626 instance UUID; the page should keep it
	// stable across reloads. A random one is used when empty.
	InstanceID string
	// Media starts the media of each call; without it calls fail with
	// media_error.
	Media MediaFactory
	// DTMF is how SendDTMF sends digits: phone.DTMFRFC4733 (default, in
	// the RTP stream) or phone.DTMFInfo (SIP INFO, application/dtmf-relay).
	DTMF string
	// TransferRequests is what a REFER from the far end of a call (it
	// transferring us, RFC 3515) does: TransferAsk (the default) asks
	// Events.TransferRequest and follows the REFER when there is none;
	// TransferAccept follows every REFER; TransferRefuse declines every
	// REFER with 603. Following a REFER calls the URI it names with this
	// account's credentials.
	TransferRequests string
	// MaxLines is the number of live calls beyond which a new incoming
	// call is refused with 486 Busy Here. Zero means one line (a second
	// incoming call gets 486), or no limit with AllowIncomingWhileBusy;
	// lines.Unlimited (or any negative number) means no limit.
	MaxLines int
	// AllowIncomingWhileBusy hands every incoming call to
	// Events.Incoming, however many are live, when MaxLines is zero.
	AllowIncomingWhileBusy bool
	// ReconnectOff disables reconnecting after a lost connection.
	ReconnectOff bool
	// ReconnectMaxAttempts bounds the attempts after a lost connection; 0
	// or less means no limit.
	ReconnectMaxAttempts int
	// ReconnectDelay is the time before each attempt
	// (phone.DefaultReconnectDelay when zero, at least
	// phone.MinReconnectDelay).
	ReconnectDelay time.Duration
	// KeepaliveInterval is the time between CRLF pings
	// (DefaultKeepaliveInterval when zero; negative: no pings).
	KeepaliveInterval time.Duration
	// KeepaliveTimeout is how long a pong may take before the connection
	// counts as lost (DefaultKeepaliveTimeout when zero).
	KeepaliveTimeout time.Duration
}

// What a REFER from the far end does (Options.TransferRequests).
const (
	TransferAsk    = "ask"
	TransferAccept = "accept"
	TransferRefuse = "refuse"
)

// target is a validated registration target.
type target struct {
	opts      Options
	aor       sipgo.Uri // the AOR, without parameters
	registrar sipgo.Uri // Request-URI of REGISTER: sip:domain
	authUser  string
	realm     string
	expires   int
	instance  string

	reconnectOff     bool
	reconnectMax     int
	reconnectDelay   time.Duration
	keepalive        time.Duration
	keepaliveTimeout time.Duration
}

// validate checks every parameter before anything is sent, and names the
// first bad one.
func (o Options) validate() (*target, *phone.Error) {
	if strings.TrimSpace(o.WSURL) == "" {
		return nil, phone.InvalidParameter("wsUrl", "is required (the SIP WebSocket URL, e.g. wss://sip.example.com)")
	}
	u, err := url.Parse(o.WSURL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return nil, phone.InvalidParameter("wsUrl", "%q is not a ws:// or wss:// URL", o.WSURL)
	}
	if strings.TrimSpace(o.PublicIdentity) == "" {
		return nil, phone.InvalidParameter("publicIdentity", "is required (the SIP address, e.g. sip:alice@example.com)")
	}
	var aor sipgo.Uri
	if err := sipgo.ParseUri(o.PublicIdentity, &aor); err != nil ||
		(aor.Scheme != "sip" && aor.Scheme != "sips") || aor.User == "" || aor.Host == "" {
		return nil, phone.InvalidParameter("publicIdentity", "%q is not a SIP URI of the form sip:user@domain", o.PublicIdentity)
	}
	aor = sipgo.Uri{Scheme: aor.Scheme, User: aor.User, Host: aor.Host, Port: aor.Port}
	t := &target{
		opts:      o,
		aor:       aor,
		registrar: sipgo.Uri{Scheme: aor.Scheme, Host: aor.Host, Port: aor.Port},
		authUser:  o.PrivateIdentity,
		realm:     o.Realm,
		expires:   o.RegisterExpires,
		instance:  o.InstanceID,
	}
	if t.authUser == "" {
		t.authUser = aor.User
	}
	if strings.ContainsAny(t.authUser, "\"\\\r\n") {
		return nil, phone.InvalidParameter("privateIdentity", "contains characters a SIP header cannot carry")
	}
	if strings.ContainsAny(o.DisplayName, "\"\\\r\n") {
		return nil, phone.InvalidParameter("displayName", "contains characters a SIP header cannot carry")
	}
	if t.realm == "" {
		t.realm = aor.Host
	}
	switch {
	case t.expires == 0:
		t.expires = DefaultRegisterExpires
	case t.expires < 60 || t.expires > 86400:
		return nil, phone.InvalidParameter("registerExpires", "%d is outside 60–86400 seconds", t.expires)
	}
	switch o.DTMF {
	case "":
		t.opts.DTMF = phone.DTMFRFC4733
	case phone.DTMFRFC4733, phone.DTMFInfo:
	default:
		return nil, phone.InvalidParameter("dtmfType", "%q is neither %q nor %q", o.DTMF, phone.DTMFRFC4733, phone.DTMFInfo)
	}
	switch o.TransferRequests {
	case "":
		t.opts.TransferRequests = TransferAsk
	case TransferAsk, TransferAccept, TransferRefuse:
	default:
		return nil, phone.InvalidParameter("transferRequests", "%q: give %q, %q or %q", o.TransferRequests, TransferAsk, TransferAccept, TransferRefuse)
	}
	t.reconnectOff, t.reconnectMax = o.ReconnectOff, o.ReconnectMaxAttempts
	switch t.reconnectDelay = o.ReconnectDelay; {
	case t.reconnectDelay == 0:
		t.reconnectDelay = phone.DefaultReconnectDelay
	case t.reconnectDelay < phone.MinReconnectDelay:
		t.reconnectDelay = phone.MinReconnectDelay
	}
	if t.keepalive = o.KeepaliveInterval; t.keepalive == 0 {
		t.keepalive = DefaultKeepaliveInterval
	}
	if t.keepaliveTimeout = o.KeepaliveTimeout; t.keepaliveTimeout <= 0 {
		t.keepaliveTimeout = DefaultKeepaliveTimeout
	}
	if t.instance == "" {
		t.instance = uuid.NewString()
	} else if _, err := uuid.Parse(t.instance); err != nil {
		return nil, phone.InvalidParameter("instanceId", "%q is not a UUID", t.instance)
	}
	return t, nil
}

// maxLines is the line limit of incoming calls (see MaxLines).
func (o *Options) maxLines() int {
	switch {
	case o.MaxLines != 0:
		return o.MaxLines
	case o.AllowIncomingWhileBusy:
		return lines.Unlimited
	}
	return 1
}
