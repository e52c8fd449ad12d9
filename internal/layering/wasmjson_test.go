package layering

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// kazoo.wasm leaves out encoding/json's decoder (about 190 KB, 30 KB
// brotli, with what only it uses): the module's code in the page's build parses JSON with the
// browser's JSON.parse (jsbridge.ParseJSON) and reads the tree it gives.
// The encoder stays. A call to json.Unmarshal or json.NewDecoder in a
// file of that build would bring the decoder back.
func TestWasmBuildHasNoJSONDecoder(t *testing.T) {
	const module = "github.com/kazoo-softphone/kazoo"
	out := goList(t, "js", "-deps", "-f", `{{.ImportPath}}|{{.Dir}}|{{join .GoFiles "|"}}`, "./cmd/kazoojs")
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(line, "|")
		if len(fields) < 3 || (fields[0] != module && !strings.HasPrefix(fields[0], module+"/")) {
			continue
		}
		for _, name := range fields[2:] {
			path := filepath.Join(fields[1], name)
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, call := range jsonDecoderCalls(f) {
				rel, _ := filepath.Rel(repoRoot(t), path)
				t.Errorf("%s calls json.%s, which puts encoding/json's decoder into kazoo.wasm; parse with jsbridge.ParseJSON and read the tree", rel, call)
			}
		}
	}
}

// jsonDecoderCalls lists the uses of encoding/json's decoding entry
// points in f.
func jsonDecoderCalls(f *ast.File) []string {
	name := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == "encoding/json" {
			name = "json"
			if imp.Name != nil {
				name = imp.Name.Name
			}
		}
	}
	if name == "" {
		return nil
	}
	var calls []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == name {
			switch sel.Sel.Name {
			case "Unmarshal", "NewDecoder", "Decoder", "Unmarshaler":
				calls = append(calls, sel.Sel.Name)
			}
		}
		return true
	})
	return calls
}
