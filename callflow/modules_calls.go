package callflow

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// User rings the devices of a user (Kazoo's user). In kazoo-dev a user's
// id is its SIP user name, e.g. "1002".
type User struct {
	Common
	// ID of the user (required).
	ID string `json:"id"`
	// TimeoutS rings this long, in seconds (default 20).
	TimeoutS Int `json:"timeout,omitempty"`
	// DelayS waits this long before ringing, in seconds.
	DelayS Int `json:"delay,omitempty"`
	// CanCallSelf lets a user's own devices ring each other.
	CanCallSelf *bool `json:"can_call_self,omitempty"`
	// Strategy: simultaneous (default) or single.
	Strategy string `json:"strategy,omitempty"`
	// SuppressCLID hides the caller ID.
	SuppressCLID bool `json:"suppress_clid,omitempty"`
	// StaticInvite overrides the SIP user name invited.
	StaticInvite string `json:"static_invite,omitempty"`
	// FailOnSingleReject cancels every leg when one rejects.
	FailOnSingleReject bool `json:"fail_on_single_reject,omitempty"`
	// CustomSIPHeaders are added to the INVITE.
	CustomSIPHeaders map[string]string `json:"custom_sip_headers,omitempty"`
}

// Timeout is TimeoutS as a duration.
func (u User) Timeout() time.Duration { return time.Duration(u.TimeoutS) * time.Second }

// oneOf checks that *s is one of values, filling in values[0] (the
// default) when *s is empty.
func oneOf(s *string, path string, values ...string) error {
	if *s == "" {
		*s = values[0]
	}
	if slices.Contains(values, *s) {
		return nil
	}
	last := len(values) - 1
	return errAt(path, "must be %s or %s, not %s", strings.Join(values[:last], ", "), values[last], quote(*s))
}

func checkStrategy(s *string, path string) error {
	return oneOf(s, path, "simultaneous", "single")
}

func checkRing(id string, timeout, delay *Int, path string) error {
	if id == "" {
		return errAt(join(path, "id"), "required")
	}
	if *timeout == 0 {
		*timeout = 20
	}
	if *timeout < 0 {
		return errAt(join(path, "timeout"), "must not be negative (seconds)")
	}
	if *delay < 0 {
		return errAt(join(path, "delay"), "must not be negative (seconds)")
	}
	return nil
}

func (u *User) check(path string) error {
	if err := checkRing(u.ID, &u.TimeoutS, &u.DelayS, path); err != nil {
		return err
	}
	return checkStrategy(&u.Strategy, join(path, "strategy"))
}

// Device rings one device (Kazoo's device). In kazoo-dev a device's id
// is its SIP user name.
type Device struct {
	Common
	// ID of the device (required).
	ID string `json:"id"`
	// TimeoutS rings this long, in seconds (default 20).
	TimeoutS Int `json:"timeout,omitempty"`
	// DelayS waits this long before ringing, in seconds.
	DelayS Int `json:"delay,omitempty"`
	// CanCallSelf lets devices of the same owner call each other.
	CanCallSelf *bool `json:"can_call_self,omitempty"`
	// DialStrategy: simultaneous (default) or single.
	DialStrategy string `json:"dial_strategy,omitempty"`
	// SuppressCLID hides the caller ID.
	SuppressCLID bool `json:"suppress_clid,omitempty"`
	// StaticInvite overrides the SIP user name invited.
	StaticInvite string `json:"static_invite,omitempty"`
	// CustomSIPHeaders are added to the INVITE.
	CustomSIPHeaders map[string]string `json:"custom_sip_headers,omitempty"`
}

// Timeout is TimeoutS as a duration.
func (d Device) Timeout() time.Duration { return time.Duration(d.TimeoutS) * time.Second }

func (d *Device) check(path string) error {
	if err := checkRing(d.ID, &d.TimeoutS, &d.DelayS, path); err != nil {
		return err
	}
	return checkStrategy(&d.DialStrategy, join(path, "dial_strategy"))
}

// Endpoint is one entry of Bridge.Endpoints (Kazoo's ring_group entry).
type Endpoint struct {
	// EndpointType: user or device (required).
	EndpointType string `json:"endpoint_type"`
	// ID of the user or device: its SIP user name in kazoo-dev.
	ID string `json:"id"`
	// DelayS waits this long before ringing it, in seconds.
	DelayS Int `json:"delay,omitempty"`
	// TimeoutS rings it this long, in seconds (default: the bridge's).
	TimeoutS Int `json:"timeout,omitempty"`
}

