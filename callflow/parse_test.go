package callflow

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, s string) *Node {
	t.Helper()
	n, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse(%s): %v", s, err)
	}
	return n
}

func walk(n *Node, f func(*Node)) {
	f(n)
	for _, c := range n.Children {
		walk(c, f)
	}
}

func TestKazooExamplesParseAndRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for name, src := range kazooExamples {
		t.Run(name, func(t *testing.T) {
			n := mustParse(t, src)
			walk(n, func(n *Node) {
				seen[n.Module] = true
				if n.Value() == nil {
					t.Errorf("%s: no typed value", n.Module)
				}
			})
			out, err := json.Marshal(n)
			if err != nil {
				t.Fatal(err)
			}
			again := mustParse(t, string(out))
			if !reflect.DeepEqual(stripRaw(n), stripRaw(again)) {
				t.Errorf("round trip changed the tree:\n%s", out)
			}
		})
	}
	for _, m := range Modules() {
		if !seen[m] {
			t.Errorf("module %s has no example", m)
		}
	}
}

// stripRaw keeps what a node means (module, typed value, children).
func stripRaw(n *Node) any {
	kids := map[string]any{}
	for k, c := range n.Children {
		kids[k] = stripRaw(c)
	}
	return []any{n.Module, n.Value(), kids}
}

func TestTypedDataAndDefaults(t *testing.T) {
	n := mustParse(t, kazooExamples["collect"])
	if tts, err := n.TTS(); err != nil || tts.Text != "Please enter up to four digits." || tts.Voice != "female" || len(tts.Terminators) != 12 {
		t.Errorf("TTS() = %+v, %v", tts, err)
	}
	c, err := n.Child("_").CollectDTMF()
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxDigits != 4 || c.CollectionName != "custom_name" || c.Timeout() != 5*time.Second ||
		c.InterdigitTimeout() != 2*time.Second || !reflect.DeepEqual(c.AllTerminators(), []string{"#"}) {
		t.Errorf("collect_dtmf = %+v", c)
	}
	p, err := n.Child("_").Child("_").Pivot()
	if err != nil || p.Method != "GET" || p.ReqFormat != "kazoo" || p.VoiceURL != "http://pivot.your.company.com/collected.php" {
		t.Errorf("pivot = %+v, %v", p, err)
	}
	if _, err := n.Pivot(); err == nil || !strings.Contains(err.Error(), `node is "tts", not "pivot"`) {
		t.Errorf("Pivot() on a tts node: %v", err)
	}

	full, _ := mustParse(t, kazooExamples["collect_full"]).CollectDTMF()
	if full.MaxDigits != 3 || full.Terminator != "" || !reflect.DeepEqual(full.AllTerminators(), []string{"#", "*"}) || full.TimeoutMS != 8000 {
		t.Errorf("collect_dtmf full = %+v", full)
	}
	if p, _ := mustParse(t, kazooExamples["pivot_post"]).Pivot(); p.Method != "POST" || p.Timeout() != 3*time.Second {
		t.Errorf("pivot post = %+v", p)
	}
	if r, _ := mustParse(t, kazooExamples["response"]).Response(); r.Code != 486 || r.Message != "User Busy" || r.Media != "id_or_url" {
		t.Errorf("response = %+v", r)
	}
	if r, _ := mustParse(t, kazooExamples["tts"]).Child("_").Response(); r.Code != 486 {
		t.Errorf("response default code = %d", r.Code)
	}
	if s, _ := mustParse(t, kazooExamples["say"]).Say(); !s.Digits() || s.Text != "1234" {
		t.Errorf("say = %+v", s)
	}
	if s, _ := mustParse(t, kazooExamples["say2"]).Say(); s.Digits() || s.Type != "number" || s.Method != "pronounced" {
		t.Errorf("say defaults = %+v", s)
	}
	u, _ := mustParse(t, kazooExamples["user_full"]).User()
	if u.ID != "1002" || u.Timeout() != 30*time.Second || u.CanCallSelf == nil || *u.CanCallSelf || u.CustomSIPHeaders["X-App"] != "ivr" {
		t.Errorf("user = %+v", u)
	}
	if u, _ := mustParse(t, kazooExamples["user"]).User(); u.TimeoutS != 20 || u.Strategy != "simultaneous" {
		t.Errorf("user defaults = %+v", u)
	}
	b, _ := mustParse(t, kazooExamples["bridge"]).Bridge()
	if len(b.Endpoints) != 2 || b.Endpoints[0].TimeoutS != 25 || b.Endpoints[1].DelayS != 2 || b.Timeout() != 25*time.Second {
		t.Errorf("bridge = %+v", b)
	}
	if r, _ := mustParse(t, kazooExamples["resources_uri"]).Resources(); !r.SIPURI() || r.TimeoutS != 15 {
		t.Errorf("resources = %+v", r)
	}
	if c, _ := mustParse(t, kazooExamples["conference_ad_hoc"]).Conference(); c.Room() != "My Ad-hoc Conference" {
		t.Errorf("conference room = %q", c.Room())
	}
	cf, _ := mustParse(t, kazooExamples["conference_full"]).Conference()
	if !cf.PlayEntryTone.Set || cf.PlayEntryTone.Off || cf.PlayExitTone.ID == "" || cf.WelcomePrompt == nil || *cf.WelcomePrompt.Play {
		t.Errorf("conference = %+v", cf)
	}
	if v, _ := mustParse(t, kazooExamples["voicemail"]).Voicemail(); v.Action != "compose" || v.MaxMessageLength() != 2*time.Minute {
		t.Errorf("voicemail = %+v", v)
	}
	if r, _ := mustParse(t, kazooExamples["record_start"]).RecordCall(); r.TimeLimit() != 20*time.Minute || r.Format != "mp3" || r.Method != "put" {
		t.Errorf("record_call = %+v", r)
	}
	if m, _ := mustParse(t, kazooExamples["manual_presence"]).ManualPresence(); m.Status != "ringing" || m.PresenceID != "username" {
		t.Errorf("manual_presence = %+v", m)
	}
	if s, _ := mustParse(t, kazooExamples["set_cid"]).SetCID(); s.CallerIDNumber != "+14155550100" {
		t.Errorf("set_cid = %+v", s)
	}
	menu := mustParse(t, kazooExamples["menu"])
	if m, _ := menu.Menu(); m.Retries != 2 || m.Media.InvalidMedia.Off != true || m.MaxExtensionLength != 1 {
		t.Errorf("menu = %+v", m)
	}
	if menu.Child("2").Module != "user" || menu.Child("timeout").Module != "hangup" || menu.Child("9").Module != "hangup" {
		t.Errorf("menu children wrong")
	}
	br := mustParse(t, kazooExamples["branch"]).Child("_")
	if b, _ := br.Branch(); b.CollectionName != "pin" || br.Child("1234").Module != "conference" || br.Child("0000").Module != "response" {
		t.Errorf("branch = %+v", b)
	}
	if !mustParse(t, kazooExamples["skip"]).Skip() || mustParse(t, kazooExamples["hangup2"]).Skip() {
		t.Error("Skip() wrong")
	}
	if (*Node)(nil).Child("_") != nil || mustParse(t, kazooExamples["hangup"]).Child("_") != nil {
		t.Error("Child of a leaf is not nil")
	}
}

