//go:build !js

package relay

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/kazoo-softphone/kazoo/internal/fakesiprtmp"
	"github.com/kazoo-softphone/kazoo/rtmp"
)

// fakeUpstream is a FAKE gateway connection: it records what the relay
// asks and lets the test play the gateway's side. RPCs are answered as
// siprtmp answers them (package fakesiprtmp): _result for a method it
// does not have, such as transfer, and a bare _error for a wrong number
// of arguments, such as sendDTMF(digit, "info").
type fakeUpstream struct {
	mu        sync.Mutex
	args      []any
	calls     []string
	published []string
	played    []string
	closed    []uint32
	created   int
	written   []Audio
	refusePub bool

	commands chan Command
	status   chan Command
	audio    chan Audio
	done     chan struct{}
	once     sync.Once
	wrote    chan Audio
}

func newFakeUpstream(args []any) *fakeUpstream {
	return &fakeUpstream{
		args: args, commands: make(chan Command, 16), status: make(chan Command, 16), audio: make(chan Audio, 64),
		done: make(chan struct{}), wrote: make(chan Audio, 256),
	}
}

func (f *fakeUpstream) Call(ctx context.Context, name string, args ...any) ([]any, error) {
	f.mu.Lock()
	f.calls = append(f.calls, fmt.Sprint(append([]any{name}, args...)...))
	f.mu.Unlock()
	if ok, _ := fakesiprtmp.Answer(name, len(args)); !ok {
		return nil, &rtmp.CallError{Name: name} // what rtmp.Client makes of a bare _error
	}
	return nil, nil
}

func (f *fakeUpstream) Commands() <-chan Command { return f.commands }
func (f *fakeUpstream) Status() <-chan Command   { return f.status }

func (f *fakeUpstream) CreateStream(ctx context.Context) (uint32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.created++
	return uint32(f.created), nil
}

func (f *fakeUpstream) Publish(ctx context.Context, stream uint32, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refusePub {
		return errors.New("NetStream.Publish.BadName")
	}
	f.published = append(f.published, fmt.Sprintf("%d:%s", stream, name))
	return nil
}

func (f *fakeUpstream) Play(ctx context.Context, stream uint32, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.played = append(f.played, fmt.Sprintf("%d:%s", stream, name))
	return nil
}

func (f *fakeUpstream) CloseStream(stream uint32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = append(f.closed, stream)
	return nil
}

func (f *fakeUpstream) DeleteStream(ctx context.Context, stream uint32) error { return nil }

func (f *fakeUpstream) WriteAudio(stream, ts uint32, data []byte) error {
	a := Audio{StreamID: stream, Timestamp: ts, Data: append([]byte(nil), data...)}
	f.mu.Lock()
	f.written = append(f.written, a)
	f.mu.Unlock()
	f.wrote <- a
	return nil
}

func (f *fakeUpstream) Audio() <-chan Audio   { return f.audio }
func (f *fakeUpstream) Done() <-chan struct{} { return f.done }
func (f *fakeUpstream) Close() error {
	f.once.Do(func() { close(f.done) })
	return nil
}

func (f *fakeUpstream) snapshot() (calls, published, played []string, created int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...), append([]string(nil), f.published...),
		append([]string(nil), f.played...), f.created
}
