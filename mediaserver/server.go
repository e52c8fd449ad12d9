//go:build !js

package mediaserver

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// Config configures a Server.
type Config struct {
	// IPs are the local addresses ICE gathers host candidates on and
	// plain RTP binds to; default 127.0.0.1. Loopback addresses are
	// allowed. No hostnames, no unspecified address.
	IPs []string
	// PortMin and PortMax bound the UDP ports of ICE and plain RTP; both
	// 0 means ephemeral ports.
	PortMin, PortMax uint16
	// Logger receives debug and warning records; nil discards them.
	Logger *slog.Logger
}

// Server creates media sessions and bridges. It is safe for concurrent
// use.
type Server struct {
	ips   []netip.Addr
	ports portPool
	log   *slog.Logger

	mu     sync.Mutex
	closed bool
	items  map[io.Closer]struct{}
}

// New checks cfg and returns a Server; it opens nothing until a session
// or a bridge needs it.
func New(cfg Config) (*Server, error) {
	if len(cfg.IPs) == 0 {
		cfg.IPs = []string{"127.0.0.1"}
	}
	s := &Server{log: cfg.Logger, items: map[io.Closer]struct{}{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, v := range cfg.IPs {
		a, err := netip.ParseAddr(v)
		if err != nil || a.IsUnspecified() || a.IsMulticast() || a.Zone() != "" {
			return nil, fmt.Errorf("mediaserver: IP %q is not a unicast IP address", v)
		}
		s.ips = append(s.ips, a.Unmap())
	}
	if (cfg.PortMin == 0) != (cfg.PortMax == 0) || cfg.PortMax < cfg.PortMin {
		return nil, fmt.Errorf("mediaserver: bad port range %d-%d", cfg.PortMin, cfg.PortMax)
	}
	s.ports = portPool{min: int(cfg.PortMin), max: int(cfg.PortMax)}
	return s, nil
}

// Close ends every session and bridge of the server; later calls
// return ErrClosed.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	items := make([]io.Closer, 0, len(s.items))
	for c := range s.items {
		items = append(items, c)
	}
	s.mu.Unlock()
	var errs []error
	for _, c := range items {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// track registers c to be closed by Close.
func (s *Server) track(c io.Closer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.items[c] = struct{}{}
	return nil
}

func (s *Server) untrack(c io.Closer) {
	s.mu.Lock()
	delete(s.items, c)
	s.mu.Unlock()
}

// localIP picks the address a plain leg binds to for a peer at remote
// (invalid when unknown): one of the peer's family and, if the peer is
// on loopback, a loopback one; otherwise the first that is not
// loopback; otherwise the first of the list.
func (s *Server) localIP(remote netip.Addr) netip.Addr {
	if remote.IsValid() && !remote.IsUnspecified() {
		for _, a := range s.ips {
			if a.Is4() == remote.Is4() && a.IsLoopback() == remote.IsLoopback() {
				return a
			}
		}
		for _, a := range s.ips {
			if a.Is4() == remote.Is4() {
				return a
			}
		}
	}
	return s.ips[0]
}

// settingEngine is the pion configuration every peer connection shares:
// host candidates on the configured IPs only (loopback included), no
// mDNS, no TCP, the configured port range.
func (s *Server) settingEngine() webrtc.SettingEngine {
	var se webrtc.SettingEngine
	allowed := map[netip.Addr]bool{}
	v4, v6 := false, false
	for _, a := range s.ips {
		allowed[a] = true
		v4, v6 = v4 || a.Is4(), v6 || a.Is6()
	}
	se.SetIPFilter(func(ip net.IP) bool {
		a, ok := netip.AddrFromSlice(ip)
		return ok && allowed[a.Unmap()]
	})
	var nets []webrtc.NetworkType
	if v4 {
		nets = append(nets, webrtc.NetworkTypeUDP4)
	}
	if v6 {
		nets = append(nets, webrtc.NetworkTypeUDP6)
	}
	se.SetNetworkTypes(nets)
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if s.ports.min != 0 {
		_ = se.SetEphemeralUDPPortRange(uint16(s.ports.min), uint16(s.ports.max))
	}
	se.LoggerFactory = pionLogger{s.log}
	return se
}

// portPool hands out the UDP ports of plain legs from the configured
// range, round robin over even ports (RFC 3550 §11), skipping ports in
// use, e.g. by ICE. An empty range means ephemeral ports.
type portPool struct {
	min, max int

	mu   sync.Mutex
	next int
}

func (p *portPool) listen(ip netip.Addr) (*net.UDPConn, error) {
	if p.min == 0 {
		return net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	first := p.min + p.min%2
	if first > p.max {
		first = p.min // a range of one odd port
	}
	for range (p.max-first)/2 + 1 {
		if p.next < first || p.next > p.max {
			p.next = first
		}
		port := p.next
		p.next += 2
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
		if err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("mediaserver: no free UDP port in %d-%d on %s", p.min, p.max, ip)
}