// Bridge is kazoo-dev's own module (Kazoo has none by this name): ring
// users and devices, with the endpoint list of Kazoo's ring_group.
type Bridge struct {
	Common
	// Endpoints to ring (at least one).
	Endpoints []Endpoint `json:"endpoints"`
	// TimeoutS rings this long, in seconds (default 20).
	TimeoutS Int `json:"timeout,omitempty"`
	// Strategy: simultaneous (default) or single (one after another).
	Strategy string `json:"strategy,omitempty"`
}

// Timeout is TimeoutS as a duration.
func (b Bridge) Timeout() time.Duration { return time.Duration(b.TimeoutS) * time.Second }

func (b *Bridge) check(path string) error {
	if len(b.Endpoints) == 0 {
		return errAt(join(path, "endpoints"), "required: at least one {\"endpoint_type\": \"user\", \"id\": ...}")
	}
	if b.TimeoutS == 0 {
		b.TimeoutS = 20
	}
	if b.TimeoutS < 0 {
		return errAt(join(path, "timeout"), "must not be negative (seconds)")
	}
	for i := range b.Endpoints {
		e := &b.Endpoints[i]
		ep := join(path, "endpoints["+strconv.Itoa(i)+"]")
		if e.EndpointType != "user" && e.EndpointType != "device" {
			return errAt(join(ep, "endpoint_type"), "must be user or device, not %s", quote(e.EndpointType))
		}
		if e.ID == "" {
			return errAt(join(ep, "id"), "required")
		}
		if e.TimeoutS == 0 {
			e.TimeoutS = b.TimeoutS
		}
		if e.TimeoutS < 0 || e.DelayS < 0 {
			return errAt(ep, "timeout and delay must not be negative")
		}
	}
	return checkStrategy(&b.Strategy, join(path, "strategy"))
}

// Resources calls out (Kazoo's resources). kazoo-dev has no carriers:
// ToDID is a sip: or sips: URI to call, or a number/user name routed as if
// dialled; empty means the number the caller dialled.
type Resources struct {
	Common
	// ToDID is the destination.
	ToDID string `json:"to_did,omitempty"`
	// UseLocalResources is accepted (kazoo-dev has one set of resources).
	UseLocalResources *bool `json:"use_local_resources,omitempty"`
	// TimeoutS rings this long, in seconds (default 20).
	TimeoutS Int `json:"timeout,omitempty"`
	// CallerIDType picks a configured caller ID (accepted).
	CallerIDType string `json:"caller_id_type,omitempty"`
	// Ringback is a tone or media played while it rings.
	Ringback string `json:"ringback,omitempty"`
	// IgnoreEarlyMedia does not pass early media through.
	IgnoreEarlyMedia bool `json:"ignore_early_media,omitempty"`
	// BypassE164 and DoNotNormalize are accepted (no normalization here).
	BypassE164     bool `json:"bypass_e164,omitempty"`
	DoNotNormalize bool `json:"do_not_normalize,omitempty"`
	// OutboundFlags are accepted.
	OutboundFlags []string `json:"outbound_flags,omitempty"`
}

// Timeout is TimeoutS as a duration.
func (r Resources) Timeout() time.Duration { return time.Duration(r.TimeoutS) * time.Second }

// SIPURI reports whether ToDID is a sip: or sips: URI.
func (r Resources) SIPURI() bool {
	return strings.HasPrefix(r.ToDID, "sip:") || strings.HasPrefix(r.ToDID, "sips:")
}

func (r *Resources) check(path string) error {
	if r.TimeoutS == 0 {
		r.TimeoutS = 20
	}
	if r.TimeoutS < 0 {
		return errAt(join(path, "timeout"), "must not be negative (seconds)")
	}
	if r.SIPURI() {
		_, rest, _ := strings.Cut(r.ToDID, ":")
		user, host, ok := strings.Cut(rest, "@")
		if !ok || user == "" || host == "" || strings.ContainsAny(r.ToDID, " <>\"") {
			return errAt(join(path, "to_did"), "must be a SIP URI like sip:user@host, not %s", quote(r.ToDID))
		}
		if _, err := url.Parse(r.ToDID); err != nil {
			return errAt(join(path, "to_did"), "must be a SIP URI like sip:user@host, not %s", quote(r.ToDID))
		}
	}
	return nil
}

