//go:build !js

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kazoo-softphone/kazoo/audiofile"
	"github.com/kazoo-softphone/kazoo/flowrun"
	"github.com/kazoo-softphone/kazoo/mediaserver"
	"github.com/kazoo-softphone/kazoo/proxy"
)

// dialed is one target's answered leg.
type dialed struct {
	oc  *proxy.OutboundCall
	leg *mediaserver.IVR
	err error
}

// bridge rings the targets at once with the flow's caller ID; the first
// to answer is mixed with the caller until either hangs up, the others
// stop ringing.
func (cf *callflows) bridge(ctx context.Context, c *flowrun.Call, caller *mediaserver.IVR, ts []flowrun.Target, log *slog.Logger) (bool, error) {
	if len(ts) == 0 {
		return false, errors.New("nothing to ring")
	}
	results := make(chan dialed, len(ts))
	cancels := make([]context.CancelFunc, len(ts))
	for i, t := range ts {
		dctx, cancel := context.WithCancel(ctx)
		cancels[i] = cancel
		go func() { results <- cf.ring(dctx, c, t) }()
	}
	defer func() {
		for _, cancel := range cancels {
			cancel()
		}
	}()
	var win *dialed
	var errs []error
	for range ts {
		r := <-results
		switch {
		case r.err != nil:
			errs = append(errs, r.err)
		case win == nil:
			win = &r
			for _, cancel := range cancels {
				cancel() // the others stop ringing (Dial sends CANCEL)
			}
		default: // answered too late
			r.oc.Hangup()
			_ = r.leg.Close()
		}
	}
	if win == nil {
		return false, errors.Join(errs...)
	}
	log.Info("bridged", "to", win.oc.CallID)
	mix := cf.media.s.NewMixer()
	defer mix.Close()
	defer win.leg.Close()
	if err := mix.Add(caller); err != nil {
		win.oc.Hangup()
		return true, err
	}
	if err := mix.Add(win.leg); err != nil {
		win.oc.Hangup()
		return true, err
	}
	select {
	case <-ctx.Done(): // the caller hung up
		win.oc.Hangup()
	case <-win.oc.Done(): // the callee did
	}
	mix.Remove(caller)
	return true, nil
}

// ring calls one target with a WebRTC offer for browsers and a plain
// one for UDP phones; the one answered becomes the leg.
func (cf *callflows) ring(ctx context.Context, c *flowrun.Call, t flowrun.Target) dialed {
	webOffer, web, err := cf.media.s.OfferIVR(true)
	if err != nil {
		return dialed{err: err}
	}
	udpOffer, udp, err := cf.media.s.OfferIVR(false)
	if err != nil {
		_ = web.Close()
		return dialed{err: err}
	}
	var mu sync.Mutex
	var leg *mediaserver.IVR
	o := proxy.Outbound{
		FromUser: c.CallerIDNumber, FromName: c.CallerIDName,
		Offer: webOffer, UDPOffer: udpOffer, Timeout: t.Timeout,
		OnUpdate: func(offer []byte) ([]byte, error) {
			mu.Lock()
			l := leg
			mu.Unlock()
			if l == nil {
				return nil, errors.New("not answered yet")
			}
			return l.Update(offer)
		},
	}
	if strings.HasPrefix(t.ID, "sip:") || strings.HasPrefix(t.ID, "sips:") {
		o.URI = t.ID
	} else {
		o.User = t.ID
	}
	oc, err := cf.proxy.Dial(ctx, o)
	if err != nil {
		_ = web.Close()
		_ = udp.Close()
		return dialed{err: fmt.Errorf("%s %s: %w", t.Kind, t.ID, err)}
	}
	chosen, other := web, udp
	if !oc.WebRTC {
		chosen, other = udp, web
	}
	_ = other.Close()
	if err := chosen.SetAnswer(oc.Answer); err != nil {
		oc.Hangup()
		_ = chosen.Close()
		return dialed{err: err}
	}
	mu.Lock()
	leg = chosen
	mu.Unlock()
	return dialed{oc: oc, leg: chosen}
}

// conference puts the caller in room name until it hangs up; the room
// goes when its last member leaves.
func (cf *callflows) conference(ctx context.Context, ivr *mediaserver.IVR, name string, log *slog.Logger) error {
	cf.mu.Lock()
	r := cf.rooms[name]
	if r == nil {
		r = &room{mix: cf.media.s.NewMixer()}
		cf.rooms[name] = r
	}
	r.members++
	n := r.members
	cf.mu.Unlock()
	log.Info("conference joined", "room", name, "members", n)
	err := r.mix.Add(ivr)
	if err == nil {
		<-ctx.Done()
		r.mix.Remove(ivr)
	}
	cf.mu.Lock()
	r.members--
	if r.members == 0 {
		r.mix.Close()
		delete(cf.rooms, name)
	}
	cf.mu.Unlock()
	return err
}

// recordings keeps what flows recorded (voicemail, record_call) as WAV
// files in a directory, listed by /api/recordings.
type recordings struct {
	dir string
	mu  sync.Mutex
	all []recording
}

type recording struct {
	Kind    string    `json:"kind"`  // voicemail or call
	Owner   string    `json:"owner"` // the box, or the number called
	CallID  string    `json:"callId"`
	From    string    `json:"from"`
	Seconds float64   `json:"seconds"`
	RMS     float64   `json:"rms"` // 0..1: silence or speech at a glance
	File    string    `json:"file"`
	At      time.Time `json:"at"`
}

// newRecordings keeps recordings in dir ("": a new temporary directory).
func newRecordings(dir string) (*recordings, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "kazoo-dev-recordings-")
		if err != nil {
			return nil, err
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &recordings{dir: dir}, nil
}

func (r *recordings) add(kind, owner string, c *flowrun.Call, pcm []int16) (recording, error) {
	var sum float64
	for _, s := range pcm {
		v := float64(s) / 32768
		sum += v * v
	}
	rec := recording{Kind: kind, Owner: owner, CallID: c.ID, From: c.CallerIDNumber, Seconds: float64(len(pcm)) / 8000, At: time.Now()}
	if len(pcm) > 0 {
		rec.RMS = math.Sqrt(sum / float64(len(pcm)))
	}
	name := fmt.Sprintf("%s-%s-%d.wav", kind, safeName(owner), rec.At.UnixNano())
	f, err := os.Create(filepath.Join(r.dir, name))
	if err != nil {
		return rec, err
	}
	if err := audiofile.WriteWAV(f, pcm); err != nil {
		f.Close()
		return rec, err
	}
	if err := f.Close(); err != nil {
		return rec, err
	}
	rec.File = filepath.Join(r.dir, name)
	r.mu.Lock()
	r.all = append(r.all, rec)
	r.mu.Unlock()
	return rec, nil
}

func (r *recordings) list() []recording {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recording{}, r.all...)
}

// safeName keeps a name's letters, digits and - for a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, s)
}
