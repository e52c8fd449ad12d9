package sip

import (
	"strconv"
	"strings"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"
)

// The benchmarks time the CPU work of signalling as kazoo does it in a
// page. They are for comparing builds of the wasm, e.g. compiler flags,
// under Node (Go's wasm runtime is the same one the browser runs):
//
//	GOOS=js GOARCH=wasm go test -run '^$' -bench . \
//	  -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./sip

// crlf turns a readable message into wire format.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

var benchUnauthorized = crlf(`SIP/2.0 401 Unauthorized
Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK.c1a2b3;rport=51234;received=192.0.2.10
From: <sip:1001@lab.test>;tag=b4k2l9p1
To: <sip:1001@lab.test>;tag=3b1c2ab95bd83bd4cf1b6ea1b1a2e5ee.8d6a
Call-ID: 5t3kq0mca8dlq2n1v0pl
CSeq: 1 REGISTER
WWW-Authenticate: Digest realm="lab.test", nonce="Z8sR1mXLEOU0Uq2hP8xRz1rbA5X8V3vU", qop="auth", algorithm=MD5
Server: kamailio (5.6.3 (x86_64/linux))
Content-Length: 0

`)

var benchOK = crlf(`SIP/2.0 200 OK
Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK.d4e5f6;rport=51234;received=192.0.2.10
From: <sip:1001@lab.test>;tag=b4k2l9p1
To: <sip:1001@lab.test>;tag=3b1c2ab95bd83bd4cf1b6ea1b1a2e5ee.8d6a
Call-ID: 5t3kq0mca8dlq2n1v0pl
CSeq: 2 REGISTER
Contact: <sip:k3v9x2@df7jal23ls0d.invalid;transport=ws>;expires=600;+sip.ice;reg-id=1;+sip.instance="<urn:uuid:8a3e6d4c-2b1f-4e7a-9c5d-0f1e2d3c4b5a>"
Server: kamailio (5.6.3 (x86_64/linux))
Content-Length: 0

`)

var benchInvite = crlf(`INVITE sip:k3v9x2@df7jal23ls0d.invalid;transport=ws SIP/2.0
Record-Route: <sip:127.0.0.1:5066;transport=ws;r2=on;lr>
Record-Route: <sip:127.0.0.1;r2=on;lr>
Via: SIP/2.0/WSS 127.0.0.1:5066;branch=z9hG4bKf1e2.9a8b7c6d5e4f3a2b1c0d.0
Via: SIP/2.0/WSS h82k1l0q.invalid;rport=40312;received=127.0.0.1;branch=z9hG4bK.2j4k6l8m
Max-Forwards: 69
To: <sip:1001@lab.test>
From: "Bob" <sip:1002@lab.test>;tag=q8w7e6r5
Call-ID: 9z8y7x6w5v4u3t2s1r0q
CSeq: 1 INVITE
Contact: <sip:p0o9i8u7@h82k1l0q.invalid;transport=ws;ob>
Allow: INVITE,ACK,CANCEL,BYE,INFO,NOTIFY,OPTIONS,REFER,UPDATE
Supported: outbound,replaces
Content-Type: application/sdp
Content-Length: ` + "%d" + `

`)

const benchSDP = `v=0
o=- 4611731400430051336 2 IN IP4 127.0.0.1
s=-
t=0 0
a=group:BUNDLE 0
a=extmap-allow-mixed
a=msid-semantic: WMS 5b1d1a4e-7c1f-4e0d-9a2b-3c4d5e6f7a8b
m=audio 40000 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
c=IN IP4 127.0.0.1
a=rtcp:9 IN IP4 0.0.0.0
a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host generation 0
a=ice-ufrag:Yq3B
a=ice-pwd:c8n2m4l6k8j0h2g4f6d8s0a2
a=ice-options:trickle
a=fingerprint:sha-256 3A:96:6D:57:B2:C2:C7:61:A0:46:3E:1C:97:39:D3:F7:0A:88:A0:B1:EC:03:FB:10:A5:5D:3A:37:AB:DD:02:AA
a=setup:actpass
a=mid:0
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
a=sendrecv
a=msid:5b1d1a4e-7c1f-4e0d-9a2b-3c4d5e6f7a8b 0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5
a=rtcp-mux
a=rtpmap:111 opus/48000/2
a=rtcp-fb:111 transport-cc
a=fmtp:111 minptime=10;useinbandfec=1
a=rtpmap:63 red/48000/2
a=fmtp:63 111/111
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:13 CN/8000
a=rtpmap:110 telephone-event/48000
a=rtpmap:126 telephone-event/8000
a=ssrc:3735928559 cname:8PzQ1rL5sT9vW3xY
`

