//go:build !js

package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

// encodings are the content codings we serve, best first, with the
// suffix of their precompressed copies (build.sh writes them).
var encodings = []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// static serves the files of a directory:
//   - a precompressed name.br or name.gz when the browser accepts it and
//     the copy is at least as new as the file; else the file compressed
//     here once (brotli or gzip, in Go) and kept in memory, so no brotli
//     command is needed anywhere;
//   - Content-Type from the name, kazoo.wasm as application/wasm (which
//     WebAssembly.instantiateStreaming requires);
//   - Cache-Control: no-cache with a strong ETag per content and coding:
//     the browser revalidates each load and gets 304 for an unchanged
//     file, so it reuses the cached kazoo.wasm and the code it compiled
//     from it, yet never runs a stale build.
type static struct {
	root http.FileSystem

	mu    sync.Mutex
	cache map[string]*variant // path and coding → its latest bytes
}

type variant struct {
	stamp string // modification time and size of what it was made from
	body  []byte
	etag  string
}

func newStatic(root http.FileSystem) *static {
	return &static{root: root, cache: map[string]*variant{}}
}

// onTheFlyLimit: bigger files are compressed on the fly only with the
// fast levels (brotli 5: 8 MB of wasm in about half a second).
const onTheFlyLimit = 1 << 20

func (s *static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := path.Clean("/" + r.URL.Path)
	if strings.HasSuffix(r.URL.Path, "/") {
		name = path.Join(name, "index.html")
	}
	f, err := s.root.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", contentType(name))
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Add("Vary", "Accept-Encoding")
	accept := r.Header.Get("Accept-Encoding")
	var codings []string
	for _, enc := range encodings {
		if !acceptsEncoding(accept, enc.token) {
			continue
		}
		if v := s.precompressed(name, enc.ext, st); v != nil {
			f.Close()
			s.write(w, r, name, enc.token, st.ModTime(), v)
			return
		}
		codings = append(codings, enc.token)
	}
	// The file itself, read once per version, is served as it is or
	// compressed here.
	raw := s.plain(name, f, st)
	f.Close()
	if raw == nil {
		http.Error(w, "cannot read "+name, http.StatusInternalServerError)
		return
	}
	for _, coding := range codings {
		if v := s.compressed(name, coding, raw); v != nil {
			s.write(w, r, name, coding, st.ModTime(), v)
			return
		}
	}
	s.write(w, r, name, "", st.ModTime(), raw)
}

func (s *static) write(w http.ResponseWriter, r *http.Request, name, coding string, mod time.Time, v *variant) {
	if coding != "" {
		w.Header().Set("Content-Encoding", coding)
	}
	w.Header().Set("ETag", v.etag)
	http.ServeContent(w, r, name, mod, bytes.NewReader(v.body))
}

// precompressed returns name+ext when it exists and is not older than name.
func (s *static) precompressed(name, ext string, src fs.FileInfo) *variant {
	f, err := s.root.Open(name + ext)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() || st.ModTime().Before(src.ModTime()) {
		return nil
	}
	return s.remember(name+ext, stamp(st), func() ([]byte, error) { return io.ReadAll(f) }, ext)
}

// compressed returns name compressed in Go with coding, made once per
// file version.
func (s *static) compressed(name, coding string, plain *variant) *variant {
	return s.remember(name+"|"+coding, plain.stamp, func() ([]byte, error) {
		raw := plain.body
		var b bytes.Buffer
		var err error
		switch coding {
		case "br":
			level := brotli.BestCompression
			if len(raw) > onTheFlyLimit {
				level = 5
			}
			zw := brotli.NewWriterLevel(&b, level)
			_, _ = zw.Write(raw)
			err = zw.Close()
		default:
			zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			_, _ = zw.Write(raw)
			err = zw.Close()
		}
		return b.Bytes(), err
	}, "-"+coding)
}

func (s *static) plain(name string, f http.File, st fs.FileInfo) *variant {
	return s.remember(name, stamp(st), func() ([]byte, error) { return io.ReadAll(f) }, "")
}

// remember returns the variant cached under key when it was made from
// the same version of its file (stamp), else makes it.
func (s *static) remember(key, stamp string, make func() ([]byte, error), etagSuffix string) *variant {
	s.mu.Lock()
	v := s.cache[key]
	s.mu.Unlock()
	if v != nil && v.stamp == stamp {
		return v
	}
	body, err := make()
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(body)
	v = &variant{stamp: stamp, body: body, etag: `"` + hex.EncodeToString(sum[:12]) + etagSuffix + `"`}
	s.mu.Lock()
	s.cache[key] = v
	s.mu.Unlock()
	return v
}

func stamp(st fs.FileInfo) string {
	return st.ModTime().UTC().Format(time.RFC3339Nano) + " " + strconv.FormatInt(st.Size(), 10)
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".wasm":
		return "application/wasm"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".ts":
		return "text/plain; charset=utf-8" // .d.ts, for reading
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// acceptsEncoding reports whether an Accept-Encoding value allows token
// (a q=0 entry refuses it).
func acceptsEncoding(header, token string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), token) {
			continue
		}
		params = strings.ReplaceAll(params, " ", "")
		return params != "q=0" && params != "q=0.0" && params != "q=0.00" && params != "q=0.000"
	}
	return false
}
