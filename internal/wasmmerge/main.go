// Command wasmmerge merges the data segments of a WebAssembly module in
// place (see package wasmdata): the last step of building kazoo.wasm.
//
//	go run ./internal/wasmmerge [-gap 4096] file.wasm
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

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
	tmp, err := os.CreateTemp(filepath.Dir(name), ".wasmmerge-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(out); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wasmmerge: %s: %d → %d data segments, %d → %d B\n",
		name, st.SegmentsBefore, st.SegmentsAfter, len(mod), len(out))
	return nil
}
