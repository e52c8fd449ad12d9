//go:build js && wasm

package tabs

import "errors"

// defaultParseJSON fails in a browser: the page's build gives NewTab the
// browser's JSON.parse, and leaving encoding/json's decoder out keeps it
// out of kazoo.wasm.
func defaultParseJSON([]byte) (any, error) {
	return nil, errors.New("tabs: NewTab was given no JSON parser")
}
