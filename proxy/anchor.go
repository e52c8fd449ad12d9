package proxy

import (
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/registrar"
)

// Anchor relays media for calls between a WebSocket client and a UDP
// one: the browser speaks ICE and DTLS-SRTP (RTP/SAVPF), a desk phone or
// the SIP-RTMP gateway plain RTP (RTP/AVP). It is rtpengine's job next to
// Kamailio; kazoo-dev implements it with native pion.
type Anchor interface {
	NewBridge() (Bridge, error)
}

// Bridge is one anchored call. fromWebRTC says which leg an SDP came
// from: the WebSocket (browser) leg, or the plain-RTP one.
type Bridge interface {
	// Offer takes one leg's offer and returns the offer for the other.
	Offer(fromWebRTC bool, sdp []byte) ([]byte, error)
	// Answer takes one leg's answer and returns the answer for the other.
	Answer(fromWebRTC bool, sdp []byte) ([]byte, error)
	// Cancel drops a re-offer the other leg refused; the call goes on as
	// it was.
	Cancel() error
	Close() error
}

// dialog is what the proxy remembers of a call: its anchored media, or
// the dialog we are a user agent of (an extension's call, an outbound
// call, a subscription).
type dialog struct {
	callID string
	bridge Bridge
	local  endpoint
}

func (d *dialog) close() {
	if d.bridge != nil {
		_ = d.bridge.Close()
	}
	if d.local != nil {
		d.local.end()
	}
}

// isWebRTC reports whether a flow is a browser's (the WebRTC leg).
func isWebRTC(f registrar.Flow) bool { return f.Transport == "WS" || f.Transport == "WSS" }

func hasSDP(m sip.Message) bool {
	if len(m.Body()) == 0 {
		return false
	}
	h, ok := m.(interface{ GetHeader(string) sip.Header })
	if !ok {
		return false
	}
	ct := h.GetHeader("Content-Type")
	return ct == nil || strings.EqualFold(strings.TrimSpace(ct.Value()), "application/sdp")
}

// anchoredDialog returns the bridge of the dialog an in-dialog request
// belongs to, if its media is anchored.
func (p *Proxy) anchoredDialog(req *sip.Request) Bridge {
	to := req.To()
	if to == nil || !to.Params.Has("tag") {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if d := p.dialogs[callIDOf(req)]; d != nil {
		return d.bridge
	}
	return nil
}

// anchorRequest rewrites the SDP offer of a branch when its two legs
// need anchoring: a new call between a WebSocket and a UDP client, or a
// re-offer in an anchored dialog.
func (p *Proxy) anchorRequest(req, out *sip.Request, b *branch, from registrar.Flow, anchored Bridge) error {
	if !hasSDP(req) || (req.Method != sip.INVITE && req.Method != sip.UPDATE) {
		return nil
	}
	bridge := anchored
	if bridge == nil {
		if p.cfg.Media == nil || isWebRTC(from) == isWebRTC(b.t.flow) {
			return nil
		}
		if to := req.To(); to != nil && to.Params.Has("tag") {
			return nil // a re-offer in a dialog we did not anchor
		}
		var err error
		if bridge, err = p.cfg.Media.NewBridge(); err != nil {
			return err
		}
		b.owned = true
	}
	b.bridge = bridge
	sdp, err := bridge.Offer(isWebRTC(from), req.Body())
	if err != nil {
		b.closeBridge()
		return err
	}
	out.SetBody(sdp)
	return nil
}

// anchorAnswer rewrites the SDP answer in a branch's 2xx, and remembers
// a new anchored dialog.
func (p *Proxy) anchorAnswer(res, up *sip.Response, b *branch, req *sip.Request) error {
	if b.bridge == nil {
		return nil
	}
	if b.owned {
		p.mu.Lock()
		p.dialogs[callIDOf(req)] = &dialog{callID: callIDOf(req), bridge: b.bridge}
		p.mu.Unlock()
		b.owned = false // the dialog owns it now
	}
	if !hasSDP(res) {
		return nil
	}
	sdp, err := b.bridge.Answer(isWebRTC(b.t.flow), res.Body())
	if err != nil {
		return err
	}
	up.SetBody(sdp)
	return nil
}

// endDialog forgets a dialog that a BYE ended and releases its media.
func (p *Proxy) endDialog(callID string) {
	p.mu.Lock()
	d := p.dialogs[callID]
	delete(p.dialogs, callID)
	p.mu.Unlock()
	if d != nil {
		d.close()
	}
}

// closeBridge releases a branch's own bridge (a new call's branch that
// lost), or drops the refused re-offer from a dialog's bridge.
func (b *branch) closeBridge() {
	switch {
	case b.owned && b.bridge != nil:
		_ = b.bridge.Close()
	case b.bridge != nil:
		_ = b.bridge.Cancel()
	}
	b.owned = false
	b.bridge = nil
}

func callIDOf(m sip.Message) string {
	if h := m.CallID(); h != nil {
		return h.Value()
	}
	return ""
}
