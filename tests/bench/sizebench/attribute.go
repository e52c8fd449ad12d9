package main

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/kazoo-softphone/kazoo/internal/wasmbin"
)

// Function is one function body of the code section.
type Function struct {
	Name string // from the name section, "" when it has none
	Size int    // bytes of its body, including the size prefix
}

// Functions lists the code section's bodies with their names. The names
// come from the "name" custom section, which `-ldflags=-s` strips: use an
// unstripped build.
func Functions(mod []byte) ([]Function, error) {
	secs, err := wasmbin.Sections(mod)
	if err != nil {
		return nil, err
	}
	imported := 0
	var funcs []Function
	var names map[uint32]string
	for _, s := range secs {
		switch {
		case s.ID == wasmbin.Import:
			if imported, err = countFuncImports(s.Payload); err != nil {
				return nil, err
			}
		case s.ID == wasmbin.Code:
			r := wasmbin.NewReader(s.Payload)
			n := r.U32()
			for i := uint32(0); i < n && r.Err() == nil; i++ {
				start := r.Offset()
				r.Bytes(int(r.U32()))
				funcs = append(funcs, Function{Size: r.Offset() - start})
			}
			if r.Err() != nil {
				return nil, fmt.Errorf("code section: %w", r.Err())
			}
		case s.ID == wasmbin.Custom && s.Name == "name":
			if names, err = functionNames(s.Payload); err != nil {
				return nil, err
			}
		}
	}
	if names == nil {
		return nil, errors.New("no function names (the module was built with -ldflags=-s)")
	}
	for i := range funcs {
		funcs[i].Name = names[uint32(imported+i)]
	}
	return funcs, nil
}

// countFuncImports counts the function imports: they come first in the
// function index space, before the code section's bodies.
func countFuncImports(payload []byte) (int, error) {
	r := wasmbin.NewReader(payload)
	funcs := 0
	for n := r.U32(); n > 0 && r.Err() == nil; n-- {
		r.Name() // module
		r.Name() // field
		switch kind := r.Byte(); kind {
		case 0: // function: type index
			r.U32()
			funcs++
		case 1: // table: reference type, limits
			r.Byte()
			limits(r)
		case 2: // memory: limits
			limits(r)
		case 3: // global: value type, mutability
			r.Byte()
			r.Byte()
		case 4: // tag: attribute, type index
			r.Byte()
			r.U32()
		default:
			return 0, fmt.Errorf("import section: unknown import kind %d", kind)
		}
	}
	if r.Err() != nil {
		return 0, fmt.Errorf("import section: %w", r.Err())
	}
	return funcs, nil
}

// limits skips a table's or memory's limits: flags (bit 0: a maximum
// follows; bit 2: 64-bit), the minimum, maybe the maximum.
func limits(r *wasmbin.Reader) {
	flags := r.Byte()
	for range 1 + int(flags&1) {
		if flags&4 != 0 {
			r.U64()
		} else {
			r.U32()
		}
	}
}

// functionNames reads the function-names subsection (id 1) of a "name"
// custom section payload (which starts with the section's own name).
func functionNames(payload []byte) (map[uint32]string, error) {
	r := wasmbin.NewReader(payload)
	r.Name() // "name"
	names := map[uint32]string{}
	for r.Len() > 0 && r.Err() == nil {
		id := r.Byte()
		sub := wasmbin.NewReader(r.Bytes(int(r.U32())))
		if id != 1 {
			continue
		}
		for n := sub.U32(); n > 0 && sub.Err() == nil; n-- {
			idx := sub.U32()
			names[idx] = sub.Name()
		}
		if sub.Err() != nil {
			return nil, fmt.Errorf("name section: %w", sub.Err())
		}
	}
	if r.Err() != nil {
		return nil, fmt.Errorf("name section: %w", r.Err())
	}
	return names, nil
}

// notIdent matches what Go's wasm linker replaces with "_" in the name
// section: everything but letters, digits, "_" and ".".
var notIdent = regexp.MustCompile(`[^\w.]`)

// Mangle is a package path as it appears in the name section.
func Mangle(path string) string { return notIdent.ReplaceAllString(path, "_") }

// Attributor maps mangled function names to package import paths.
type Attributor struct {
	byPrefix map[string]string // mangled symbol prefix → import path
	maxLen   int
}

// NewAttributor knows the packages of a build; mains are the import paths
// of main packages (their symbols start with "main.").
func NewAttributor(pkgs []string, mains map[string]bool) *Attributor {
	a := &Attributor{byPrefix: map[string]string{}}
	for _, p := range pkgs {
		m := Mangle(p)
		if mains[p] {
			m = "main"
		}
		a.byPrefix[m] = p
		a.maxLen = max(a.maxLen, len(m))
	}
	return a
}

// Groups of functions that belong to no package.
const (
	Generated = "(compiler-generated: type equality, wrappers)"
	Unknown   = "(no package)"
)

// Package is the import path of the package that defines a function: the
// longest known package whose mangled path, followed by ".", starts the
// name (so "crypto_internal_fips140_nistec_fiat.p521Sub" is
// crypto/internal/fips140/nistec/fiat, not crypto/internal/fips140/nistec).
func (a *Attributor) Package(name string) string {
	for i := min(len(name)-1, a.maxLen); i > 0; i-- {
		if name[i] == '.' {
			if p, ok := a.byPrefix[name[:i]]; ok {
				return p
			}
		}
	}
	if strings.HasPrefix(name, "type_") || strings.HasPrefix(name, "go_") {
		return Generated
	}
	return Unknown
}

// PackageSize is the code of one package (or group).
type PackageSize struct {
	Path      string
	Bytes     int
	Functions int
}

// BySize sums function sizes per package, biggest first.
func (a *Attributor) BySize(funcs []Function) []PackageSize {
	sums := map[string]*PackageSize{}
	for _, f := range funcs {
		p := a.Package(f.Name)
		s := sums[p]
		if s == nil {
			s = &PackageSize{Path: p}
			sums[p] = s
		}
		s.Bytes += f.Size
		s.Functions++
	}
	out := make([]PackageSize, 0, len(sums))
	for _, s := range sums {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bytes != out[j].Bytes {
			return out[i].Bytes > out[j].Bytes
		}
		return out[i].Path < out[j].Path
	})
	return out
}
