package rtmpua

import (
	"context"
	"testing"

	"github.com/kazoo-softphone/kazoo/phone"
)

// The gateway writes its own SIP messages: header fields from the page
// cannot be sent, and saying so beats dropping them.
func TestExtraHeadersNotSupported(t *testing.T) {
	hs := []phone.Header{{Name: "X-Ticket", Value: "4711"}}
	if c, e := New(Config{}).DialWith(context.Background(), "1002", hs); c != nil || e == nil || e.Key != phone.KeyNotSupported {
		t.Fatalf("DialWith with headers: %v, %v; want not_supported", c, e)
	}
	if e := (&Call{}).AcceptWith(context.Background(), phone.AcceptOptions{Headers: hs}); e == nil || e.Key != phone.KeyNotSupported {
		t.Fatalf("AcceptWith with headers: %v; want not_supported", e)
	}
	if hs := (&Call{}).ReceivedHeaders(); hs == nil || len(hs) != 0 {
		t.Fatalf("ReceivedHeaders %v, want an empty list", hs)
	}
}
