//go:build !js

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kazoo-softphone/kazoo/audiofile"
	"github.com/kazoo-softphone/kazoo/callflow"
	"github.com/kazoo-softphone/kazoo/flowrun"
	"github.com/kazoo-softphone/kazoo/mediaserver"
	"github.com/kazoo-softphone/kazoo/proxy"
)

// callflows runs the numbers of a -callflows file: Kazoo callflow JSON,
// Pivot included. A call to one of them is answered by kazoo-dev's media
// (an IVR leg) and runs its flow (package flowrun); bridges ring local
// users through the proxy, conferences and bridges mix on the server.
type callflows struct {
	cfg    *callflow.Config
	dir    string // the file's directory: play's relative media names
	media  *devMedia
	vm     *voicemail
	rec    *recordings
	log    *slog.Logger
	domain string
	proxy  *proxy.Proxy // set once the proxy exists

	mu    sync.Mutex
	rooms map[string]*room
}

// room is a server-side conference.
type room struct {
	mix     *mediaserver.Mixer
	members int
}

// loadCallflows reads a -callflows file ("" is none).
func loadCallflows(file, domain string, media *devMedia, vm *voicemail, rec *recordings, log *slog.Logger) (*callflows, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("-callflows: %w", err)
	}
	cfg, err := callflow.ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("-callflows %s: %w", file, err)
	}
	return &callflows{cfg: cfg, dir: filepath.Dir(file), media: media, vm: vm, rec: rec, log: log, domain: domain, rooms: map[string]*room{}}, nil
}

// numbers are the numbers with a callflow, and what each starts with.
func (cf *callflows) numbers() map[string]string {
	out := map[string]string{}
	for _, c := range cf.cfg.Callflows {
		for _, n := range c.Numbers {
			out[n] = "callflow: " + c.Flow.Module
		}
	}
	return out
}

// extension answers a call to number with its callflow.
func (cf *callflows) extension(number string) proxy.Extension {
	return extensionFunc(func(call proxy.LocalCall, offer []byte) ([]byte, proxy.Session, error) {
		return cf.answer(call, offer)
	})
}

func (cf *callflows) answer(call proxy.LocalCall, offer []byte) ([]byte, proxy.Session, error) {
	root := cf.cfg.Lookup(call.Number)
	if root == nil {
		return nil, nil, &proxy.Refusal{Code: 404}
	}
	log := cf.log.With("call", call.CallID, "number", call.Number)
	c := &flowrun.Call{
		ID: call.CallID, Number: call.Number, From: call.From, To: call.To,
		AccountID: "kazoo-dev", UserID: call.Caller, Language: "en-us",
		CallerIDName: call.FromName, CallerIDNumber: call.Caller,
	}
	// A flow that starts by asking a Pivot app asks before answering, so
	// that the app's response module can refuse the call with its code.
	if root.Module == callflow.ModPivot && call.Ringing != nil {
		call.Ringing()
	}
	first, refused := cf.resolve(call, c, root, log)
	if refused != nil {
		return nil, nil, refused
	}
	answer, ivr, err := cf.media.s.IVR(offer)
	if err != nil {
		return nil, nil, refusal(err)
	}
	c.Leg = ivr
	go func() {
		ctx, cancel := untilDone(call.Done)
		defer cancel()
		flowrun.Run(ctx, cf.env(call, ivr, log), c, first)
		log.Info("callflow ended")
	}()
	return answer, flowSession{ivr}, nil
}

// resolve asks a leading pivot node's app before the answer: a response
// module there, or a failure with no fallback, refuses the call.
func (cf *callflows) resolve(call proxy.LocalCall, c *flowrun.Call, n *callflow.Node, log *slog.Logger) (*callflow.Node, error) {
	if n.Module != callflow.ModPivot {
		return n, nil
	}
	ctx, cancel := untilDone(call.Done)
	defer cancel()
	next := flowrun.First(ctx, flowrun.Env{Log: log}, c, n)
	if next == nil {
		return nil, &proxy.Refusal{Code: 503, Reason: "Service Unavailable"}
	}
	if next.Module == callflow.ModResponse {
		if r, err := next.Response(); err == nil {
			return nil, &proxy.Refusal{Code: int(r.Code), Reason: r.Message}
		}
	}
	return next, nil
}

// untilDone is a context that ends when done closes (the call is over).
func untilDone(done <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-done:
		case <-ctx.Done():
		}
		cancel()
	}()
	return ctx, cancel
}

// flowSession is the IVR as the proxy's session: INFO digits go to it.
type flowSession struct{ ivr *mediaserver.IVR }

func (s flowSession) Update(offer []byte) ([]byte, error) { return s.ivr.Update(offer) }
func (s flowSession) Close() error                        { return s.ivr.Close() }
func (s flowSession) DTMF(d rune)                         { s.ivr.InjectDTMF(d) }

// env is what one call's flow can ask of kazoo-dev.
func (cf *callflows) env(call proxy.LocalCall, ivr *mediaserver.IVR, log *slog.Logger) flowrun.Env {
	return flowrun.Env{
		Log: log,
		TTS: func(ctx context.Context, text, voice string) ([]int16, error) {
			return audiofile.TTS(ctx, text, espeakVoice(voice))
		},
		Media: cf.loadMedia,
		Bridge: func(ctx context.Context, c *flowrun.Call, ts []flowrun.Target) (bool, error) {
			return cf.bridge(ctx, c, ivr, ts, log)
		},
		Conference: func(ctx context.Context, c *flowrun.Call, name string) error {
			return cf.conference(ctx, ivr, name, log)
		},
		Voicemail: func(owner string, c *flowrun.Call, pcm []int16) error {
			if _, err := cf.rec.add("voicemail", owner, c, pcm); err != nil {
				return err
			}
			cf.vm.leave(owner, c.CallerIDNumber)
			return nil
		},
		Recording: func(c *flowrun.Call, pcm []int16) error {
			_, err := cf.rec.add("call", call.Number, c, pcm)
			return err
		},
		Presence: func(id, state string) {
			if err := cf.proxy.SetPresence(id, state); err != nil {
				log.Warn("manual_presence failed", "presence_id", id, "error", err)
			}
		},
		Hangup: func(cause int, _ string) { call.Hangup(cause) },
	}
}

// espeakVoice maps Kazoo's voice names to espeak-ng's.
func espeakVoice(v string) string {
	switch strings.ToLower(v) {
	case "", "female", "female/en-us":
		return "en-us+f3"
	case "male", "male/en-us":
		return "en-us"
	}
	return v
}

// loadMedia reads a play module's WAV: an http(s) URL, or a file name
// relative to the -callflows file.
func (cf *callflows) loadMedia(ctx context.Context, id string) ([]int16, error) {
	if strings.HasPrefix(id, "http://") || strings.HasPrefix(id, "https://") {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
		if err != nil {
			return nil, err
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		if res.StatusCode/100 != 2 {
			return nil, fmt.Errorf("play %s: HTTP %d", req.URL.Redacted(), res.StatusCode)
		}
		return audiofile.ReadWAV(io.LimitReader(res.Body, audiofile.MaxWAVBytes+1))
	}
	name := filepath.Clean(id)
	if filepath.IsAbs(name) || strings.HasPrefix(name, "..") {
		return nil, fmt.Errorf("play %q: give a URL or a name inside the callflows file's directory", id)
	}
	f, err := os.Open(filepath.Join(cf.dir, name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return audiofile.ReadWAV(f)
}
