package ua

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/kazoo-softphone/kazoo/phone"
)

// fakeMedia is a Media that makes SDP-shaped text carrying its direction
// and records what it was asked, for native call tests.
type fakeMedia struct {
	mu        sync.Mutex
	name      string
	dir       Direction
	offers    []string // remote offers answered
	answers   []string // remote answers accepted
	dtmf      []string
	muted     bool
	closed    bool
	rollbacks int
	restarts  int
	events    MediaEvents
	refuse    error // when set, Accept refuses the far end's answer
}

// fakeMediaSet hands out fakeMedia and remembers them.
type fakeMediaSet struct {
	mu    sync.Mutex
	name  string
	all   []*fakeMedia
	fails error // when set, the factory fails (no microphone)
}

func (s *fakeMediaSet) factory(ctx context.Context, ev MediaEvents) (Media, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fails != nil {
		return nil, s.fails
	}
	m := &fakeMedia{name: s.name, dir: SendRecv, events: ev}
	s.all = append(s.all, m)
	return m, nil
}

func (s *fakeMediaSet) last() *fakeMedia {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.all) == 0 {
		return nil
	}
	return s.all[len(s.all)-1]
}

func sdpOf(name string, dir Direction) string {
	return "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=" + name + "\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=" + string(dir) + "\r\n"
}

// dirOf reads the a=<direction> line of a fake SDP.
func dirOf(sdp string) Direction {
	for _, d := range []Direction{SendRecv, SendOnly, RecvOnly, Inactive} {
		if strings.Contains(sdp, "a="+string(d)) {
			return d
		}
	}
	return ""
}

// answerDir is the direction answering offered with mine (RFC 3264 §6.1).
func answerDir(offered, mine Direction) Direction {
	send := (offered == SendRecv || offered == RecvOnly) && (mine == SendRecv || mine == SendOnly)
	recv := (offered == SendRecv || offered == SendOnly) && (mine == SendRecv || mine == RecvOnly)
	switch {
	case send && recv:
		return SendRecv
	case send:
		return SendOnly
	case recv:
		return RecvOnly
	}
	return Inactive
}

func (m *fakeMedia) Offer(ctx context.Context, iceRestart bool) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return "", errors.New("closed")
	}
	if iceRestart {
		m.restarts++
	}
	return sdpOf(m.name, m.dir), nil
}

func (m *fakeMedia) Answer(ctx context.Context, offer string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return "", errors.New("closed")
	}
	m.offers = append(m.offers, offer)
	return sdpOf(m.name, answerDir(dirOf(offer), m.dir)), nil
}

func (m *fakeMedia) Accept(ctx context.Context, answer string, provisional bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.answers = append(m.answers, answer)
	return m.refuse
}

func (m *fakeMedia) Rollback(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollbacks++
	return nil
}

func (m *fakeMedia) SetDirection(d Direction) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dir = d
	return nil
}

func (m *fakeMedia) SendDTMF(tones string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dtmf = append(m.dtmf, tones)
	return nil
}

func (m *fakeMedia) SetMuted(muted bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.muted = muted
	return nil
}

func (m *fakeMedia) Stats(context.Context) (phone.MediaStats, error) { return phone.MediaStats{}, nil }

func (m *fakeMedia) SetMicrophone(context.Context, string) error { return nil }

func (m *fakeMedia) SetSpeaker(context.Context, string) error { return nil }

func (m *fakeMedia) Levels(context.Context) (phone.Levels, error) { return phone.Levels{}, nil }

func (m *fakeMedia) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
}

func (m *fakeMedia) lastOffer() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.offers) == 0 {
		return ""
	}
	return m.offers[len(m.offers)-1]
}

func (m *fakeMedia) lastAnswer() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.answers) == 0 {
		return ""
	}
	return m.answers[len(m.answers)-1]
}

func (m *fakeMedia) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

func (m *fakeMedia) offersCopy() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.offers...)
}

func (m *fakeMedia) restartCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.restarts
}