func TestDecodeHandBuiltNode(t *testing.T) {
	n := &Node{Module: "tts", Data: json.RawMessage(`{"text":"hi"}`)}
	if tts, err := n.TTS(); err != nil || tts.Text != "hi" {
		t.Errorf("TTS() = %+v, %v", tts, err)
	}
	out, _ := json.Marshal(&Node{Module: "hangup"})
	if string(out) != `{"module":"hangup","data":{}}` {
		t.Errorf("marshal = %s", out)
	}
	if _, err := (&Node{Module: "nope"}).Decode(); err == nil {
		t.Error("unknown module decoded")
	}
}

func TestUnmarshalJSONValidates(t *testing.T) {
	var v struct{ Flow *Node }
	err := json.Unmarshal([]byte(`{"Flow":{"module":"tts","data":{"text":5}}}`), &v)
	if err == nil || !strings.Contains(err.Error(), "data.text: must be a string") {
		t.Errorf("err = %v", err)
	}
	if err := json.Unmarshal([]byte(`{"Flow":`+kazooExamples["menu"]+`}`), &v); err != nil || v.Flow.Child("1").Module != "user" {
		t.Errorf("err = %v", err)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"module":"tts","data":{"text":"x"},"children":{"_":{"module":"collect_dtmf","data":{"max_digits":"four"}}}}`,
			"children._.data.max_digits: must be an integer"},
		{`{"module":"collect_dtmf","data":{"max_digits":true}}`, "data.max_digits: must be an integer"},
		{`{"module":"collect_dtmf","data":{"max_digits":1.5}}`, "data.max_digits: must be an integer"},
		{`{"module":"collect_dtmf","data":{"max_digits":0.0}}`, "data.max_digits: must be an integer"},
		{`{"module":"collect_dtmf","data":{"max_digits":-1}}`, "data.max_digits: must be between 1 and 128"},
		{`{"module":"collect_dtmf","data":{"terminator":"A"}}`, `data.terminator: must be one of 0-9 * #, not "A"`},
		{`{"module":"collect_dtmf","data":{"terminators":"#"}}`, "data.terminators: must be an array of strings"},
		{`{"module":"collect_dtmf","data":{"terminators":["#","x"]}}`, `data.terminators[1]: must be one of 0-9 * #, not "x"`},
		{`{"module":"fax_detect","data":{}}`, `module: unknown callflow module "fax_detect"`},
		{`{"module":"tts","data":{"text":"x"},"children":{"_":{"module":"bogus"}}}`, `children._.module: unknown callflow module "bogus"`},
		{`{"data":{}}`, "module: required"},
		{`{"module":7}`, "module: must be a string"},
		{`{"module":"tts","data":[]}`, "data: must be an object"},
		{`{"module":"tts","data":"hello"}`, "data: must be an object"},
		{`{"module":"tts","data":{}}`, "data.text: required"},
		{`{"module":"tts","data":{"text":"` + strings.Repeat("a", 1001) + `"}}`, "data.text: is 1001 characters, over 1000"},
		{`{"module":"tts","data":{"text":"x","voice":false}}`, "data.voice: must be a string"},
		{`{"module":"play","data":{}}`, "data.id: required (a media URL or name)"},
		{`{"module":"pivot","data":{}}`, "data.voice_url: required"},
		{`{"module":"pivot","data":{"voice_url":"ftp://x/y"}}`, "data.voice_url: must be an http:// or https:// URL"},
		{`{"module":"pivot","data":{"voice_url":"http://x/","method":"PUT"}}`, `data.method: must be GET or POST, not "PUT"`},
		{`{"module":"pivot","data":{"voice_url":"http://x/","req_format":"twiml"}}`, `data.req_format: "twiml" is not supported, only "kazoo" (callflow JSON)`},
		{`{"module":"pivot","data":{"voice_url":"http://x/","debug":"yes"}}`, "data.debug: must be a boolean (true or false)"},
		{`{"module":"say","data":{"text":"1","type":"digits"}}`, `data.type: unknown say type "digits" (number, telephone_number, name_spelled, ...)`},
		{`{"module":"say","data":{"text":"1","method":"spelled"}}`, `data.method: must be pronounced, iterated, counted or none, not "spelled"`},
		{`{"module":"tts","data":{"text":"hi","terminators":["A"]}}`, `data.terminators[0]: must be one of 0-9 * #, not "A"`},
		{`{"module":"user","data":{}}`, "data.id: required"},
		{`{"module":"user","data":{"id":"1","strategy":"random"}}`, `data.strategy: must be simultaneous or single, not "random"`},
		{`{"module":"user","data":{"id":"1","custom_sip_headers":{"X":1}}}`, "data.custom_sip_headers: must be an object of strings"},
		{`{"module":"bridge","data":{}}`, `data.endpoints: required: at least one {"endpoint_type": "user", "id": ...}`},
		{`{"module":"bridge","data":{"endpoints":[{"endpoint_type":"group","id":"g"}]}}`, `data.endpoints[0].endpoint_type: must be user or device, not "group"`},
		{`{"module":"bridge","data":{"endpoints":[{"endpoint_type":"user","id":"1","timeout":"x"}]}}`, "data.endpoints[0].timeout: must be an integer"},
		{`{"module":"bridge","data":{"endpoints":{"id":"1"}}}`, "data.endpoints: must be an array of objects"},
		{`{"module":"resources","data":{"to_did":"sip:nohost"}}`, `data.to_did: must be a SIP URI like sip:user@host, not "sip:nohost"`},
		{`{"module":"conference","data":{}}`, `data: needs "id" or "config": {"name": ...} naming the room`},
		{`{"module":"conference","data":{"config":{"name":5}}}`, "data.config.name: must be a string"},
		{`{"module":"conference","data":{"id":"r","play_entry_tone":3}}`, "data.play_entry_tone: must be a boolean or a string"},
		{`{"module":"voicemail","data":{}}`, "data.id: required (the voicemail box)"},
		{`{"module":"voicemail","data":{"id":"1","action":"delete"}}`, `data.action: must be compose or check, not "delete"`},
		{`{"module":"record_call","data":{"action":"pause"}}`, `data.action: must be start or stop, not "pause"`},
		{`{"module":"record_call","data":{"format":"ogg"}}`, `data.format: must be wav or mp3, not "ogg"`},
		{`{"module":"set_cid","data":{}}`, "data: needs caller_id_name or caller_id_number"},
		{`{"module":"menu","data":{}}`, "data.media.greeting: required (kazoo-dev reads the menu inline)"},
		{`{"module":"menu","data":{"media":{"greeting":"g"}},"children":{"x":{"module":"hangup"}}}`,
			`children.x: child key must be "_", "timeout", "max_retries" or up to 32 digits (0-9 * #)`},
		{`{"module":"branch","data":{},"children":{"timeout":{"module":"hangup"}}}`,
			`children.timeout: child key must be "_" or up to 32 digits (0-9 * #)`},
		{`{"module":"collect_dtmf","data":{},"children":{"1":{"module":"hangup"}}}`,
			`children.1: child key must be "_" (this module does not branch; use menu or branch to branch on digits)`},
		{`{"module":"manual_presence","data":{"presence_id":"a","status":"away"}}`, `data.status: must be idle, ringing or busy, not "away"`},
		{`{"module":"manual_presence","data":{}}`, "data.presence_id: required"},
		{`{"module":"response","data":{"code":200}}`, "data.code: must be a SIP failure code between 400 and 699, not 200"},
		{`{"module":"response","data":{"code":"busy"}}`, "data.code: must be an integer"},
		// Kazoo's recording documentation has this mistake: a node where
		// the children object should be.
		{`{"module":"record_call","data":{"action":"stop"},"children":{"module":"voicemail","data":{"id":"x"},"children":{}}}`,
			`children.module: child key must be "_" (this module does not branch; use menu or branch to branch on digits)`},
		{`{"module":"hangup","children":{"_":"hangup"}}`, "children._: must be an object (a callflow node with module, data, children)"},
		{`{"module":"hangup","children":[]}`, "children: must be an object of callflow nodes"},
		{`[]`, "must be an object (a callflow node with module, data, children)"},
		{`"tts"`, "must be an object (a callflow node with module, data, children)"},
		{``, "invalid JSON at byte 0: unexpected end of JSON input"},
		{`{"module":"hangup"`, "invalid JSON at byte 18: unexpected end of JSON input"},
		{`{"module":"hangup"} x`, "invalid JSON at byte 21: invalid character 'x' after top-level value"},
	}
	for _, c := range cases {
		n, err := Parse([]byte(c.in))
		if err == nil {
			t.Errorf("Parse(%.80s) = %v, want error %q", c.in, n, c.want)
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%.80s): error %T is not *Error", c.in, err)
		}
		if err.Error() != c.want {
			t.Errorf("Parse(%.80s):\n got %q\nwant %q", c.in, err.Error(), c.want)
		}
	}
}

