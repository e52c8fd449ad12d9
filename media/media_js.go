//go:build js && wasm

package media

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/pion/webrtc/v4"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/ua"
)

// Session is the media of one call: an RTCPeerConnection with one audio
// transceiver carrying the microphone. It implements ua.Media.
//
// Locking: s.mu guards the fields below it and is never held across a JS
// call, since JS event handlers (which take it) may run during one.
type Session struct {
	cfg     Config
	need    gatherNeeds // the candidates an offer or answer waits for
	pc      *webrtc.PeerConnection
	listen  *jsbridge.PeerListener
	done    chan struct{} // closed by Close
	iceWake chan struct{}

	mu          sync.Mutex
	events      ua.MediaEvents        // set by bind, once the session has a call
	mic         *jsbridge.Microphone  // nil until the call has one
	audio       *jsbridge.RemoteAudio // nil until the call starts
	closed      bool
	tr          *webrtc.RTPTransceiver // the audio transceiver, once known
	trackSet    bool                   // the mic is on tr's sender
	dir         ua.Direction
	iceQueue    []string             // ICE states not yet delivered
	seq         int                  // counts gathering state events
	gatherStart int                  // seq of the last "gathering"
	gatherDone  int                  // seq of the last "complete"
	gatherWake  chan struct{}        // closed and replaced at each gathering event
	muted       bool                 // SetMuted(true): a new microphone starts disabled
	micEnded    func()               // stops watching the microphone's track
	sending     *jsbridge.Microphone // SendInstead's stream, on the sender instead of mic
	sendMute    func(muted bool)     // told of SetMuted while sending is set

	micOp   sync.Mutex // serialises microphone switches
	meterMu sync.Mutex // guards meters; held across JS calls, unlike mu
	meters  meters
}

var _ ua.Media = (*Session)(nil)

// NewFactory returns a ua.MediaFactory making browser sessions with cfg,
// each opening the microphone and its peer connection when its call
// starts: a Warmer that prepares nothing. A Warmer with cfg.Warmup
// prepares them ahead instead.
func NewFactory(cfg Config) ua.MediaFactory {
	cfg.Warmup = WarmupNone
	return NewWarmer(cfg).Factory()
}

// openMicrophone opens the microphone deviceID ("" the default), its
// failures as the package's errors; a device that is not there is
// phone.ErrDeviceNotFound.
func openMicrophone(ctx context.Context, deviceID string) (*jsbridge.Microphone, error) {
	mic, err := jsbridge.OpenMicrophoneDevice(ctx, deviceID, nil)
	if err != nil {
		var me *jsbridge.MediaError
		if deviceID != "" {
			if derr := DeviceError(err, "microphone", deviceID); errors.Is(derr, phone.ErrDeviceNotFound) {
				return nil, derr
			}
		}
		if errors.As(err, &me) {
			return nil, microphoneError(me.Name, me.Message)
		}
		return nil, fmt.Errorf("%w: %v", ErrMicrophoneUnavailable, err)
	}
	return mic, nil
}

// openChosen opens the microphone cfg chooses, or the default one when
// that device is gone (unplugged since it was chosen): a call starts
// rather than fails for it.
func openChosen(ctx context.Context, cfg Config) (*jsbridge.Microphone, error) {
	id := cfg.microphoneID()
	mic, err := openMicrophone(ctx, id)
	if id != "" && errors.Is(err, phone.ErrDeviceNotFound) {
		return openMicrophone(ctx, "")
	}
	return mic, err
}

