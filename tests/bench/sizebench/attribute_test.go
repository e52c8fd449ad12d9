package main

import (
	"reflect"
	"testing"

	"github.com/kazoo-softphone/kazoo/internal/wasmbin"
)

// testModule has two function imports (and a memory and a global import
// between them), three bodies of 3, 5 and 2 bytes plus their size
// prefixes, and names for the imports and the bodies.
func testModule(t *testing.T, withNames bool) []byte {
	t.Helper()
	name := func(b []byte, s string) []byte { return append(wasmbin.AppendU32(b, uint32(len(s))), s...) }
	var imp []byte
	imp = wasmbin.AppendU32(imp, 4)
	imp = append(name(name(imp, "gojs"), "f0"), 0, 0)                 // function, type 0
	imp = append(name(name(imp, "env"), "mem"), 2, 1, 1, 2)           // memory, min 1, max 2
	imp = append(name(name(imp, "env"), "g"), 3, 0x7f, 0)             // global i32, immutable
	imp = append(name(name(imp, "gojs"), "f1"), 0, 0)                 // function, type 0
	code := []byte{3, 3, 0, 0, 0x0b, 5, 0, 1, 2, 3, 0x0b, 2, 0, 0x0b} // 3 bodies of 3, 5, 2 bytes
	mod := append([]byte(nil), wasmbin.Header...)
	mod = wasmbin.AppendSection(mod, wasmbin.Import, imp)
	mod = wasmbin.AppendSection(mod, wasmbin.Code, code)
	if withNames {
		var moduleName []byte
		moduleName = name(moduleName, "kazoo")
		var fn []byte
		fn = wasmbin.AppendU32(fn, 5)
		for i, n := range []string{"gojs.f0", "gojs.f1", "crypto_internal_fips140_nistec_fiat.p521Sub",
			"main.main", "github.com_x_y_z.__T_.M_go.shape.int_"} {
			fn = name(wasmbin.AppendU32(fn, uint32(i)), n)
		}
		sec := name(nil, "name")
		sec = append(sec, 0)
		sec = append(wasmbin.AppendU32(sec, uint32(len(moduleName))), moduleName...)
		sec = append(sec, 1)
		sec = append(wasmbin.AppendU32(sec, uint32(len(fn))), fn...)
		mod = wasmbin.AppendSection(mod, wasmbin.Custom, sec)
	}
	return mod
}

func TestFunctions(t *testing.T) {
	funcs, err := Functions(testModule(t, true))
	if err != nil {
		t.Fatal(err)
	}
	want := []Function{
		{Name: "crypto_internal_fips140_nistec_fiat.p521Sub", Size: 4},
		{Name: "main.main", Size: 6},
		{Name: "github.com_x_y_z.__T_.M_go.shape.int_", Size: 3},
	}
	if !reflect.DeepEqual(funcs, want) {
		t.Errorf("Functions = %+v, want %+v", funcs, want)
	}
	if _, err := Functions(testModule(t, false)); err == nil {
		t.Error("a module without names gave no error")
	}
}

func TestAttributor(t *testing.T) {
	a := NewAttributor([]string{"crypto/internal/fips140/nistec", "crypto/internal/fips140/nistec/fiat",
		"github.com/x/y-z", "github.com/kazoo-softphone/kazoo/cmd/kazoojs", "net", "net/http"},
		map[string]bool{"github.com/kazoo-softphone/kazoo/cmd/kazoojs": true})
	for name, want := range map[string]string{
		"crypto_internal_fips140_nistec_fiat.p521Sub":              "crypto/internal/fips140/nistec/fiat",
		"crypto_internal_fips140_nistec.__P521Point_.Double.func2": "crypto/internal/fips140/nistec",
		"github.com_x_y_z.__T_.M_go.shape.int_":                    "github.com/x/y-z",
		"main.main":                                                "github.com/kazoo-softphone/kazoo/cmd/kazoojs",
		"net_http.__Client_.Do":                                    "net/http",
		"net.IP.String":                                            "net",
		"type_.eq.struct_a_int_":                                   Generated,
		"go_buildid":                                               Generated,
		"wasm_export_run":                                          Unknown,
		"":                                                         Unknown,
	} {
		if got := a.Package(name); got != want {
			t.Errorf("Package(%q) = %q, want %q", name, got, want)
		}
	}
	got := a.BySize([]Function{{"net.a", 5}, {"net_http.b", 7}, {"net.c", 4}, {"x", 1}})
	want := []PackageSize{{"net", 9, 2}, {"net/http", 7, 1}, {Unknown, 1, 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("BySize = %+v, want %+v", got, want)
	}
}

func TestComma(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := comma(n); got != want {
			t.Errorf("comma(%d) = %q, want %q", n, got, want)
		}
	}
}
