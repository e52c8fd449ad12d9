// Command wasmmerge merges the data segments of a WebAssembly module in
// place (see package wasmdata): the last step of building kazoo.wasm.
//
//	go run ./internal/wasmmerge [-gap 4096] file.wasm
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kazoo-softphone/kazoo/internal/atomicfile"
	"github.com/kazoo-softphone/kazoo/internal/wasmdata"
)

func main() {
	gap := flag.Int("gap", wasmdata.DefaultGap, "longest zero gap filled in between two segments")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: wasmmerge [-gap n] file.wasm")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *gap); err != nil {
		fmt.Fprintln(os.Stderr, "wasmmerge:", err)
		os.Exit(1)
	}
}

func run(name string, gap int) error {
	mod, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	out, st, err := wasmdata.Merge(mod, gap)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(name, func(w io.Writer) error { _, err := w.Write(out); return err }); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wasmmerge: %s: %d → %d data segments, %d → %d B\n",
		name, st.SegmentsBefore, st.SegmentsAfter, len(mod), len(out))
	return nil
}
