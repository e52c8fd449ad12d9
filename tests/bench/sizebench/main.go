// Command sizebench reports what kazoo's browser bundle weighs (not a
// test: numbers, no pass/fail), for ./build.sh bench:
//
//   - the shipped files in dist/ (raw, gzip, brotli) and the brotli total
//     of kazoo.wasm + kazoo.js against a budget, over or under;
//
//   - the code section split per Go package: it builds an unstripped copy
//     of kazoo.wasm (the shipped one has no name section) with the same
//     flags, sums function body sizes per package, prints the biggest
//     with the shortest import chain that brings each in from our own
//     code, and groups the rest; then the same per module;
//
//   - the module's sections, raw and brotli.
//
//     go run ./tests/bench/sizebench [-gcflags=all=-l] [-budget 1200000]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/kazoo-softphone/kazoo/internal/wasmbin"
)

const module = "github.com/kazoo-softphone/kazoo"

func main() {
	dist := flag.String("dist", "dist", "directory of the built bundle")
	pkg := flag.String("pkg", "./cmd/kazoojs", "the wasm main package")
	gcflags := flag.String("gcflags", "", "-gcflags of the shipped build (build.sh's)")
	budget := flag.Int("budget", 1_200_000, "budget in bytes for kazoo.wasm + kazoo.js, brotli")
	top := flag.Int("top", 25, "packages listed one by one")
	funcsOf := flag.String("funcs", "", "also list the biggest functions of this package (import path)")
	flag.Parse()
	if err := bundle(*dist, *budget); err != nil {
		fail(err)
	}
	if err := attribute(*dist, *pkg, *gcflags, *top, *funcsOf); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sizebench:", err)
	os.Exit(1)
}

// bundle prints the shipped files and the budget line.
func bundle(dist string, budget int) error {
	fmt.Println("bundle (dist/)                     raw       gzip     brotli")
	total := 0
	for _, f := range []string{"kazoo.wasm", "kazoo.js", "kazoo-audio-worklet.js"} {
		var n [3]int
		for i, ext := range []string{"", ".gz", ".br"} {
			st, err := os.Stat(filepath.Join(dist, f+ext))
			if err != nil {
				return fmt.Errorf("%w (run ./build.sh first)", err)
			}
			n[i] = int(st.Size())
		}
		note := ""
		if f == "kazoo-audio-worklet.js" {
			note = "  (RTMP path only, not in the total)"
		} else {
			total += n[2]
		}
		fmt.Printf("  %-26s %10s %10s %10s%s\n", f, comma(n[0]), comma(n[1]), comma(n[2]), note)
	}
	verdict := "under"
	diff := budget - total
	if diff < 0 {
		verdict, diff = "OVER", -diff
	}
	fmt.Printf("  kazoo.wasm + kazoo.js brotli: %s B, budget %s B: %s by %s B (%+.1f%%)\n\n",
		comma(total), comma(budget), verdict, comma(diff), 100*float64(total-budget)/float64(budget))
	return nil
}

// goPackage is what `go list -deps` says about one package.
type goPackage struct {
	path, module string
	main         bool
	imports      []string
}

