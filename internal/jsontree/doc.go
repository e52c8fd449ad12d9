// Package jsontree reads the values of a parsed JSON document — the tree
// encoding/json makes of an any, and the browser's JSON.parse copied to
// Go (jsbridge.ParseJSON): map[string]any, []any, float64, string, bool
// and nil — without reflection. The wasm build reads its JSON messages
// with it instead of encoding/json's decoder, which would add about
// 190 KB (30 KB brotli) to kazoo.wasm.
//
// Every reader is lenient, as a decoder of messages from another tab or
// another version must be: a missing member or one of the wrong type
// reads as the zero value, never a panic. Callers that need a member
// check for it.
package jsontree
