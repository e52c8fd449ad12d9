package main

import (
	"mime"
	"net/http"
	"path"
	"strings"
)

// encodings are the precompressed variants build.sh writes, best first.
var encodings = []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// precompressed serves files from root, choosing name.br or name.gz when
// it exists and the request accepts that encoding. Content-Type comes
// from the uncompressed name.
func precompressed(root http.FileSystem) http.Handler {
	plain := http.FileServer(root)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Clean("/" + r.URL.Path)
		if strings.HasSuffix(r.URL.Path, "/") {
			name = path.Join(name, "index.html")
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if path.Ext(name) == ".wasm" {
			ctype = "application/wasm"
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Add("Vary", "Accept-Encoding")
		accept := r.Header.Get("Accept-Encoding")
		for _, enc := range encodings {
			if !acceptsEncoding(accept, enc.token) {
				continue
			}
			f, err := root.Open(name + enc.ext)
			if err != nil {
				continue
			}
			st, err := f.Stat()
			if err != nil || st.IsDir() {
				f.Close()
				continue
			}
			if ctype != "" {
				w.Header().Set("Content-Type", ctype)
			}
			w.Header().Set("Content-Encoding", enc.token)
			http.ServeContent(w, r, name, st.ModTime(), f)
			f.Close()
			return
		}
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		plain.ServeHTTP(w, r)
	})
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
