// Package wasmbin reads the outer layout of a WebAssembly binary module:
// LEB128 integers and the list of sections (id, custom name, payload),
// which is all the size tools need. It does not validate or decode code.
//
// A module is the magic "\0asm", version 1 (little-endian u32), then
// sections: an id byte, the payload size as an unsigned LEB128 and the
// payload. Custom sections (id 0) start their payload with a name.
package wasmbin
