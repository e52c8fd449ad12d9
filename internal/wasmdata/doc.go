// Package wasmdata rewrites the data section of a WebAssembly module so
// that it holds a few large segments instead of many small ones, keeping
// the initial linear-memory image byte for byte.
//
// Go's wasm linker starts a new active data segment after every run of 8
// or more zero bytes (up to 100,000 segments), so kazoo.wasm carries
// 90,000 to 100,000 segments, most of them a few bytes long, each with its
// own header (flags, an i32.const offset, a length). Those headers
// compress poorly. Linear memory starts
// zeroed, so two segments separated by a short gap can become one segment
// whose gap bytes are zeros: the memory image after instantiation is the
// same. Long zero gaps stay gaps (separate segments), so the module does
// not grow by whole zero pages.
//
// Only active segments of memory 0 with an i32.const offset are handled,
// which is all Go emits; any other shape is an error and the module is
// left alone.
package wasmdata