// newSession makes a session around mic (nil: the microphone is given
// later, before the first offer or answer; the session owns it and stops
// it on Close). pool asks the browser to gather ICE candidates at once,
// before any offer (RTCConfiguration.iceCandidatePoolSize 1), for a
// session made ahead of its call.
func newSession(cfg Config, mic *jsbridge.Microphone, pool bool) (*Session, error) {
	s := &Session{
		cfg:        cfg,
		mic:        mic,
		need:       needsFor(cfg.ICEServers),
		dir:        ua.SendRecv,
		done:       make(chan struct{}),
		iceWake:    make(chan struct{}, 1),
		gatherWake: make(chan struct{}),
	}
	var servers []webrtc.ICEServer
	for _, is := range cfg.ICEServers {
		w := webrtc.ICEServer{URLs: is.URLs, Username: is.Username}
		if is.Credential != "" {
			w.Credential = is.Credential
		}
		servers = append(servers, w)
	}
	pc := webrtc.Configuration{ICEServers: servers}
	if pool {
		pc.ICECandidatePoolSize = 1
	}
	// NewPeerConnection, unlike SetConfiguration, lets TURN servers
	// through to the browser. The bundle policy stays the default.
	var err error
	if s.pc, err = webrtc.NewPeerConnection(pc); err != nil {
		if mic != nil {
			mic.Stop()
		}
		return nil, fmt.Errorf("media: cannot create the peer connection: %w", err)
	}
	if s.listen, err = jsbridge.ListenPeer(s.pc, jsbridge.PeerEvents{
		ICEConnectionState: s.onICEState,
		ICEGatheringState:  s.onGatheringState,
		ICECandidate:       s.onCandidate,
	}); err == nil && !pool {
		err = s.playRemote()
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("media: %w", err)
	}
	if mic != nil {
		s.watchMicrophone(mic)
	}
	go s.deliverICE()
	return s, nil
}

// playRemote adds the hidden <audio> element that plays what the peer
// connection receives. A session made ahead gets it only when its call
// starts, so that an idle page has no such element.
func (s *Session) playRemote() error {
	s.mu.Lock()
	has := s.audio != nil
	s.mu.Unlock()
	if has {
		return nil
	}
	a, err := jsbridge.NewRemoteAudio(s.pc)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.audio = a
	s.mu.Unlock()
	s.applySpeaker(a)
	return nil
}

// bind gives the session the call's event handlers.
func (s *Session) bind(ev ua.MediaEvents) {
	s.mu.Lock()
	s.events = ev
	s.mu.Unlock()
}

// setMicrophone gives a session made without one its microphone.
func (s *Session) setMicrophone(mic *jsbridge.Microphone) {
	s.mu.Lock()
	s.mic = mic
	s.mu.Unlock()
	s.watchMicrophone(mic)
}

func (s *Session) microphone() *jsbridge.Microphone {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mic
}

// onICEState runs inside the JS event: it only queues the state.
func (s *Session) onICEState(state string) {
	s.mu.Lock()
	s.iceQueue = append(s.iceQueue, state)
	s.mu.Unlock()
	select {
	case s.iceWake <- struct{}{}:
	default:
	}
}

// deliverICE passes ICE states to the user agent in the order the
// browser reported them (pion's own handlers start one goroutine per
// event, which does not keep the order).
func (s *Session) deliverICE() {
	for {
		select {
		case <-s.iceWake:
		case <-s.done:
			return
		}
		s.mu.Lock()
		q := s.iceQueue
		s.iceQueue = nil
		report := s.events.ICEState
		s.mu.Unlock()
		for _, st := range q {
			if report != nil {
				report(st)
			}
		}
	}
}

// onGatheringState runs inside the JS event: it records the transition
// and wakes whoever waits for gathering.
func (s *Session) onGatheringState(state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	switch state {
	case "gathering":
		s.gatherStart = s.seq
	case "complete":
		s.gatherDone = s.seq
	}
	close(s.gatherWake)
	s.gatherWake = make(chan struct{})
}

// onCandidate runs inside the JS event: a new local candidate may make
// the offer or answer ready to send, so it wakes the gathering waiters.
func (s *Session) onCandidate(string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.gatherWake)
	s.gatherWake = make(chan struct{})
}

// transceiver returns the audio transceiver and whether the mic is on
// it, or an error when closed.
func (s *Session) transceiver() (*webrtc.RTPTransceiver, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false, ErrClosed
	}
	return s.tr, s.trackSet, nil
}

