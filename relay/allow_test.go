package relay

import "testing"

func TestGatewayAllowList(t *testing.T) {
	s := New(Config{Gateways: []string{"rtmp://127.0.0.1:1935/sip/", "rtmp://10.0.0.5/app", "rtmp://GW.example.net:1936"}})
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"rtmp://127.0.0.1:1935/sip/1001@lab.test", true},
		{"rtmp://10.0.0.5:1935/app/x", true}, // 1935 is the default port
		{"rtmp://10.0.0.5/app", true},
		{"rtmp://gw.example.net:1936/anything", true},
		// The port is compared as a port, not as a string prefix.
		{"rtmp://127.0.0.1:19351/sip/1001@lab.test", false},
		{"rtmp://gw.example.net:19360/x", false},
		{"rtmp://10.0.0.5:19350/app/x", false},
		// A path without a trailing "/" is a whole segment.
		{"rtmp://10.0.0.5/appx/y", false},
		{"rtmp://127.0.0.1:1935/sipx/1001@lab.test", false},
		{"rtmp://127.0.0.1:1935/other/1001@lab.test", false},
		// Tricks of the audit.
		{"rtmp://127.0.0.1:1935@evil.example/sip/x", false},
		{"rtmp://user@127.0.0.1:1935/sip/x", false},
		{"rtmp://127.0.0.1:1935/sip/../admin", false},
		{"rtmp://127.0.0.1:1935/sip/%2e%2e/admin", false},
		{"rtmp://127.1:1935/sip/x", false},
		{"rtmp://2130706433:1935/sip/x", false},
		{"rtmp://127.0.0.1.:1935/sip/x", false},
		{"rtmp://[::ffff:127.0.0.1]:1935/sip/x", false},
		{"rtmp://127.0.0.1:1935/sip/x?y=1", false},
		{"rtmp://127.0.0.1:1935/sip/x#f", false},
		{"rtmp://127.0.0.1:1935/sip/x\r\nInjected: 1", false},
		{"rtmp://127.0.0.1%2f:1935/sip/x", false},
		{"rtmps://127.0.0.1:1935/sip/x", false},
		{"http://127.0.0.1:1935/sip/x", false},
		{"rtmp:127.0.0.1:1935/sip/x", false},
		{"", false},
	} {
		if got := s.gatewayAllowed(tc.url); got != tc.want {
			t.Errorf("gatewayAllowed(%q) = %v, want %v", tc.url, got, tc.want)
		}
	}
}

func TestGatewayAllowListEntries(t *testing.T) {
	for _, bad := range []string{"rtmp://", "http://10.0.0.5/", "rtmp://u:p@10.0.0.5/", "rtmp://10.0.0.5/?x=1", "rtmp://10.0.0.5/a/../b", "::", "10.0.0.5:1935/sip/"} {
		if err := (Config{Gateways: []string{"rtmp://10.0.0.5/sip/", bad}}).Check(); err == nil {
			t.Errorf("Check accepted %q", bad)
		}
		// New leaves it out: it allows nothing.
		if New(Config{Gateways: []string{bad}}).gatewayAllowed("rtmp://10.0.0.5/sip/x") {
			t.Errorf("the bad entry %q allowed a URL", bad)
		}
	}
	if err := (Config{Gateways: []string{"rtmp://10.0.0.5:1935/sip/", "rtmp://gw.example.net"}}).Check(); err != nil {
		t.Error(err)
	}
}
