package fakesiprtmp

import "testing"

func TestAnswer(t *testing.T) {
	for _, tc := range []struct {
		method    string
		nargs     int
		ok, known bool
	}{
		{"transfer", 1, true, false},
		{"anything", 3, true, false},
		{"sendDTMF", 1, true, true},
		{"sendDTMF", 2, false, true},
		{"sendDTMF", 0, false, true},
		{"invite", 4, true, true},
		{"invite", 0, false, true},
		{"bye", 0, true, true},
		{"bye", 1, false, true},
		{"reject", 1, true, true},
		{"reject", 2, false, true},
		{"hold", 1, true, true},
		{"accept", 3, true, true},
	} {
		if ok, known := Answer(tc.method, tc.nargs); ok != tc.ok || known != tc.known {
			t.Errorf("%s with %d arguments: ok %v known %v, want %v %v", tc.method, tc.nargs, ok, known, tc.ok, tc.known)
		}
	}
}
