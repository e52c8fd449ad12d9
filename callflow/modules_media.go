package callflow

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Common holds the field every Kazoo callflow action accepts.
type Common struct {
	// SkipModule skips the action, continuing to "_".
	SkipModule bool `json:"skip_module,omitempty"`
}

func (c Common) skip() bool { return c.SkipModule }

// Pivot asks an HTTP application what to do next (Kazoo's cf_pivot).
// When the request fails the flow continues to the "_" child, if any.
type Pivot struct {
	Common
	// VoiceURL is the application's http or https URL (required).
	VoiceURL string `json:"voice_url"`
	// Method is GET (query string) or POST (form body); Kazoo accepts
	// get/post in either case. Default GET (filled in upper case).
	Method string `json:"method,omitempty"`
	// ReqFormat is what the application answers: only "kazoo" (callflow
	// JSON) is supported here, not "twiml".
	ReqFormat string `json:"req_format,omitempty"`
	// ReqBodyFormat for POST: only "form" (x-www-form-urlencoded).
	ReqBodyFormat string `json:"req_body_format,omitempty"`
	// ReqTimeoutMS is how long to wait for the reply, in milliseconds
	// (0: the client's default).
	ReqTimeoutMS Int `json:"req_timeout_ms,omitempty"`
	// Debug asks for the requests and replies to be logged.
	Debug bool `json:"debug,omitempty"`
	// CDRURL is accepted and ignored (Kazoo uses it for TwiML only).
	CDRURL string `json:"cdr_url,omitempty"`
}

// Timeout is ReqTimeoutMS as a duration (0 when not set).
func (p Pivot) Timeout() time.Duration { return time.Duration(p.ReqTimeoutMS) * time.Millisecond }

func (p *Pivot) check(path string) error {
	if p.VoiceURL == "" {
		return errAt(join(path, "voice_url"), "required")
	}
	u, err := url.Parse(p.VoiceURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errAt(join(path, "voice_url"), "must be an http:// or https:// URL")
	}
	switch strings.ToUpper(p.Method) {
	case "", "GET":
		p.Method = "GET"
	case "POST":
		p.Method = "POST"
	default:
		return errAt(join(path, "method"), "must be GET or POST, not %s", quote(p.Method))
	}
	switch p.ReqFormat {
	case "", "kazoo":
		p.ReqFormat = "kazoo"
	case "twiml":
		return errAt(join(path, "req_format"), `"twiml" is not supported, only "kazoo" (callflow JSON)`)
	default:
		return errAt(join(path, "req_format"), `must be "kazoo", not %s`, quote(p.ReqFormat))
	}
	switch p.ReqBodyFormat {
	case "", "form":
	default:
		return errAt(join(path, "req_body_format"), `only "form" (x-www-form-urlencoded) is supported, not %s`, quote(p.ReqBodyFormat))
	}
	if p.ReqTimeoutMS < 0 {
		return errAt(join(path, "req_timeout_ms"), "must not be negative")
	}
	return nil
}

// defaultTerminators is Kazoo's default for tts/play/say: any key stops
// the audio.
var defaultTerminators = []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"}

// terminators fills in defaultTerminators when *ts is unset and checks
// the keys (tts, play and say).
func terminators(ts *[]string, path string) error {
	if *ts == nil {
		*ts = slices.Clone(defaultTerminators)
	}
	return checkTerminators(*ts, path)
}

func checkTerminators(ts []string, path string) error {
	for i, t := range ts {
		if len(t) != 1 || !isDTMF(rune(t[0])) {
			return errAt(path+"["+strconv.Itoa(i)+"]", "must be one of 0-9 * #, not %s", quote(t))
		}
	}
	return nil
}

// TTS speaks text (Kazoo's tts).
type TTS struct {
	Common
	// Text to speak, 1 to 1000 characters (required).
	Text string `json:"text"`
	// Voice is "female" (default) or "male", or an engine voice name.
	Voice string `json:"voice,omitempty"`
	// Language such as "en-US".
	Language string `json:"language,omitempty"`
	// Engine is accepted; kazoo-dev has one engine.
	Engine string `json:"engine,omitempty"`
	// Terminators are the DTMF keys that stop the speech (default all).
	Terminators []string `json:"terminators,omitempty"`
	// EndlessPlayback loops the speech until the caller acts.
	EndlessPlayback bool `json:"endless_playback,omitempty"`
}

func (t *TTS) check(path string) error {
	if t.Text == "" {
		return errAt(join(path, "text"), "required")
	}
	if n := len([]rune(t.Text)); n > 1000 {
		return errAt(join(path, "text"), "is %d characters, over 1000", n)
	}
	if t.Voice == "" {
		t.Voice = "female"
	}
	return terminators(&t.Terminators, join(path, "terminators"))
}

// Play plays media (Kazoo's play).
type Play struct {
	Common
	// ID is the media to play: an http(s) URL or a media name/path, as
	// the runtime supports (required).
	ID string `json:"id"`
	// Terminators are the DTMF keys that stop playback (default all).
	Terminators []string `json:"terminators,omitempty"`
	// LoopCount plays the media this many times (0 or 1: once).
	LoopCount Int `json:"loop_count,omitempty"`
	// EndlessPlayback loops until the caller acts.
	EndlessPlayback bool `json:"endless_playback,omitempty"`
	// Answer answers an unanswered call first.
	Answer bool `json:"answer,omitempty"`
}