// BenchmarkRegisterExchange: parse the 401, answer its digest challenge
// on a REGISTER, write the REGISTER, parse the 200 OK.
func BenchmarkRegisterExchange(b *testing.B) {
	var recipient sipgo.Uri
	if err := sipgo.ParseUri("sip:lab.test", &recipient); err != nil {
		b.Fatal(err)
	}
	cred := Credentials{Username: "1001", Password: "pw-1001"}
	parser := sipgo.NewParser()
	b.ReportAllocs()
	for b.Loop() {
		msg, err := parser.ParseSIP(benchUnauthorized)
		if err != nil {
			b.Fatal(err)
		}
		chal, err := ParseChallenge(msg.(*sipgo.Response), "lab.test")
		if err != nil {
			b.Fatal(err)
		}
		req := sipgo.NewRequest(sipgo.REGISTER, recipient)
		req.AppendHeader(sipgo.NewHeader("Via", "SIP/2.0/WSS df7jal23ls0d.invalid;branch="+sipgo.GenerateBranch()))
		req.AppendHeader(sipgo.NewHeader("From", "<sip:1001@lab.test>;tag=b4k2l9p1"))
		req.AppendHeader(sipgo.NewHeader("To", "<sip:1001@lab.test>"))
		req.AppendHeader(sipgo.NewHeader("Call-ID", "5t3kq0mca8dlq2n1v0pl"))
		req.AppendHeader(sipgo.NewHeader("CSeq", "2 REGISTER"))
		req.AppendHeader(sipgo.NewHeader("Contact", `<sip:k3v9x2@df7jal23ls0d.invalid;transport=ws>;+sip.ice;reg-id=1;+sip.instance="<urn:uuid:8a3e6d4c-2b1f-4e7a-9c5d-0f1e2d3c4b5a>"`))
		req.AppendHeader(sipgo.NewHeader("Expires", "600"))
		if err := chal.Authorize(req, cred); err != nil {
			b.Fatal(err)
		}
		if len(req.String()) == 0 {
			b.Fatal("empty REGISTER")
		}
		if _, err := parser.ParseSIP(benchOK); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInviteAnswer: parse an INVITE with a WebRTC offer, build the
// 200 OK with an answer and write it.
func BenchmarkInviteAnswer(b *testing.B) {
	invite := []byte(strings.Replace(string(benchInvite), "%d", strconv.Itoa(len(crlf(benchSDP))), 1))
	invite = append(invite, crlf(benchSDP)...)
	parser := sipgo.NewParser()
	b.ReportAllocs()
	for b.Loop() {
		msg, err := parser.ParseSIP(invite)
		if err != nil {
			b.Fatal(err)
		}
		req := msg.(*sipgo.Request)
		if !HasContentType(req, "application/sdp") {
			b.Fatal("no SDP")
		}
		res := sipgo.NewResponseFromRequest(req, 200, "OK", crlf(benchSDP))
		res.AppendHeader(sipgo.NewHeader("Contact", "<sip:k3v9x2@df7jal23ls0d.invalid;transport=ws>"))
		res.AppendHeader(sipgo.NewHeader("Content-Type", "application/sdp"))
		if len(res.String()) == 0 {
			b.Fatal("empty 200 OK")
		}
	}
}