// SetDirection implements ua.Media: the transceiver's direction, used by
// the next offer or answer.
func (s *Session) SetDirection(d ua.Direction) error {
	switch d {
	case ua.SendRecv, ua.SendOnly, ua.RecvOnly, ua.Inactive:
	default:
		return fmt.Errorf("media: unknown direction %q", d)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.dir = d
	tr := s.tr
	s.mu.Unlock()
	if tr == nil {
		return nil
	}
	return jsbridge.SetTransceiverDirection(tr, string(d))
}

func (s *Session) direction() ua.Direction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dir
}

// validDTMF are the tones RFC 4733 events 0-15 and insertDTMF accept;
// "," is insertDTMF's two-second pause.
const validDTMF = "0123456789*#ABCDabcd,"

// DTMF timing. Chromium sends a tone of 120 ms or less as end packets
// only (RFC 4733 §2.5.1.3 allows it), and libre-based phones (baresip)
// then miss every digit after the first: 160 ms gives each tone a start
// packet.
const (
	dtmfToneMs = 160
	dtmfGapMs  = 70
)

// SendDTMF implements ua.Media with the sender's RTCDTMFSender
// (dtmfToneMs tones, dtmfGapMs gaps). It fails when telephone-event was
// not negotiated or the call does not send (on hold).
func (s *Session) SendDTMF(tones string) error {
	if tones == "" {
		return nil
	}
	for _, r := range tones {
		if !strings.ContainsRune(validDTMF, r) {
			return fmt.Errorf("media: invalid DTMF tone %q", r)
		}
	}
	tr, _, err := s.transceiver()
	if err != nil {
		return err
	}
	if tr == nil {
		return fmt.Errorf("media: %w", jsbridge.ErrNoDTMF)
	}
	if err := jsbridge.InsertDTMF(tr.Sender(), tones, dtmfToneMs, dtmfGapMs); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}

// SetMuted implements ua.Media: the microphone track is disabled (the
// browser sends silence), without renegotiation.
func (s *Session) SetMuted(muted bool) error {
	if _, _, err := s.transceiver(); err != nil {
		return err
	}
	s.micOp.Lock()
	defer s.micOp.Unlock()
	mic := s.microphone()
	if mic == nil {
		return errors.New("media: the call has no microphone yet")
	}
	// While a conference's mix is sent, mute is the mix's: our voice
	// leaves this call's mix only (the microphone, not on the sender,
	// stays enabled; SendMicrophone applies the mute to it).
	if other, tell := s.sendingOther(); other {
		if tell != nil {
			tell(muted)
		}
	} else if err := mic.SetEnabled(!muted); err != nil {
		return err
	}
	s.mu.Lock()
	s.muted = muted
	s.mu.Unlock()
	return nil
}

// Stats implements ua.Media: it summarises the connection's getStats()
// report.
func (s *Session) Stats(ctx context.Context) (phone.MediaStats, error) {
	tr, _, err := s.transceiver()
	if err != nil {
		return phone.MediaStats{}, err
	}
	report, err := jsbridge.GetStats(ctx, s.pc)
	if err != nil {
		return phone.MediaStats{}, fmt.Errorf("media: stats: %w", err)
	}
	st := summarise(report)
	st.ICEState = s.pc.ICEConnectionState().String()
	if tr != nil {
		if info, err := jsbridge.DescribeTransceiver(tr); err == nil {
			st.Direction = info.CurrentDirection
		}
	}
	return st, nil
}

// Close implements ua.Media: it stops the microphone, closes the peer
// connection and removes the remote audio element. Calls still waiting
// on the browser return ErrClosed.
func (s *Session) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	mic, audio, micEnded := s.mic, s.audio, s.micEnded
	s.micEnded = nil
	s.mu.Unlock()
	if micEnded != nil {
		micEnded()
	}
	s.closeMeters()
	if s.listen != nil {
		s.listen.Release()
	}
	if audio != nil {
		audio.Remove()
	}
	if mic != nil {
		mic.Stop()
	}
	if s.pc != nil {
		_ = s.pc.Close()
	}
}
