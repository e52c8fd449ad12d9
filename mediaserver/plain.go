//go:build !js

package mediaserver

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// rtpHandler receives the packets a leg reads, one at a time, on the
// leg's reading goroutine; it must not keep p after returning.
type rtpHandler func(p *rtp.Packet, now time.Time)

// plainLeg is one plain RTP/AVP stream: a UDP socket on one of the
// configured IPs. It sends to the address of the peer's SDP until a
// packet arrives, then to that packet's source (symmetric RTP, RFC
// 4961); once latched, packets from other sources are dropped. A new
// address in the peer's SDP unlatches. RTCP is neither sent nor relayed.
type plainLeg struct {
	log   *slog.Logger
	conn  *net.UDPConn
	local netip.AddrPort
	sdp   plainSDP // bodies sent to this leg

	mu      sync.Mutex
	sdpAddr netip.AddrPort // from the peer's SDP
	remote  netip.AddrPort // where packets go: sdpAddr or the latched source
	latched bool
	sendOK  bool
	rw      rewriter
	buf     [maxPacket]byte

	rx, tx atomic.Uint64 // packets handled and sent

	wg   sync.WaitGroup
	once sync.Once
}

// newPlainLeg binds a socket on the configured IP that suits a peer at
// remote (invalid when not known yet).
func (s *Server) newPlainLeg(remote netip.Addr, log *slog.Logger) (*plainLeg, error) {
	ip := s.localIP(remote)
	conn, err := s.ports.listen(ip)
	if err != nil {
		return nil, err
	}
	l := &plainLeg{
		log:   log,
		conn:  conn,
		local: netip.AddrPortFrom(ip, uint16(conn.LocalAddr().(*net.UDPAddr).Port)),
		sdp:   plainSDP{sessID: uint64(random32())},
		rw:    newRewriter(),
	}
	return l, nil
}

// start runs the reading goroutine; h gets every RTP packet accepted.
func (l *plainLeg) start(h rtpHandler) {
	l.wg.Add(1)
	go l.readLoop(h)
}

// setPeer applies the peer's SDP after an offer/answer exchange: its
// address and whether we may send to it.
func (l *plainLeg) setPeer(m *mediaInfo, sendOK bool) {
	addr := netip.AddrPortFrom(m.addr, m.port)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sendOK = sendOK && !m.addr.IsUnspecified()
	if m.addr.IsUnspecified() || addr == l.sdpAddr {
		return
	}
	l.sdpAddr, l.remote, l.latched = addr, addr, false
}

// send writes one packet, rewritten into this leg's stream; false when
// nothing may be sent (no address yet, or the peer does not receive).
func (l *plainLeg) send(h *rtp.Header, payload []byte, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.sendOK || !l.remote.IsValid() {
		return false
	}
	l.rw.rewrite(h, now)
	n, err := h.MarshalTo(l.buf[:])
	if err != nil || n+len(payload) > len(l.buf) {
		return false
	}
	n += copy(l.buf[n:], payload)
	if _, err := l.conn.WriteToUDPAddrPort(l.buf[:n], l.remote); err != nil {
		l.log.Debug("plain RTP send", "to", l.remote, "err", err)
		return false
	}
	l.tx.Add(1)
	return true
}

func (l *plainLeg) readLoop(h rtpHandler) {
	defer l.wg.Done()
	buf := make([]byte, maxPacket+1)
	for {
		n, src, err := l.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. ICMP port unreachable reported on Linux
		}
		l.handle(buf[:n], src.Addr().Unmap(), src.Port(), h)
	}
}

func (l *plainLeg) handle(b []byte, ip netip.Addr, port uint16, h rtpHandler) {
	defer func() {
		if r := recover(); r != nil {
			l.log.Warn("plain RTP: packet handler panicked", "panic", r)
		}
	}()
	if len(b) < 12 || len(b) > maxPacket || b[0]>>6 != 2 || isRTCP(b) {
		return
	}
	var p rtp.Packet
	if err := p.Unmarshal(b); err != nil {
		return
	}
	src := netip.AddrPortFrom(ip, port)
	l.mu.Lock()
	switch {
	case !l.latched:
		if src != l.remote {
			l.log.Debug("plain RTP: latched", "sdp", l.remote, "source", src)
		}
		l.remote, l.latched = src, true
	case src != l.remote:
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	h(&p, time.Now())
	l.rx.Add(1)
}

// close ends the reading goroutine and frees the socket.
func (l *plainLeg) close() {
	l.once.Do(func() {
		_ = l.conn.Close()
		l.wg.Wait()
		l.log.Debug("plain leg closed", "local", l.local, "rx", l.rx.Load(), "tx", l.tx.Load())
	})
}
