package ua

import (
	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// CheckHeaders refuses header fields a page may not send (see
// sip.CheckExtraHeader) with invalid_parameter naming the field.
func CheckHeaders(hs []phone.Header) *phone.Error {
	if len(hs) > sip.MaxExtraHeaders {
		return phone.InvalidParameter("extraHeaders", "%d headers given, at most %d allowed", len(hs), sip.MaxExtraHeaders)
	}
	for _, h := range hs {
		if err := sip.CheckExtraHeader(h.Name, h.Value); err != nil {
			return &phone.Error{Key: phone.KeyInvalidParameter, Message: "extraHeaders: " + err.Error(), Err: err}
		}
	}
	return nil
}

// appendHeaders adds the page's header fields to msg, in order.
func appendHeaders(msg sipgo.Message, hs []phone.Header) {
	for _, h := range hs {
		msg.AppendHeader(sipgo.NewHeader(h.Name, h.Value))
	}
}

// receivedHeaders copies msg's header fields, in order, for the page.
func receivedHeaders(msg interface{ Headers() []sipgo.Header }) []phone.Header {
	hs := msg.Headers()
	out := make([]phone.Header, 0, len(hs))
	for _, h := range hs {
		out = append(out, phone.Header{Name: h.Name(), Value: h.Value()})
	}
	return out
}
