// Package atomicfile writes a file whole or not at all: the build tools
// (precompress, wasmmerge) write into a temporary file next to the target
// and rename it over the target, so that a build stopped half-way never
// leaves a truncated kazoo.wasm or .br behind for a server to send.
package atomicfile
