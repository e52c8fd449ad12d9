package relay

import (
	"fmt"
	"net/url"
	"strings"

	ksip "github.com/kazoo-softphone/kazoo/sip"
)

// gatewayPrefix is one allow-list entry, parsed: an RTMP URL's host and
// port and a path prefix. Matching compares these values, never the
// strings: with a string prefix, "rtmp://127.0.0.1:1935" also matched
// "rtmp://127.0.0.1:19351/…", another port.
type gatewayPrefix struct {
	host, port string // host lower-cased; port 1935 when the URL gives none
	path       string // "" (any path) or a prefix: "/sip/" or, as a whole segment, "/sip"
}

// defaultRTMPPort is RTMP's registered port.
const defaultRTMPPort = "1935"

// parseGateway parses an allow-list entry, or a URL a browser asks for:
// rtmp://host[:port][/path], with a plain host (sip.ValidHost), no user
// info, query or fragment, and no ".." in the path.
func parseGateway(entry string) (gatewayPrefix, error) {
	u, err := url.Parse(entry)
	switch {
	case err != nil:
		return gatewayPrefix{}, fmt.Errorf("gateway %q: %v", entry, err)
	case u.Scheme != "rtmp":
		return gatewayPrefix{}, fmt.Errorf("gateway %q: not an rtmp:// URL", entry)
	case !ksip.ValidHost(u.Hostname()) || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return gatewayPrefix{}, fmt.Errorf("gateway %q: give rtmp://host[:port][/path] and nothing else", entry)
	case strings.Contains(u.Path, ".."):
		return gatewayPrefix{}, fmt.Errorf("gateway %q: the path has a .. segment", entry)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = defaultRTMPPort
	}
	return gatewayPrefix{host: strings.ToLower(host), port: port, path: u.Path}, nil
}

// allows reports whether the URL u, parsed the same way, is under the
// prefix.
func (p gatewayPrefix) allows(u gatewayPrefix) bool {
	if u.host != p.host || u.port != p.port {
		return false
	}
	switch {
	case p.path == "" || p.path == "/":
		return true
	case strings.HasSuffix(p.path, "/"):
		return strings.HasPrefix(u.path, p.path)
	default: // a whole segment: "/sip" allows "/sip" and "/sip/…", not "/sipx"
		return u.path == p.path || strings.HasPrefix(u.path, p.path+"/")
	}
}

// Check reports the first Gateways entry that cannot be parsed as
// rtmp://host[:port][/path]; a relay should refuse to start with one (New
// leaves such an entry out, so it allows nothing).
func (c Config) Check() error {
	for _, e := range c.Gateways {
		if _, err := parseGateway(e); err != nil {
			return err
		}
	}
	return nil
}
