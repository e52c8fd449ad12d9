package proxy

import (
	"net"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/registrar"
)

// Flow tokens name a client connection inside our own Record-Route
// URIs, as the user part: "ws-127.0.0.1-52344" or "udp-127.0.0.1-5070".
// A dialog's route set then says, for each side, which connection
// reaches it, the way Kamailio's ;alias parameter or RFC 5626 §5.3's flow
// tokens do: a browser's Contact (x.invalid;transport=ws) cannot be
// dialled, only written to over its WebSocket.

// flowToken encodes a flow as a URI user part.
func flowToken(f registrar.Flow) string {
	host, port, err := net.SplitHostPort(f.Addr)
	if err != nil {
		return ""
	}
	host = strings.ReplaceAll(host, ":", "_") // IPv6
	return strings.ToLower(f.Transport) + "-" + host + "-" + port
}

// parseFlowToken decodes flowToken's output.
func parseFlowToken(s string) (registrar.Flow, bool) {
	tr, rest, ok := strings.Cut(s, "-")
	if !ok {
		return registrar.Flow{}, false
	}
	i := strings.LastIndexByte(rest, '-')
	if i <= 0 {
		return registrar.Flow{}, false
	}
	host, port := strings.ReplaceAll(rest[:i], "_", ":"), rest[i+1:]
	if _, err := strconv.Atoi(port); err != nil || net.ParseIP(host) == nil {
		return registrar.Flow{}, false
	}
	switch tr = strings.ToUpper(tr); tr {
	case "WS", "WSS", "UDP", "TCP":
	default:
		return registrar.Flow{}, false
	}
	return registrar.Flow{Transport: tr, Addr: net.JoinHostPort(host, port)}, true
}

// flowOf is the flow a request or response arrived over.
func flowOf(m sip.Message) registrar.Flow {
	return registrar.Flow{Transport: strings.ToUpper(m.Transport()), Addr: m.Source()}
}

// recordRoute is our Record-Route entry facing the side reached over f:
// our address on f's transport, with f as the user part.
func (p *Proxy) recordRoute(f registrar.Flow) *sip.RecordRouteHeader {
	u := p.selfURI(f.Transport)
	u.User = flowToken(f)
	u.UriParams.Add("lr", "")
	return &sip.RecordRouteHeader{Address: u}
}

// selfURI is our address on a transport: sip:<ip>:<port>[;transport=ws].
func (p *Proxy) selfURI(transport string) sip.Uri {
	a := p.addrs()
	host, port := a.udpHost, a.udpPort
	params := sip.NewParams()
	if t := strings.ToUpper(transport); t == "WS" || t == "WSS" {
		host, port = a.wsHost, a.wsPort
		params.Add("transport", strings.ToLower(t))
	}
	return sip.Uri{Scheme: "sip", Host: host, Port: port, UriParams: params}
}

// isSelf reports whether a URI names this server: our domain, or one of
// our listening addresses (localhost as 127.0.0.1; no port is 5060).
func (p *Proxy) isSelf(u sip.Uri) bool {
	host := strings.ToLower(u.Host)
	if host == strings.ToLower(p.cfg.Domain) && u.Port == 0 {
		return true
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	port := u.Port
	if port == 0 {
		port = 5060
	}
	a := p.addrs()
	return host != "" && (host == a.wsHost && port == a.wsPort || host == a.udpHost && port == a.udpPort)
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// popSelfRoutes removes the Route entries at the top of req that name
// us (RFC 3261 §16.4) and returns the flow of the last one that carried a
// flow token: the side the request is going to.
func (p *Proxy) popSelfRoutes(req *sip.Request) (to registrar.Flow, popped bool) {
	for {
		r := req.Route()
		if r == nil || !p.isSelf(r.Address) {
			return to, popped
		}
		if f, ok := parseFlowToken(r.Address.User); ok {
			to = f
		}
		req.RemoveHeader("Route")
		popped = true
	}
}

// listenAddrs are where we listen; set once each transport starts.
type listenAddrs struct {
	wsHost, udpHost string
	wsPort, udpPort int
}

func (p *Proxy) addrs() listenAddrs {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.listen
}