func attribute(dist, pkg, gcflags string, top int, funcsOf string) error {
	tmp, err := os.MkdirTemp("", "sizebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	wasm := filepath.Join(tmp, "kazoo.wasm")
	args := []string{"build", "-trimpath", "-ldflags=-w", "-o", wasm}
	if gcflags != "" {
		args = append(args, "-gcflags="+gcflags)
	}
	if err := goCmd(io.Discard, append(args, pkg)...); err != nil {
		return err
	}
	var list bytes.Buffer
	if err := goCmd(&list, "list", "-deps", "-f",
		`{{.ImportPath}}	{{.Name}}	{{with .Module}}{{.Path}}{{end}}	{{join .Imports " "}}`, pkg); err != nil {
		return err
	}
	pkgs := map[string]*goPackage{}
	var paths []string
	mains := map[string]bool{}
	var root string
	for _, line := range strings.Split(strings.TrimSpace(list.String()), "\n") {
		f := strings.Split(line, "\t")
		p := &goPackage{path: f[0], module: f[2], main: f[1] == "main", imports: strings.Fields(f[3])}
		if p.module == "" {
			p.module = "std"
		}
		pkgs[p.path] = p
		paths = append(paths, p.path)
		if p.main {
			mains[p.path] = true
			root = p.path
		}
	}
	unstripped, err := os.ReadFile(wasm)
	if err != nil {
		return err
	}
	funcs, err := Functions(unstripped)
	if err != nil {
		return err
	}
	attr := NewAttributor(paths, mains)
	sizes := attr.BySize(funcs)
	code := 0
	for _, s := range sizes {
		code += s.Bytes
	}
	chains := importChains(pkgs, root)

	fmt.Printf("code per package (function bodies, %s B in %d functions, from an unstripped build)\n", comma(code), len(funcs))
	fmt.Println("       bytes     %  funcs  package   [shortest import chain from our code]")
	rest, restPkgs := 0, 0
	for i, s := range sizes {
		if i >= top {
			rest += s.Bytes
			restPkgs++
			continue
		}
		fmt.Printf("  %10s %5.1f %6d  %s%s\n", comma(s.Bytes), pct(s.Bytes, code), s.Functions, s.Path, chains[s.Path])
	}
	fmt.Printf("  %10s %5.1f         the other %d packages\n\n", comma(rest), pct(rest, code), restPkgs)

	perModule := map[string]int{}
	for _, s := range sizes {
		m := "(no module: compiler-generated)"
		if p := pkgs[s.Path]; p != nil {
			m = p.module
		}
		perModule[m] += s.Bytes
	}
	mods := make([]string, 0, len(perModule))
	for m := range perModule {
		mods = append(mods, m)
	}
	sort.Slice(mods, func(i, j int) bool { return perModule[mods[i]] > perModule[mods[j]] })
	fmt.Println("code per module")
	for _, m := range mods {
		fmt.Printf("  %10s %5.1f  %s\n", comma(perModule[m]), pct(perModule[m], code), m)
	}
	fmt.Println()
	if funcsOf != "" {
		listFunctions(attr, funcs, funcsOf, top)
	}
	return sections(filepath.Join(dist, "kazoo.wasm"), unstripped)
}

// listFunctions prints the biggest functions of one package.
func listFunctions(attr *Attributor, funcs []Function, pkg string, top int) {
	var own []Function
	total := 0
	for _, f := range funcs {
		if attr.Package(f.Name) == pkg {
			own = append(own, f)
			total += f.Size
		}
	}
	sort.Slice(own, func(i, j int) bool { return own[i].Size > own[j].Size })
	fmt.Printf("biggest functions of %s (%s B in %d functions; names as in the name section)\n", pkg, comma(total), len(own))
	for i, f := range own {
		if i >= top {
			break
		}
		fmt.Printf("  %10s  %s\n", comma(f.Size), f.Name)
	}
	fmt.Println()
}

// importChains gives, for each package, the shortest import chain from
// the main package, written from the last package of our module on
// (" [sip → github.com/coder/websocket → net/http]"), or "" for ours.
func importChains(pkgs map[string]*goPackage, root string) map[string]string {
	parent := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if pkgs[p] == nil {
			continue
		}
		imps := append([]string(nil), pkgs[p].imports...)
		sort.Strings(imps)
		for _, q := range imps {
			if _, seen := parent[q]; !seen {
				parent[q] = p
				queue = append(queue, q)
			}
		}
	}
	out := map[string]string{}
	for p := range parent {
		if strings.HasPrefix(p, module+"/") || p == module {
			continue
		}
		var chain []string
		for q := p; q != ""; q = parent[q] {
			chain = append(chain, q)
			if strings.HasPrefix(q, module+"/") {
				break
			}
		}
		for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
			chain[i], chain[j] = chain[j], chain[i]
		}
		chain[0] = strings.TrimPrefix(chain[0], module+"/")
		out[p] = "   [" + strings.Join(chain, " → ") + "]"
	}
	return out
}

// sections prints the shipped module's sections, raw and brotli (the
// code and data sections compressed alone: what each costs to download).
func sections(shipped string, unstripped []byte) error {
	mod, err := os.ReadFile(shipped)
	if err != nil {
		return err
	}
	secs, err := wasmbin.Sections(mod)
	if err != nil {
		return err
	}
	names := map[byte]string{wasmbin.Code: "code", wasmbin.Data: "data"}
	br := map[byte]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	other := 0
	for _, s := range secs {
		if names[s.ID] == "" {
			other += len(s.Raw)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := brotliSize(s.Payload)
			mu.Lock()
			br[s.ID] = n
			mu.Unlock()
		}()
	}
	wg.Wait()
	fmt.Println("sections of the shipped kazoo.wasm      raw     brotli (alone)")
	for _, s := range secs {
		if n := names[s.ID]; n != "" {
			fmt.Printf("  %-30s %10s %10s\n", n, comma(len(s.Raw)), comma(br[s.ID]))
		}
	}
	fmt.Printf("  %-30s %10s\n", "the other sections", comma(other))
	// The shipped build and the unstripped copy must have the same code.
	ucode := 0
	if us, err := wasmbin.Sections(unstripped); err == nil {
		for _, s := range us {
			if s.ID == wasmbin.Code {
				ucode = len(s.Raw)
			}
		}
	}
	for _, s := range secs {
		if s.ID == wasmbin.Code && len(s.Raw) != ucode {
			fmt.Printf("  note: the unstripped copy's code section is %s B, not %s B: different build flags?\n",
				comma(ucode), comma(len(s.Raw)))
		}
	}
	return nil
}

func goCmd(stdout io.Writer, args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	cmd.Stdout = stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w", args[0], err)
	}
	return nil
}

func brotliSize(b []byte) int {
	var n countWriter
	w := brotli.NewWriterLevel(&n, brotli.BestCompression)
	w.Write(b)
	w.Close()
	return int(n)
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

func pct(a, b int) float64 { return 100 * float64(a) / float64(b) }

// comma writes n with thousands separators.
func comma(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
