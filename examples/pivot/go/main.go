// Command pivot-ivr is an example Kazoo Pivot application: a small IVR.
//
// The first request for a call answers with callflow JSON that says
// "Press 1 for sales, 2 for support", collects one digit and then asks
// this application again (a pivot node pointing at the same URL). The
// second request carries the digit: 1 bridges the caller to the sales user,
// 2 to the support user, anything else says "Sorry" and hangs up. Users are
// kazoo-dev's accounts: a user id is its SIP user name ("1002").
//
//	go run ./examples/pivot/go -listen 127.0.0.1:8090
//
// The listen address also comes from $PIVOT_LISTEN.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"os"
	"strings"
)

// ivr answers Pivot requests.
type ivr struct {
	sales, support string
	// collection, when set, names the digit collection: the digit then
	// arrives as Digits[collection] instead of Digits.
	collection string
	logf       func(format string, args ...any)
}

type node = map[string]any

func tts(text string, next node) node {
	n := node{"module": "tts", "data": node{"text": text}}
	if next != nil {
		n["children"] = node{"_": next}
	}
	return n
}

func (a *ivr) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	// One log line per request, the fields sorted.
	a.logf("pivot %s %s %s", r.Method, r.URL.Path, r.Form.Encode())

	var reply node
	digits, collected := a.digits(r)
	switch {
	case !collected:
		reply = a.menu(r)
	case digits == "1":
		reply = a.bridge(a.sales)
	case digits == "2":
		reply = a.bridge(a.support)
	default:
		reply = tts("Sorry, that is not an option. Goodbye.", node{"module": "hangup", "data": node{}})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(reply)
}

// digits is the collected digit, and whether this request follows a
// collection at all.
func (a *ivr) digits(r *http.Request) (string, bool) {
	key := "Digits"
	if a.collection != "" {
		key = "Digits[" + a.collection + "]"
	}
	vs, ok := r.Form[key]
	if !ok {
		return "", false
	}
	return strings.TrimSpace(strings.Join(vs, "")), true
}

// menu: the prompt, one digit, then this URL again with the same method.
func (a *ivr) menu(r *http.Request) node {
	self := "http://" + r.Host + r.URL.Path
	collect := node{"max_digits": 1, "timeout": 5000}
	if a.collection != "" {
		collect["collection_name"] = a.collection
	}
	return tts("Press 1 for sales, 2 for support.", node{
		"module": "collect_dtmf",
		"data":   collect,
		"children": node{"_": node{
			"module": "pivot",
			"data":   node{"voice_url": self, "method": r.Method, "req_format": "kazoo"},
		}},
	})
}

// bridge rings a user; if nobody answers, say so and hang up.
func (a *ivr) bridge(user string) node {
	return node{
		"module":   "user",
		"data":     node{"id": user, "timeout": 20},
		"children": node{"_": tts("Nobody is available. Goodbye.", node{"module": "hangup", "data": node{}})},
	}
}

func main() {
	def := os.Getenv("PIVOT_LISTEN")
	if def == "" {
		def = "127.0.0.1:8090"
	}
	listen := flag.String("listen", def, "address to listen on (also $PIVOT_LISTEN)")
	sales := flag.String("sales", "1002", "user (SIP user name) for 1: sales")
	support := flag.String("support", "1003", "user (SIP user name) for 2: support")
	collection := flag.String("collection", "", "name the digit collection (Digits[name] instead of Digits)")
	flag.Parse()
	app := &ivr{sales: *sales, support: *support, collection: *collection, logf: log.Printf}
	log.Printf("pivot IVR on http://%s/ivr (sales %s, support %s)", *listen, *sales, *support)
	log.Fatal(http.ListenAndServe(*listen, app))
}
