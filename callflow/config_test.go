package callflow

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

const pivotFlow = `{"module":"pivot","data":{"voice_url":"http://127.0.0.1:8090/ivr","method":"GET","req_format":"kazoo"},
	"children":{"_":{"module":"tts","data":{"text":"The app is not answering"},"children":{"_":{"module":"hangup","data":{}}}}}}`

func TestParseConfigShapes(t *testing.T) {
	for name, src := range map[string]string{
		"single":    `{"numbers":["7000","+15550007000"],"flow":` + pivotFlow + `}`,
		"array":     `[{"numbers":["7000","+15550007000"],"flow":` + pivotFlow + `},{"numbers":["7001"],"flow":{"module":"hangup"}}]`,
		"callflows": `{"callflows":[{"name":"ivr","numbers":["7000","+15550007000"],"flow":` + pivotFlow + `},{"numbers":["7001"],"flow":{"module":"hangup"}}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			for _, num := range []string{"7000", "+15550007000"} {
				n := cfg.Lookup(num)
				if p, err := n.Pivot(); err != nil || p.VoiceURL != "http://127.0.0.1:8090/ivr" {
					t.Errorf("Lookup(%s) = %v, %v", num, p, err)
				}
				if n.Child("_").Module != "tts" {
					t.Errorf("fallback child = %v", n.Child("_"))
				}
			}
			if cfg.Lookup("7002") != nil || cfg.Lookup("700") != nil {
				t.Error("Lookup of an unknown number found a flow")
			}
			if name != "single" && cfg.Lookup("7001").Module != "hangup" {
				t.Error("second callflow not found")
			}
			// A Config written back as {"callflows": [...]} reads the same.
			out, _ := json.Marshal(cfg)
			again, err := ParseConfig(out)
			if err != nil || again.Lookup("7000") == nil {
				t.Errorf("round trip: %v\n%s", err, out)
			}
			hand := &Config{Callflows: cfg.Callflows}
			if hand.Lookup("7000") != cfg.Lookup("7000") {
				t.Error("Lookup on a hand-built Config")
			}
		})
	}
}

func TestExampleConfigFile(t *testing.T) {
	b, err := os.ReadFile("../examples/pivot/callflows.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cfg.Lookup("7000").Pivot()
	if err != nil || p.VoiceURL != "http://127.0.0.1:8090/ivr" {
		t.Errorf("7000 = %+v, %v", p, err)
	}
	if cfg.Lookup("7000").Child("_").Module != "tts" {
		t.Error("7000 has no tts fallback")
	}
}

func TestParseConfigErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"callflows":[{"numbers":["1"],"flow":{"module":"hangup"}},{"numbers":["2","1"],"flow":{"module":"hangup"}}]}`,
			`callflows[1].numbers[1]: number "1" is already used by another callflow`},
		{`[{"numbers":["1","1"],"flow":{"module":"hangup"}}]`, `[0].numbers[1]: number "1" is already used by another callflow`},
		{`{"numbers":["1"],"flow":{"module":"pivot","data":{"voice_url":7}}}`, "flow.data.voice_url: must be a string"},
		{`{"callflows":[{"numbers":["1"],"flow":{"module":"tts","data":{"text":"x"},"children":{"_":{"module":"nope"}}}}]}`,
			`callflows[0].flow.children._.module: unknown callflow module "nope"`},
		{`{"numbers":[],"flow":{"module":"hangup"}}`, "numbers: must list at least one number"},
		{`{"numbers":"7000","flow":{"module":"hangup"}}`, "numbers: must be an array of strings"},
		{`{"numbers":[""],"flow":{"module":"hangup"}}`, "numbers[0]: must be 1 to 36 characters"},
		{`{"flow":{"module":"hangup"}}`, "numbers: required"},
		{`{"numbers":["1"]}`, "flow: required"},
		{`{"patterns":["^1$"],"flow":{"module":"hangup"}}`, "patterns: not supported: list the numbers"},
		{`{"callflows":{}}`, "callflows: must be an array of callflows"},
		{`[1]`, `[0]: must be an object {"numbers": [...], "flow": {...}}`},
		{`7`, `must be a callflow {"numbers": [...], "flow": {...}}, an array of them or {"callflows": [...]}`},
		{`{`, "invalid JSON: unexpected end of JSON input"},
		{`{"numbers":["1"],"flow":` + nested(MaxDepth+1) + `}`, "callflow nested deeper than 64 nodes"},
	}
	for _, c := range cases {
		_, err := ParseConfig([]byte(c.in))
		if err == nil || !strings.HasSuffix(err.Error(), c.want) {
			t.Errorf("ParseConfig(%.60s):\n got %v\nwant %q", c.in, err, c.want)
		}
	}
	if _, err := ParseConfig(make([]byte, MaxConfigSize+1)); err == nil || !strings.Contains(err.Error(), "over the") {
		t.Errorf("huge config: %v", err)
	}
}
