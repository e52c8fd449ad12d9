package rtmpua

import (
	"context"
	"testing"

	"github.com/kazoo-softphone/kazoo/phone"
)

// The RTMP path has no instant messages: SendMessage says so with a key
// the page can switch on, and sends nothing.
func TestSendMessageNotSupported(t *testing.T) {
	var e phone.Engine = rtmpEngine{New(Config{})}
	res, err := e.SendMessage(context.Background(), "1002", "hi", "", nil)
	if res != nil || err == nil || err.Key != phone.KeyNotSupported {
		t.Fatalf("SendMessage: %v %v, want not_supported", res, err)
	}
}

// rtmpEngine makes a Phone a phone.Engine, as the page's facade does.
type rtmpEngine struct{ *Phone }

func (p rtmpEngine) Dial(ctx context.Context, target string, headers []phone.Header) (phone.Call, *phone.Error) {
	c, err := p.Phone.DialWith(ctx, target, headers)
	if err != nil {
		return nil, err
	}
	return c, nil
}