// WelcomePrompt is Conference.WelcomePrompt.
type WelcomePrompt struct {
	// MediaID to play on entry.
	MediaID string `json:"media_id,omitempty"`
	// Play: false skips the welcome prompt (default true).
	Play *bool `json:"play,omitempty"`
}

// ConferenceConfig is an ad-hoc conference (Kazoo's conferences schema,
// the fields kazoo-dev reads).
type ConferenceConfig struct {
	// Name identifies the room: calls with the same name meet.
	Name string `json:"name,omitempty"`
	// MaxParticipants caps the room (0: no cap).
	MaxParticipants Int `json:"max_participants,omitempty"`
	// PlayEntryTone / PlayExitTone: true, false, or a media to play.
	PlayEntryTone Media `json:"play_entry_tone,omitempty"`
	PlayExitTone  Media `json:"play_exit_tone,omitempty"`
}

// Conference puts the caller in a conference room (Kazoo's conference):
// the room is ID, else Config.Name.
type Conference struct {
	Common
	// ID of the conference (kazoo-dev: any room name).
	ID string `json:"id,omitempty"`
	// Config builds an ad-hoc conference; its name is the room.
	Config *ConferenceConfig `json:"config,omitempty"`
	// Moderator enters the caller as a moderator.
	Moderator bool `json:"moderator,omitempty"`
	// PlayEntryTone / PlayExitTone: true, false, or a media to play.
	PlayEntryTone Media `json:"play_entry_tone,omitempty"`
	PlayExitTone  Media `json:"play_exit_tone,omitempty"`
	// WelcomePrompt played on entry.
	WelcomePrompt *WelcomePrompt `json:"welcome_prompt,omitempty"`
}

// Room is the conference's identity: ID, else Config.Name.
func (c Conference) Room() string {
	if c.ID != "" {
		return c.ID
	}
	if c.Config != nil {
		return c.Config.Name
	}
	return ""
}

func (c *Conference) check(path string) error {
	if c.Room() == "" {
		return errAt(path, `needs "id" or "config": {"name": ...} naming the room`)
	}
	if len(c.Room()) > 128 {
		return errAt(path, "room name longer than 128 characters")
	}
	if c.Config != nil && c.Config.MaxParticipants < 0 {
		return errAt(join(path, "config.max_participants"), "must not be negative")
	}
	return nil
}

// Voicemail leaves (compose) or checks (check) a voicemail message
// (Kazoo's voicemail). In kazoo-dev a box id is the owner's SIP user name.
type Voicemail struct {
	Common
	// Action: compose (default) or check.
	Action string `json:"action,omitempty"`
	// ID of the box (required for compose).
	ID string `json:"id,omitempty"`
	// MaxMessageLengthS bounds a message, in seconds (default 500).
	MaxMessageLengthS Int `json:"max_message_length,omitempty"`
	// InterdigitTimeoutMS between keys in the box's menus (default 2000).
	InterdigitTimeoutMS Int `json:"interdigit_timeout,omitempty"`
	// CallerIDMatchLogin and SingleMailboxLogin are accepted (check).
	CallerIDMatchLogin bool `json:"callerid_match_login,omitempty"`
	SingleMailboxLogin bool `json:"single_mailbox_login,omitempty"`
}

// MaxMessageLength is MaxMessageLengthS as a duration.
func (v Voicemail) MaxMessageLength() time.Duration {
	return time.Duration(v.MaxMessageLengthS) * time.Second
}

func (v *Voicemail) check(path string) error {
	if err := oneOf(&v.Action, join(path, "action"), "compose", "check"); err != nil {
		return err
	}
	if v.Action == "compose" && v.ID == "" {
		return errAt(join(path, "id"), "required (the voicemail box)")
	}
	if v.MaxMessageLengthS == 0 {
		v.MaxMessageLengthS = 500
	}
	if v.InterdigitTimeoutMS == 0 {
		v.InterdigitTimeoutMS = 2000
	}
	if v.MaxMessageLengthS < 0 || v.InterdigitTimeoutMS < 0 {
		return errAt(path, "max_message_length and interdigit_timeout must not be negative")
	}
	return nil
}

