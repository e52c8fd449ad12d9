//go:build !(js && wasm)

package tabs

import "encoding/json"

// defaultParseJSON is encoding/json outside a browser.
func defaultParseJSON(b []byte) (any, error) {
	var v any
	err := json.Unmarshal(b, &v)
	return v, err
}
