package fakesiprtmp

// arity is the number of arguments each of siprtmp's RPC methods binds:
// at least min, at most max (-1: any number).
var arity = map[string]struct{ min, max int }{
	"invite":   {1, -1},
	"accept":   {0, -1},
	"reject":   {0, 1},
	"bye":      {0, 0},
	"sendDTMF": {1, 1},
	"hold":     {1, 1},
}

// Answer reports how siprtmp answers the RPC method called with nargs
// arguments (after the null command object): ok is true for _result
// (also for a method it does not have), false for _error. known is
// whether siprtmp has the method at all.
func Answer(method string, nargs int) (ok, known bool) {
	a, known := arity[method]
	if !known {
		return true, false // logged as "invalid command", answered _result
	}
	return nargs >= a.min && (a.max < 0 || nargs <= a.max), true
}