// RecordCall starts or stops recording the call (Kazoo's record_call).
type RecordCall struct {
	Common
	// Action: start (default) or stop.
	Action string `json:"action,omitempty"`
	// Format: wav or mp3 (the runtime says which it writes).
	Format string `json:"format,omitempty"`
	// TimeLimitS bounds the recording, in seconds (default 3600).
	TimeLimitS Int `json:"time_limit,omitempty"`
	// URL receives the recording by HTTP Method (put, default, or post).
	URL    string `json:"url,omitempty"`
	Method string `json:"method,omitempty"`
	// Label and MediaName name the recording.
	Label     string `json:"label,omitempty"`
	MediaName string `json:"media_name,omitempty"`
	// RecordOnAnswer, RecordOnBridge delay the start.
	RecordOnAnswer bool `json:"record_on_answer,omitempty"`
	RecordOnBridge bool `json:"record_on_bridge,omitempty"`
	// RecordMinSec drops shorter recordings.
	RecordMinSec Int `json:"record_min_sec,omitempty"`
	// RecordSampleRate in Hz.
	RecordSampleRate Int `json:"record_sample_rate,omitempty"`
}

// TimeLimit is TimeLimitS as a duration.
func (r RecordCall) TimeLimit() time.Duration { return time.Duration(r.TimeLimitS) * time.Second }

func (r *RecordCall) check(path string) error {
	if err := oneOf(&r.Action, join(path, "action"), "start", "stop"); err != nil {
		return err
	}
	if r.Format != "" && r.Format != "wav" && r.Format != "mp3" {
		return errAt(join(path, "format"), "must be wav or mp3, not %s", quote(r.Format))
	}
	switch strings.ToLower(r.Method) {
	case "":
		r.Method = "put"
	case "put", "post":
		r.Method = strings.ToLower(r.Method)
	default:
		return errAt(join(path, "method"), "must be put or post, not %s", quote(r.Method))
	}
	if r.TimeLimitS == 0 {
		r.TimeLimitS = 3600
	}
	if r.TimeLimitS < 0 || r.RecordMinSec < 0 || r.RecordSampleRate < 0 {
		return errAt(path, "time_limit, record_min_sec and record_sample_rate must not be negative")
	}
	if r.URL != "" {
		if u, err := url.Parse(r.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return errAt(join(path, "url"), "must be an http:// or https:// URL")
		}
	}
	return nil
}

// SetCID sets the caller ID shown to whoever is called next (Kazoo's
// set_cid).
type SetCID struct {
	Common
	CallerIDName   string `json:"caller_id_name,omitempty"`
	CallerIDNumber string `json:"caller_id_number,omitempty"`
}

func (s *SetCID) check(path string) error {
	if s.CallerIDName == "" && s.CallerIDNumber == "" {
		return errAt(path, "needs caller_id_name or caller_id_number")
	}
	return nil
}

// ManualPresence sends a presence update for PresenceID (Kazoo's
// manual_presence): a SIP NOTIFY to its subscribers.
type ManualPresence struct {
	Common
	// PresenceID is a name, or name@realm (required).
	PresenceID string `json:"presence_id"`
	// Status: idle (default), ringing or busy.
	Status string `json:"status,omitempty"`
}

func (m *ManualPresence) check(path string) error {
	if m.PresenceID == "" {
		return errAt(join(path, "presence_id"), "required")
	}
	return oneOf(&m.Status, join(path, "status"), "idle", "ringing", "busy")
}

// Response ends the call with a SIP code (Kazoo's response), after
// playing Media if set.
type Response struct {
	Common
	// Code is the SIP status (default 486), 400 to 699.
	Code Int `json:"code,omitempty"`
	// Message is the reason phrase (default: the code's usual one).
	Message string `json:"message,omitempty"`
	// Media to play first.
	Media string `json:"media,omitempty"`
}

func (r *Response) check(path string) error {
	if r.Code == 0 {
		r.Code = 486
	}
	if r.Code < 400 || r.Code > 699 {
		return errAt(join(path, "code"), "must be a SIP failure code between 400 and 699, not %d", r.Code)
	}
	if len(r.Media) > 2048 {
		return errAt(join(path, "media"), "longer than 2048 characters")
	}
	return nil
}

// Hangup ends the call (Kazoo's hangup).
type Hangup struct {
	Common
}

func (*Hangup) check(string) error { return nil }
