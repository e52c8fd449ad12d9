package layering

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// jsAllowed are the directories allowed to import syscall/js or safejs.
var jsAllowed = []string{"jsbridge", "cmd/kazoojs"}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestOnlyBridgeTouchesJS(t *testing.T) {
	root := repoRoot(t)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "dist" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		for _, dir := range jsAllowed {
			if strings.HasPrefix(filepath.ToSlash(rel), dir+"/") {
				return nil
			}
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "syscall/js" || strings.HasPrefix(p, "github.com/hack-pad/safejs") {
				t.Errorf("%s imports %s; only %v may", rel, p, jsAllowed)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The SIP and user-agent packages (and the pure ones around them: the
// shared vocabulary, call quality, device choice, the call watcher, line
// bookkeeping, presence bodies, the reconnect loop and its clock, the
// tabs' shared registration) must
// not depend on pion or safejs, even indirectly, on either platform. In a
// browser syscall/js is reached only through coder/websocket, which wraps
// the browser's WebSocket by design.
func TestCoreHasNoBrowserDependencies(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	for _, goos := range []string{"", "js"} {
		out := goList(t, goos, "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`,
			"./sip", "./ua", "./rtmpua", "./phone", "./quality", "./audiodev", "./callwatch",
			"./lines", "./presence", "./reconnect", "./clock", "./tabs")
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			fields := strings.Fields(line)
			pkg, imports := fields[0], fields[1:]
			if strings.HasPrefix(pkg, "github.com/pion/") || strings.HasPrefix(pkg, "github.com/hack-pad/") {
				t.Errorf("GOOS=%s: the core packages depend on %s", goos, pkg)
			}
			thirdParty := strings.Contains(strings.Split(pkg, "/")[0], ".")
			for _, imp := range imports {
				if imp == "syscall/js" && thirdParty && !strings.HasPrefix(pkg, "github.com/coder/websocket") {
					t.Errorf("GOOS=%s: %s (a dependency of the core packages) imports syscall/js", goos, pkg)
				}
			}
		}
	}
}

// goList runs `go list args…` in the repository, for GOOS=js GOARCH=wasm
// when goos is "js", and returns its output.
func goList(t *testing.T, goos string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = repoRoot(t)
	cmd.Env = os.Environ()
	if goos == "js" {
		cmd.Env = append(cmd.Env, "GOOS=js", "GOARCH=wasm")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	return out
}

// moduleDeps lists the module's packages that pkg depends on, itself
// excluded, for GOOS=js too when goos is "js".
func moduleDeps(t *testing.T, goos, pkg string) []string {
	t.Helper()
	out := goList(t, goos, "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg)
	const module = "github.com/kazoo-softphone/kazoo"
	self := module + strings.TrimPrefix(pkg, ".")
	var deps []string
	for _, p := range strings.Fields(string(out)) {
		if p != self && (p == module || strings.HasPrefix(p, module+"/")) {
			deps = append(deps, p)
		}
	}
	return deps
}

// Package phone is the engines' shared vocabulary, and package clock
// their time: they import nothing of the module. rtmpua speaks it and
// does not depend on ua (nor ua on rtmpua).
func TestEnginesMeetOnlyInPhone(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	for _, goos := range []string{"", "js"} {
		for _, pkg := range []string{"./phone", "./clock"} {
			if deps := moduleDeps(t, goos, pkg); len(deps) > 0 {
				t.Errorf("GOOS=%s: %s depends on %v; it must import nothing of the module", goos, pkg, deps)
			}
		}
		for _, rule := range [][2]string{{"./rtmpua", "/ua"}, {"./ua", "/rtmpua"}} {
			for _, dep := range moduleDeps(t, goos, rule[0]) {
				if strings.HasSuffix(dep, rule[1]) {
					t.Errorf("GOOS=%s: %s depends on %s", goos, rule[0], dep)
				}
			}
		}
	}
}
