package relay

import (
	"context"

	"github.com/kazoo-softphone/kazoo/rtmp"
)

// Command is a command the gateway sent on stream 0 (a siprtmp callback
// such as "invited").
type Command = rtmp.Command

// Audio is one RTMP audio message: the FLV tag byte, then the payload.
type Audio = rtmp.Audio

// Upstream is the relay's RTMP connection to the gateway (an rtmp.Client
// in production, a fake in tests).
type Upstream interface {
	// Call sends an RPC on stream 0 and waits for its _result/_error.
	Call(ctx context.Context, name string, args ...any) ([]any, error)
	// Commands delivers the gateway's callbacks.
	Commands() <-chan Command
	// Status delivers onStatus commands (must be drained).
	Status() <-chan Command
	CreateStream(ctx context.Context) (uint32, error)
	Publish(ctx context.Context, stream uint32, name string) error
	Play(ctx context.Context, stream uint32, name string) error
	CloseStream(stream uint32) error
	DeleteStream(ctx context.Context, stream uint32) error
	WriteAudio(stream, timestamp uint32, data []byte) error
	// Audio delivers audio the gateway plays to us.
	Audio() <-chan Audio
	Done() <-chan struct{}
	Close() error
}

// Dialer connects to a gateway: rtmpURL is allow-listed already, args
// are siprtmp's connect arguments.
type Dialer func(ctx context.Context, rtmpURL string, args ...any) (Upstream, error)

// DialRTMP is the production Dialer: an rtmp.Client.
func DialRTMP(ctx context.Context, rtmpURL string, args ...any) (Upstream, error) {
	c, err := rtmp.Dial(ctx, rtmpURL, args...)
	if err != nil {
		return nil, err
	}
	return c, nil
}

var _ Upstream = (*rtmp.Client)(nil)
