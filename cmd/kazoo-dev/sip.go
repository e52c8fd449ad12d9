//go:build !js

package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kazoo-softphone/kazoo/proxy"
	"github.com/kazoo-softphone/kazoo/registrar"
	"github.com/kazoo-softphone/kazoo/relay"
	"github.com/kazoo-softphone/kazoo/rtmpgw"
)

// sipStack is the embedded SIP server and what hangs off it.
type sipStack struct {
	proxy          *proxy.Proxy
	websocket      http.Handler
	udpAddr        string
	extensions     map[string]string // number → description, for the banner and the page
	extensionOrder []string
	media          *devMedia
	voicemail      *voicemail
	callflows      *callflows  // the -callflows numbers (nil: none)
	recordings     *recordings // what flows recorded

	gateway *rtmpgw.Gateway
	relay   *relay.Server
	rtmpURL string
	rtmpL   net.Listener
	udp     net.PacketConn
}

func startSIP(o options, users []account, httpAddr net.Addr, log *slog.Logger) (*sipStack, error) {
	pw := map[string]string{}
	for _, a := range users {
		pw[a.User] = a.Password
	}
	s := &sipStack{extensions: map[string]string{}}
	media, err := newDevMedia(o, log.With("component", "media"))
	if err != nil {
		return nil, err
	}
	s.media = media
	s.voicemail = newVoicemail(o.domain, media, log.With("component", "voicemail"))
	exts, prefixes := map[string]proxy.Extension{}, map[string]proxy.Extension{}
	add := func(num, what string, e proxy.Extension) {
		exts[num] = e
		s.extensions[num] = what
		s.extensionOrder = append(s.extensionOrder, num)
	}
	add("*43", "echo test: hear yourself", media.echo())
	add("tone", "a 440 Hz tone", media.tone())
	add("*97", "your voicemail box (marks messages heard)", s.voicemail.box())
	prefixes["vm"] = s.voicemail.deposit()
	s.extensions["vm<user>"] = "leave <user> a voicemail (e.g. vm1002)"
	s.extensionOrder = append(s.extensionOrder, "vm<user>")
	if s.recordings, err = newRecordings(o.recordings); err != nil {
		media.close()
		return nil, fmt.Errorf("-recordings: %w", err)
	}
	s.callflows, err = loadCallflows(o.callflows, o.domain, media, s.voicemail, s.recordings, log.With("component", "callflow"))
	if err != nil {
		media.close()
		return nil, err
	}
	if s.callflows != nil {
		nums := s.callflows.numbers()
		for _, num := range slices.Sorted(maps.Keys(nums)) {
			if _, taken := exts[num]; taken {
				media.close()
				return nil, fmt.Errorf("-callflows: number %s is already kazoo-dev's %s", num, s.extensions[num])
			}
			add(num, nums[num], s.callflows.extension(num))
		}
	}
	p, err := proxy.New(proxy.Config{
		Domain:            o.domain,
		Accounts:          registrar.NewAccounts(o.domain, pw),
		Extensions:        exts,
		ExtensionPrefixes: prefixes,
		Media:             media.anchor(),
		OnRegister:        s.voicemail.registered,
		Logger:            log.With("component", "sip"),
	})
	if err != nil {
		media.close()
		return nil, err
	}
	s.proxy = p
	s.voicemail.proxy = p
	if s.callflows != nil {
		s.callflows.proxy = p
	}
	s.websocket = p.WebSocket(httpAddr)
	if o.sipUDP != "off" && o.sipUDP != "" {
		pc, err := net.ListenPacket("udp", o.sipUDP)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("cannot listen on UDP %s: %w (move it with -sip-udp, or -sip-udp off)", o.sipUDP, err)
		}
		s.udp = pc
		s.udpAddr = pc.LocalAddr().String()
		if err := p.AttachUDP(pc); err != nil {
			s.close()
			return nil, err
		}
		if o.rtmp == "" {
			if err := s.startRTMP(o, httpAddr, log); err != nil {
				s.close()
				return nil, err
			}
		}
	}
	return s, nil
}

// startRTMP runs kazoo-rtmpgw and kazoo-relay inside this process: the
// gateway registers its RTMP users here over UDP, the relay connects
// pages (same origin) to it.
func (s *sipStack) startRTMP(o options, httpAddr net.Addr, log *slog.Logger) error {
	lo, hi, err := portRange(o.rtpPorts)
	if err != nil {
		return err
	}
	gw, err := rtmpgw.New(rtmpgw.Config{
		Proxy:      s.udpAddr,
		SIPListen:  net.JoinHostPort(o.mediaIP, "0"),
		MediaIP:    o.mediaIP,
		RTPPortMin: lo, RTPPortMax: hi,
		Logger: log.With("component", "rtmpgw"),
	})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", o.rtmpListen)
	if err != nil {
		_ = gw.Shutdown(context.Background())
		return fmt.Errorf("cannot listen on %s for RTMP: %w (move it with -rtmp-listen)", o.rtmpListen, err)
	}
	go func() { _ = gw.Serve(l) }()
	s.gateway, s.rtmpL = gw, l
	s.rtmpURL = "rtmp://" + l.Addr().String() + "/sip"
	_, port, _ := net.SplitHostPort(httpAddr.String())
	origins := []string{"http://" + httpAddr.String(), "http://localhost:" + port, "http://127.0.0.1:" + port}
	s.relay = relay.New(relay.Config{
		Gateways: []string{s.rtmpURL + "/"},
		Origins:  origins,
		Logger:   log.With("component", "relay"),
		// Every page of a development machine comes from one address:
		// no per-address cap (the global and per-account ones stay).
		MaxPerAddr: -1,
	})
	return nil
}

// shutdown ends calls and registrations politely.
func (s *sipStack) shutdown(ctx context.Context) {
	if s.relay != nil {
		s.relay.Shutdown(ctx)
	}
	if s.gateway != nil {
		_ = s.gateway.Shutdown(ctx)
	}
}

func (s *sipStack) close() {
	if s.rtmpL != nil {
		s.rtmpL.Close()
	}
	if s.proxy != nil {
		_ = s.proxy.Close()
	}
	if s.udp != nil {
		s.udp.Close()
	}
	s.media.close()
}

// portRange parses "min-max" or "0".
func portRange(s string) (int, int, error) {
	if s == "0" || s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || lo <= 0 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("-rtp-ports: want min-max or 0, got %q", s)
	}
	return lo, hi, nil
}
