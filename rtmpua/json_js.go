//go:build js && wasm

package rtmpua

import "errors"

// defaultParseJSON fails in a browser: the page's build gives
// Config.ParseJSON (the browser's JSON.parse), and leaving encoding/json's
// decoder out keeps it out of kazoo.wasm.
func defaultParseJSON([]byte) (any, error) {
	return nil, errors.New("rtmpua: Config.ParseJSON is not set")
}
