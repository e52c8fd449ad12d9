package flowrun

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kazoo-softphone/kazoo/audiofile"
	"github.com/kazoo-softphone/kazoo/callflow"
)

// signal tells a waiting prompt or collection that a digit came.
func (r *runner) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// pending reports whether a digit among terms waits in the buffer.
func (r *runner) pending(terms []string) bool {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	for _, d := range r.c.buf {
		if slices.Contains(terms, string(d)) {
			return true
		}
	}
	return false
}

// playStoppable plays pcm; a digit among terms stops it (and stays in the
// buffer for the next collection).
func (r *runner) playStoppable(ctx context.Context, pcm []int16, terms []string) error {
	if r.c.Leg == nil {
		return errors.New("the call has no audio")
	}
	if r.pending(terms) {
		return nil
	}
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- r.c.Leg.Play(pctx, pcm) }()
	for {
		select {
		case err := <-done:
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		case <-r.wake:
			if r.pending(terms) {
				stop()
				<-done
				return nil
			}
		}
	}
}

// speak says text with the TTS.
func (r *runner) speak(ctx context.Context, text, voice string, terms []string) error {
	if r.env.TTS == nil {
		return errNoEnv
	}
	pcm, err := r.env.TTS(ctx, text, voice)
	if err != nil {
		return err
	}
	return r.playStoppable(ctx, pcm, terms)
}

// play plays a media file loop_count times (at least once).
func (r *runner) play(ctx context.Context, d callflow.Play) error {
	if r.env.Media == nil {
		return errNoEnv
	}
	pcm, err := r.env.Media(ctx, d.ID)
	if err != nil {
		return err
	}
	for i := int64(0); i < max(1, int64(d.LoopCount)); i++ {
		if err := r.playStoppable(ctx, pcm, d.Terminators); err != nil || r.pending(d.Terminators) {
			return err
		}
	}
	return nil
}

// collect reads up to maxDigits digits: it waits timeout for the first
// and interdigit between the others; a terminator ends it (and is not
// part of the digits).
func (r *runner) collect(ctx context.Context, maxDigits int, terms []string, timeout, interdigit time.Duration) string {
	var got []rune
	wait := timeout
	for len(got) < maxDigits {
		r.c.mu.Lock()
		if len(r.c.buf) > 0 {
			d := r.c.buf[0]
			r.c.buf = r.c.buf[1:]
			r.c.mu.Unlock()
			if slices.Contains(terms, string(d)) {
				break
			}
			got = append(got, d)
			wait = interdigit
			continue
		}
		r.c.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return string(got)
		case <-t.C:
			return string(got)
		case <-r.wake:
			t.Stop()
		}
	}
	return string(got)
}

func (r *runner) collectDTMF(ctx context.Context, d callflow.CollectDTMF) {
	digits := r.collect(ctx, int(d.MaxDigits), d.AllTerminators(), d.Timeout(), d.InterdigitTimeout())
	r.c.mu.Lock()
	r.c.digits, r.c.name = digits, d.CollectionName
	if d.CollectionName != "" {
		if r.c.named == nil {
			r.c.named = map[string]string{}
		}
		r.c.named[d.CollectionName] = digits
	}
	r.c.mu.Unlock()
	r.log.Info("callflow: digits collected", "digits", digits, "collection", d.CollectionName)
}

// menu says the greeting and goes to the child of the digits pressed;
// after retries wrong or silent tries it takes "max_retries" (or "_").
func (r *runner) menu(ctx context.Context, n *callflow.Node, d callflow.Menu) *callflow.Node {
	for try := 0; try < int(d.Retries) && ctx.Err() == nil; try++ {
		if g := d.Media.Greeting; g != "" {
			if err := r.prompt(ctx, g); err != nil {
				r.log.Warn("callflow: menu greeting failed", "error", err)
			}
		}
		digits := r.collect(ctx, int(d.MaxExtensionLength), []string{"#"}, d.Timeout(), time.Duration(d.InterdigitTimeoutMS)*time.Millisecond)
		if digits == "" {
			if c := n.Children["timeout"]; c != nil {
				return c
			}
			continue
		}
		if c := n.Children[digits]; c != nil {
			return c
		}
		if m := d.Media.InvalidMedia; m.Set && !m.Off && m.ID != "" {
			_ = r.prompt(ctx, m.ID)
		}
	}
	if c := n.Children["max_retries"]; c != nil {
		return c
	}
	return n.Children["_"]
}

// prompt plays a media id; "tts:Some text" is spoken.
func (r *runner) prompt(ctx context.Context, id string) error {
	all := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"}
	if text, ok := strings.CutPrefix(id, "tts:"); ok {
		return r.speak(ctx, text, "", all)
	}
	return r.play(ctx, callflow.Play{ID: id, Terminators: all})
}

func spellDigits(s string) string { return audiofile.Digits(s) }

func sayNumber(s string) string {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return audiofile.Number(n)
	}
	return s
}