func (p *Play) check(path string) error {
	if p.ID == "" {
		return errAt(join(path, "id"), "required (a media URL or name)")
	}
	if p.LoopCount < 0 {
		return errAt(join(path, "loop_count"), "must not be negative")
	}
	return terminators(&p.Terminators, join(path, "terminators"))
}

// Say says a value in a given way (Kazoo's say schema: text, type,
// method, language, gender).
type Say struct {
	Common
	// Text to say (required).
	Text string `json:"text"`
	// Type of the text: number (default), telephone_number, name_spelled,
	// ... (Kazoo's list).
	Type string `json:"type,omitempty"`
	// Method: pronounced (default: "1234" as one number), iterated (digit
	// by digit), counted, none.
	Method string `json:"method,omitempty"`
	// Language such as "en-US".
	Language string `json:"language,omitempty"`
	// Gender: masculine, feminine, neuter.
	Gender string `json:"gender,omitempty"`
	// Terminators are the DTMF keys that stop the speech (default all).
	Terminators []string `json:"terminators,omitempty"`
}

var sayTypes = []string{"number", "items", "persons", "messages", "currency",
	"time_measurement", "current_date", "current_time", "current_date_time",
	"telephone_number", "telephone_extension", "url", "ip_address",
	"e-mail_address", "email_address", "postal_address", "account_number",
	"name_spelled", "name_phonetic", "short_date_time"}

// Digits reports whether the text is said digit by digit (method
// iterated, or a type spelled out character by character).
func (s Say) Digits() bool {
	return s.Method == "iterated" || s.Type == "name_spelled" || s.Type == "telephone_number" || s.Type == "telephone_extension"
}

func (s *Say) check(path string) error {
	if s.Text == "" {
		return errAt(join(path, "text"), "required")
	}
	if s.Type == "" {
		s.Type = "number"
	}
	if !slices.Contains(sayTypes, s.Type) {
		return errAt(join(path, "type"), "unknown say type %s (number, telephone_number, name_spelled, ...)", quote(s.Type))
	}
	if err := oneOf(&s.Method, join(path, "method"), "pronounced", "iterated", "counted", "none"); err != nil {
		return err
	}
	if s.Gender != "" && !slices.Contains([]string{"masculine", "feminine", "neuter"}, s.Gender) {
		return errAt(join(path, "gender"), "must be masculine, feminine or neuter, not %s", quote(s.Gender))
	}
	return terminators(&s.Terminators, join(path, "terminators"))
}

// CollectDTMF collects digits into a collection that the next Pivot
// request sends (Digits, or Digits[name] for a named collection).
type CollectDTMF struct {
	Common
	// MaxDigits to collect (default 1).
	MaxDigits Int `json:"max_digits,omitempty"`
	// Terminator ends the collection early and is not collected
	// (default "#"). Kazoo reads terminator, else terminators.
	Terminator string `json:"terminator,omitempty"`
	// Terminators: several terminator keys.
	Terminators []string `json:"terminators,omitempty"`
	// TimeoutMS waits this long for the first digit (default 5000).
	TimeoutMS Int `json:"timeout,omitempty"`
	// InterdigitTimeoutMS waits this long between digits (default 2000).
	InterdigitTimeoutMS Int `json:"interdigit_timeout,omitempty"`
	// CollectionName names the collection (default: unnamed, Kazoo's
	// "default").
	CollectionName string `json:"collection_name,omitempty"`
}

// Timeout is TimeoutMS as a duration.
func (c CollectDTMF) Timeout() time.Duration { return time.Duration(c.TimeoutMS) * time.Millisecond }

// InterdigitTimeout is InterdigitTimeoutMS as a duration.
func (c CollectDTMF) InterdigitTimeout() time.Duration {
	return time.Duration(c.InterdigitTimeoutMS) * time.Millisecond
}

// AllTerminators is Terminator plus Terminators (after defaults: "#").
func (c CollectDTMF) AllTerminators() []string {
	if c.Terminator != "" {
		return append([]string{c.Terminator}, c.Terminators...)
	}
	return c.Terminators
}

func (c *CollectDTMF) check(path string) error {
	if c.MaxDigits == 0 {
		c.MaxDigits = 1
	}
	if c.MaxDigits < 1 || c.MaxDigits > 128 {
		return errAt(join(path, "max_digits"), "must be between 1 and 128")
	}
	if t := c.Terminator; t != "" && (len(t) != 1 || !isDTMF(rune(t[0]))) {
		return errAt(join(path, "terminator"), "must be one of 0-9 * #, not %s", quote(t))
	}
	if err := checkTerminators(c.Terminators, join(path, "terminators")); err != nil {
		return err
	}
	if c.Terminator == "" && len(c.Terminators) == 0 {
		c.Terminator = "#"
	}
	if c.TimeoutMS == 0 {
		c.TimeoutMS = 5000
	}
	if c.TimeoutMS < 0 {
		return errAt(join(path, "timeout"), "must not be negative (milliseconds)")
	}
	if c.InterdigitTimeoutMS == 0 {
		c.InterdigitTimeoutMS = 2000
	}
	if c.InterdigitTimeoutMS < 0 {
		return errAt(join(path, "interdigit_timeout"), "must not be negative (milliseconds)")
	}
	if len(c.CollectionName) > 64 {
		return errAt(join(path, "collection_name"), "longer than 64 characters")
	}
	return nil
}
