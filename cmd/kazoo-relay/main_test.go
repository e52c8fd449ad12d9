package main

import (
	"flag"
	"io"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func configOf(t *testing.T, args ...string) *options {
	t.Helper()
	fs := flag.NewFlagSet("kazoo-relay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o, err := parseFlags(fs, append([]string{"-gateway", "rtmp://127.0.0.1:1935/sip/", "-origin", "*"}, args...))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestLimitFlags(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	o := configOf(t)
	cfg, err := o.config(nil, log)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxSessions != 5000 || cfg.MaxPerAddr != 20 || cfg.MaxPerAOR != 4 || cfg.TokenMaxLifetime != time.Hour ||
		cfg.TokenSingleUse || cfg.TrustedProxies != nil {
		t.Fatalf("defaults: %+v", cfg)
	}
	o = configOf(t, "-max-sessions", "0", "-max-per-addr", "0", "-max-per-aor", "7",
		"-trusted-proxy", "127.0.0.1", "-trusted-proxy", "10.1.2.3/8", "-trusted-proxy", "::1",
		"-token-max-lifetime", "5m", "-token-single-use")
	if cfg, err = o.config(nil, log); err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	if cfg.MaxSessions != -1 || cfg.MaxPerAddr != -1 || cfg.MaxPerAOR != 7 || !reflect.DeepEqual(cfg.TrustedProxies, want) ||
		cfg.TokenMaxLifetime != 5*time.Minute || !cfg.TokenSingleUse {
		t.Fatalf("set: %+v", cfg)
	}
	for _, bad := range [][]string{{"-trusted-proxy", "proxy.example"}, {"-token-max-lifetime", "0s"}} {
		o = configOf(t, bad...)
		if _, err := o.config(nil, log); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestPprofLoopbackOnly(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, bad := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:0", "nonsense"} {
		if err := servePprof(bad, log); err == nil {
			t.Errorf("-pprof %s accepted", bad)
		}
	}
	if err := servePprof("127.0.0.1:0", log); err != nil {
		t.Fatal(err)
	}
	if o := configOf(t); o.pprofAddr != "" {
		t.Fatalf("pprof on by default: %q", o.pprofAddr)
	}
}
