package rtmpgw

import "testing"

func TestParseAOR(t *testing.T) {
	for app, want := range map[string]string{
		"sip/1001@lab.test":         "sip:1001@lab.test",
		"sip/sip:1001@lab.test":     "sip:1001@lab.test",
		"sip/+15551234567@10.0.0.5": "sip:+15551234567@10.0.0.5",
	} {
		aor, err := parseAOR(app)
		if err != nil || aor.String() != want {
			t.Errorf("parseAOR(%q) = %v, %v; want %s", app, aor.String(), err, want)
		}
	}
	for _, app := range []string{
		"live/1001@lab.test", "sip/1001", "sip/@lab.test", "sip/1001@",
		"sip/%00a@lab.test", "sip/a%20b@lab.test", "sip/a%0d%0ab@lab.test", "sip/a\x00b@lab.test",
		"sip/1001@lab%00.test", "sip/1001@lab test",
	} {
		if aor, err := parseAOR(app); err == nil {
			t.Errorf("parseAOR(%q) accepted %q", app, aor.User)
		}
	}
}
