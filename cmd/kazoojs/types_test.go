package main

// These tests read sources only (no js/wasm needed): the keys a page can
// switch on must be the same in Go and in the TypeScript declarations
// wasm/kazoo.d.ts, so a key added in Go without its type fails here.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// stringConsts returns the string constants of the package in dir whose
// names start with prefix followed by an upper-case letter.
func stringConsts(t *testing.T, dir, prefix string) []string {
	t.Helper()
	var out []string
	for _, f := range parseDir(t, dir) {
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range spec.Names {
				rest, ok := strings.CutPrefix(name.Name, prefix)
				if !ok || rest == "" || !unicode.IsUpper(rune(rest[0])) || i >= len(spec.Values) {
					continue
				}
				if s, ok := stringLit(spec.Values[i]); ok {
					out = append(out, s)
				}
			}
			return true
		})
	}
	return out
}

// keyLiterals returns the values of `"key": "…"` entries in the map
// literals of the package in dir: the objects it hands the page directly.
func keyLiterals(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, f := range parseDir(t, dir) {
		ast.Inspect(f, func(n ast.Node) bool {
			kv, ok := n.(*ast.KeyValueExpr)
			if !ok {
				return true
			}
			if k, ok := stringLit(kv.Key); ok && k == "key" {
				if v, ok := stringLit(kv.Value); ok {
					out = append(out, v)
				}
			}
			return true
		})
	}
	return out
}

// parseDir parses the non-test Go files of dir, whatever their build tags.
func parseDir(t *testing.T, dir string) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	var files []*ast.File
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// matches returns the first submatch of every match of re in s.
func matches(re, s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// block returns the text of s from the line starting with start to the
// first blank line after it.
func block(t *testing.T, s, start string) string {
	t.Helper()
	i := strings.Index(s, "\n"+start)
	if i < 0 {
		t.Fatalf("kazoo.d.ts has no %q", start)
	}
	s = s[i+1:]
	if j := strings.Index(s, "\n\n"); j >= 0 {
		s = s[:j]
	}
	return s
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sameKeys fails unless the declared keys are exactly the sent ones.
func sameKeys(t *testing.T, what string, sent, declared []string) {
	t.Helper()
	set := func(keys []string) []string {
		keys = slices.Clone(keys)
		sort.Strings(keys)
		return slices.Compact(keys)
	}
	sent, declared = set(sent), set(declared)
	for _, k := range sent {
		if !slices.Contains(declared, k) {
			t.Errorf("%s key %q is sent to the page but missing from wasm/kazoo.d.ts", what, k)
		}
	}
	for _, k := range declared {
		if !slices.Contains(sent, k) {
			t.Errorf("%s key %q is in wasm/kazoo.d.ts but nothing sends it", what, k)
		}
	}
}

// TestTypesDeclareEveryErrorKey: KazooErrorKey is the phone.Key* constants
// (every error reaches the page as a *phone.Error, see errorObject) and the
// keys the loader fails with itself (load_failed, runtime_stopped).
func TestTypesDeclareEveryErrorKey(t *testing.T) {
	dts := readFile(t, "../../wasm/kazoo.d.ts")
	declared := matches(`'([a-z_]+)'`, block(t, dts, "export type KazooErrorKey ="))
	sent := stringConsts(t, "../../phone", "Key")
	loader := matches(`\bfail\('([a-z_]+)'`, readFile(t, "../../wasm/kazoo-core.js"))
	for _, k := range []string{"load_failed", "runtime_stopped"} {
		if !slices.Contains(loader, k) {
			t.Errorf("the loader no longer fails with %q", k)
		}
	}
	if len(sent) < 10 {
		t.Fatalf("found only %d phone.Key* constants: %v", len(sent), sent)
	}
	sameKeys(t, "error", append(sent, loader...), declared)
}

// TestTypesDeclareEveryNotificationKey: KazooNotification's keys are the
// phone.Notify* constants and the notification objects cmd/kazoojs and
// jsbridge build themselves ({"key": "…"} map literals).
func TestTypesDeclareEveryNotificationKey(t *testing.T) {
	dts := readFile(t, "../../wasm/kazoo.d.ts")
	declared := matches(`\bkey: '([a-z_]+)'`, block(t, dts, "export type KazooNotification ="))
	sent := stringConsts(t, "../../phone", "Notify")
	sent = append(sent, keyLiterals(t, ".")...)
	sent = append(sent, keyLiterals(t, "../../jsbridge")...)
	if len(sent) < 5 {
		t.Fatalf("found only %d notification keys in Go: %v", len(sent), sent)
	}
	sameKeys(t, "notification", sent, declared)
}
