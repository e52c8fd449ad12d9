package ua

import (
	"sort"
	"strings"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"
)

// rfc4475 is what a user agent may do with each RFC 4475 §3.1 message:
// the final status codes it may answer, 0 standing for no answer at
// all (a response matching no transaction, or a message that cannot be
// answered because it does not parse).
var rfc4475 = map[string][]int{
	// §3.1.1, valid: answered as any such request would be. The INVITEs
	// come to a page that refuses the call (486); ones carrying a To tag
	// match no dialog (481). Methods a user agent does not serve get 405;
	// mpart01, a MESSAGE, gets 480: these pages take no messages.
	// wsinv is refused (400): sipgo keeps the blanks in "tag = x", so
	// its From tag, needed with an RFC 2543 branch, is not found.
	"valid/wsinv":      {400},
	"valid/intmeth":    {405},
	"valid/esc01":      {486},
	"valid/escnull":    {405},
	"valid/esc02":      {405},
	"valid/lwsdisp":    {200},
	"valid/longreq":    {486},
	"valid/dblreq":     {405},
	"valid/semiuri":    {200},
	"valid/transports": {200},
	"valid/mpart01":    {480},
	"valid/unreason":   {0},
	"valid/noreason":   {0},
	// §3.1.2, invalid: 400 Bad Request, or dropped when it cannot be
	// answered. Where the RFC lets an element be liberal (escruri: the
	// escaped headers ignored; baddate: the Date ignored) the normal
	// answer is allowed too; an unknown SIP version may get 505.
	"invalid/badinv01": {400, 0},
	"invalid/clerr":    {400, 0},
	"invalid/ncl":      {400, 0},
	"invalid/scalar02": {400, 0},
	"invalid/scalarlg": {0},
	"invalid/quotbal":  {400, 0},
	"invalid/ltgtruri": {400, 0},
	"invalid/lwsruri":  {400, 0},
	"invalid/lwsstart": {400, 0},
	"invalid/trws":     {400, 0},
	"invalid/escruri":  {400, 0, 486},
	"invalid/baddate":  {400, 0, 486},
	// A user agent serves no REGISTER, whatever its Contact: 405.
	"invalid/regbadct":   {400, 0, 405},
	"invalid/badaspec":   {400, 0},
	"invalid/baddn":      {400, 0},
	"invalid/badvers":    {505, 400, 0},
	"invalid/mismatch01": {400, 0},
	"invalid/mismatch02": {400, 0},
	"invalid/bigcode":    {0},
}

// TestRFC4475TortureMessages writes each RFC 4475 §3.1 message to a
// registered user agent as its server would, and checks the answer: no
// panic, the final status allowed above, no transaction or call left
// running, and the user agent still answering afterwards.
func TestRFC4475TortureMessages(t *testing.T) {
	msgs := torture(t)
	if len(msgs) != len(rfc4475) {
		t.Fatalf("%d messages in testdata/rfc4475, %d expected", len(msgs), len(rfc4475))
	}
	names := make([]string, 0, len(msgs))
	for name := range msgs {
		names = append(names, name)
	}
	sort.Strings(names)
	w := newWire(t, "1001")
	for _, name := range names {
		key := strings.TrimSuffix(name, ".dat")
		allowed, ok := rfc4475[key]
		if !ok {
			t.Fatalf("no expectation for %s", name)
		}
		t.Run(key, func(t *testing.T) {
			var finals []int
			seen := func(res *sipgo.Response) {
				w.ack(res)
				if res.StatusCode >= 200 {
					finals = append(finals, res.StatusCode)
				}
			}
			w.reg.Send(string(msgs[name]))
			w.probe(t, seen)           // the message was read and dispatched
			w.settle(t, 0, true, seen) // its transactions and calls ended
			w.probe(t, seen)           // and every answer to it arrived
			if len(finals) > 1 {
				t.Fatalf("answered %v: more than one final response", finals)
			}
			got := 0
			if len(finals) == 1 {
				got = finals[0]
			}
			t.Logf("answered %d (0: nothing)", got)
			for _, a := range allowed {
				if got == a {
					return
				}
			}
			t.Errorf("answered %d (0: nothing), want one of %v", got, allowed)
		})
	}
}
