// Command precompress writes name.br (brotli, quality 11) and name.gz
// (gzip -9) next to each file it is given, in Go, so that building kazoo
// needs no brotli command. A copy at least as new as its file is kept:
// build.sh replaces a file only when its content changed.
//
//	go run ./internal/precompress dist/kazoo.wasm dist/kazoo.js
package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/andybalholm/brotli"

	"github.com/kazoo-softphone/kazoo/internal/atomicfile"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress file…")
		os.Exit(2)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(os.Args))
	for _, name := range os.Args[1:] {
		for _, enc := range []string{".br", ".gz"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := compress(name, enc); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	failed := false
	for err := range errs {
		fmt.Fprintln(os.Stderr, "precompress:", err)
		failed = true
	}
	if failed {
		os.Exit(1)
	}
}

// compress writes name+ext unless it is already up to date.
func compress(name, ext string) error {
	src, err := os.Stat(name)
	if err != nil {
		return err
	}
	if dst, err := os.Stat(name + ext); err == nil && !dst.ModTime().Before(src.ModTime()) {
		return nil
	}
	in, err := os.Open(name)
	if err != nil {
		return err
	}
	defer in.Close()
	return atomicfile.Write(name+ext, func(tmp io.Writer) error {
		var w io.WriteCloser
		if ext == ".br" {
			w = brotli.NewWriterLevel(tmp, brotli.BestCompression)
		} else {
			w, _ = gzip.NewWriterLevel(tmp, gzip.BestCompression)
		}
		if _, err := io.Copy(w, in); err != nil {
			return err
		}
		return w.Close()
	})
}
