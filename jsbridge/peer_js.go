//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"sync"

	"github.com/hack-pad/safejs"
)

// listeners are JS event listeners added with addEventListener, removed
// and released together.
type listeners struct {
	mu   sync.Mutex
	list []listener
}

type listener struct {
	target safejs.Value
	event  string
	fn     safejs.Func
}

// add makes fn a listener of target's event. fn runs inside the JS event
// dispatch: it must not block.
func (l *listeners) add(target safejs.Value, event string, fn func(ev safejs.Value)) error {
	f, err := funcOf(func(_ safejs.Value, args []safejs.Value) any {
		fn(arg(args, 0))
		return nil
	})
	if err != nil {
		return err
	}
	if _, err := target.Call("addEventListener", event, f.Value()); err != nil {
		releaseFunc(f)
		return err
	}
	l.mu.Lock()
	l.list = append(l.list, listener{target: target, event: event, fn: f})
	l.mu.Unlock()
	return nil
}

// release removes every listener, then releases its function: events are
// dispatched from tasks, so none can reach a released function.
func (l *listeners) release() {
	l.mu.Lock()
	list := l.list
	l.list = nil
	l.mu.Unlock()
	for _, x := range list {
		_, _ = x.target.Call("removeEventListener", x.event, x.fn.Value())
		releaseFunc(x.fn)
	}
}

// PeerEvents are Go handlers for RTCPeerConnection state changes. They
// are called synchronously from the JS event, in order, with the state
// read at that moment; they must not block (hand the work to a
// goroutine). A nil handler is skipped.
type PeerEvents struct {
	ICEConnectionState func(state string) // pc.iceConnectionState
	ICEGatheringState  func(state string) // pc.iceGatheringState
	// ICECandidate is told that a local candidate was gathered (or, with
	// "", that gathering ended); the candidates themselves are read from
	// pc.localDescription.
	ICECandidate func(candidate string)
}

// PeerListener holds the listeners ListenPeer added.
type PeerListener struct {
	l listeners
}

// ListenPeer listens to an RTCPeerConnection's iceconnectionstatechange
// and icegatheringstatechange events with addEventListener, leaving the
// on* properties to pion. Release it before dropping the connection.
func ListenPeer(pc JSValuer, ev PeerEvents) (*PeerListener, error) {
	p, err := safe(pc)
	if err != nil {
		return nil, err
	}
	pl := &PeerListener{}
	watch := func(event, prop string, h func(string)) error {
		if h == nil {
			return nil
		}
		return pl.l.add(p, event, func(safejs.Value) {
			v, err := p.Get(prop)
			if err != nil {
				return
			}
			s, _ := v.String()
			h(s)
		})
	}
	if err := watch("iceconnectionstatechange", "iceConnectionState", ev.ICEConnectionState); err != nil {
		pl.Release()
		return nil, err
	}
	if err := watch("icegatheringstatechange", "iceGatheringState", ev.ICEGatheringState); err != nil {
		pl.Release()
		return nil, err
	}
	if ev.ICECandidate != nil {
		err := pl.l.add(p, "icecandidate", func(e safejs.Value) {
			line := ""
			if c, err := e.Get("candidate"); err == nil && c.Type() == safejs.TypeObject {
				if v, err := c.Get("candidate"); err == nil {
					line, _ = v.String()
				}
			}
			ev.ICECandidate(line)
		})
		if err != nil {
			pl.Release()
			return nil, err
		}
	}
	return pl, nil
}

// Release removes the listeners and frees their functions. It is safe to
// call more than once.
func (pl *PeerListener) Release() { pl.l.release() }

// RemoteAudioAttr is the attribute that marks the <audio> elements kazoo
// creates for remote audio (its value is "remote").
const RemoteAudioAttr = "data-kazoo-audio"

// RemoteAudio is a hidden <audio autoplay> element playing what an
// RTCPeerConnection receives.
type RemoteAudio struct {
	el   safejs.Value
	l    listeners
	once sync.Once
}

// NewRemoteAudio appends a hidden <audio autoplay> element to the
// document body and plays every audio track pc receives in it (the
// event's first stream, or a new MediaStream holding the track).
func NewRemoteAudio(pc JSValuer) (*RemoteAudio, error) {
	p, err := safe(pc)
	if err != nil {
		return nil, err
	}
	doc, err := global("document")
	if err != nil {
		return nil, err
	}
	el, err := doc.Call("createElement", "audio")
	if err != nil {
		return nil, err
	}
	for _, set := range []func() error{
		func() error { return el.Set("autoplay", true) },
		func() error { return el.Set("hidden", true) },
		func() error { _, err := el.Call("setAttribute", RemoteAudioAttr, "remote"); return err },
	} {
		if err := set(); err != nil {
			return nil, err
		}
	}
	parent, err := doc.Get("body")
	if err != nil || parent.Type() != safejs.TypeObject {
		if parent, err = doc.Get("documentElement"); err != nil {
			return nil, err
		}
	}
	if _, err := parent.Call("appendChild", el); err != nil {
		return nil, err
	}
	ra := &RemoteAudio{el: el}
	if err := ra.l.add(p, "track", ra.onTrack); err != nil {
		ra.Remove()
		return nil, err
	}
	return ra, nil
}

func (ra *RemoteAudio) onTrack(ev safejs.Value) {
	track, err := ev.Get("track")
	if err != nil || track.Type() != safejs.TypeObject {
		return
	}
	if kind, err := track.Get("kind"); err == nil {
		if k, _ := kind.String(); k != "audio" {
			return
		}
	}
	var stream safejs.Value
	if streams, err := ev.Get("streams"); err == nil && streams.Type() == safejs.TypeObject {
		if n, _ := streams.Length(); n > 0 {
			stream, _ = streams.Index(0)
		}
	}
	if stream.Type() != safejs.TypeObject {
		ctor, err := global("MediaStream")
		if err != nil {
			return
		}
		if stream, err = ctor.New([]any{track}); err != nil {
			return
		}
	}
	if cur, err := ra.el.Get("srcObject"); err == nil && cur.Equal(stream) {
		return
	}
	_ = ra.el.Set("srcObject", stream)
}

// Remove stops listening, detaches the stream and removes the element.
// It is safe to call more than once.
func (ra *RemoteAudio) Remove() {
	ra.once.Do(func() {
		ra.l.release()
		_ = ra.el.Set("srcObject", safejs.Null())
		_, _ = ra.el.Call("remove")
	})
}

// GetStats calls pc.getStats() and returns every stats object of the
// report as a map (numbers as float64), via JSON.
func GetStats(ctx context.Context, pc JSValuer) ([]map[string]any, error) {
	p, err := safe(pc)
	if err != nil {
		return nil, err
	}
	promise, err := p.Call("getStats")
	if err != nil {
		return nil, err
	}
	report, err := Await(ctx, promise)
	if err != nil {
		return nil, err
	}
	values, err := report.Call("values")
	if err != nil {
		return nil, err
	}
	array, err := global("Array")
	if err != nil {
		return nil, err
	}
	list, err := array.Call("from", values)
	if err != nil {
		return nil, err
	}
	all, err := GoValue(list)
	if err != nil {
		return nil, errors.New("jsbridge: stats report: " + err.Error())
	}
	entries, _ := all.([]any)
	out := make([]map[string]any, 0, len(entries))
	for _, e := range entries {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out, nil
}