func nested(depth int) string {
	var b strings.Builder
	for range depth - 1 {
		b.WriteString(`{"module":"hangup","children":{"_":`)
	}
	b.WriteString(`{"module":"hangup"}`)
	for range depth - 1 {
		b.WriteString(`}}`)
	}
	return b.String()
}

func TestLimits(t *testing.T) {
	if _, err := Parse([]byte(nested(MaxDepth))); err != nil {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
	_, err := Parse([]byte(nested(MaxDepth + 1)))
	if err == nil || !strings.HasSuffix(err.Error(), "callflow nested deeper than 64 nodes") ||
		!strings.HasPrefix(err.Error(), strings.Repeat("children._.", MaxDepth-1)+"children._:") {
		t.Errorf("depth %d: %v", MaxDepth+1, err)
	}
	// Very deep JSON is refused before any decoding.
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	if _, err := Parse([]byte(deep)); err == nil || err.Error() != "JSON nested deeper than 144 levels" {
		t.Errorf("deep arrays: %v", err)
	}
	deepData := `{"module":"hangup","data":{"x":` + strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200) + `}}`
	if _, err := Parse([]byte(deepData)); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("deep data: %v", err)
	}
	huge := `{"module":"tts","data":{"text":"` + strings.Repeat("a", MaxSize) + `"}}`
	if _, err := Parse([]byte(huge)); err == nil || !strings.Contains(err.Error(), "over the 1048576-byte limit") {
		t.Errorf("huge: %v", err)
	}
	// A wide menu: more nodes than MaxNodes.
	var b strings.Builder
	b.WriteString(`{"module":"branch","children":{`)
	for i := range MaxNodes + 1 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + strconv.Itoa(i) + `":{"module":"hangup"}`)
	}
	b.WriteString(`}}`)
	if _, err := Parse([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "more than 10000 nodes") {
		t.Errorf("wide: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range kazooExamples {
		f.Add([]byte(s))
	}
	f.Add([]byte(nested(70)))
	f.Add([]byte(`{"module":"branch","children":{"1":{"module":"hangup"},"_":null}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := Parse(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			return
		}
		out, err := json.Marshal(n)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		if !reflect.DeepEqual(stripRaw(n), stripRaw(again)) {
			t.Fatalf("round trip changed %s", out)
		}
	})
}
