//go:build !(js && wasm)

// Command kazoojs is the kazoo softphone library compiled to
// WebAssembly: the Go side of the global `kazoo` object that
// wasm/kazoo.js defines in the page. It is the composition root: it wires
// the user agent (package ua) to the browser through package jsbridge and
// exports the kazoo.js methods.
//
// Build it with GOOS=js GOARCH=wasm (./build.sh does); natively it only
// says so.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "kazoojs runs in a browser: build it with GOOS=js GOARCH=wasm (./build.sh)")
	os.Exit(2)
}
