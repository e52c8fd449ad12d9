package rtmp

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// nginxModules are where Debian's libnginx-mod-rtmp installs the module.
var nginxModules = []string{
	"/usr/lib/nginx/modules/ngx_rtmp_module.so",
	"/usr/lib64/nginx/modules/ngx_rtmp_module.so",
}

const nginxConf = `load_module %s;
worker_processes 1;
pid nginx.pid;
error_log error.log info;
events { worker_connections 64; }
rtmp {
    server {
        listen 127.0.0.1:%d;
        chunk_size 4096;
        application live { live on; }
    }
}
`

// startNginx runs nginx with the RTMP module unprivileged on a free
// loopback port, with its own prefix directory and configuration, and
// returns its rtmp:// base URL. nginx is stopped by PID when the test
// ends; its logs are shown when the test fails or KAZOO_NGINX_LOG is set. The test is skipped when nginx or the module is missing (Debian:
// apt-get install nginx-light libnginx-mod-rtmp).
func startNginx(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr != nil {
			t.Skip("nginx is not installed (apt-get install nginx-light libnginx-mod-rtmp)")
		}
		bin = "/usr/sbin/nginx"
	}
	module := ""
	for _, m := range nginxModules {
		if _, err := os.Stat(m); err == nil {
			module = m
			break
		}
	}
	if module == "" {
		t.Skip("the nginx RTMP module is not installed (apt-get install libnginx-mod-rtmp)")
	}
	dir := t.TempDir()
	port := freePort(t)
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, module, port), 0o644); err != nil {
		t.Fatal(err)
	}
	errorLog := filepath.Join(dir, "error.log")
	cmd := exec.Command(bin, "-p", dir+"/", "-c", conf, "-e", errorLog, "-g", "daemon off;")
	out, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting nginx: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt) // nginx: fast shutdown
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() || os.Getenv("KAZOO_NGINX_LOG") != "" {
			logs, _ := os.ReadFile(errorLog)
			stderr, _ := os.ReadFile(out.Name())
			t.Logf("nginx error.log:\n%s\nnginx stderr:\n%s", logs, stderr)
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(testTimeout)
	for {
		select {
		case err := <-exited:
			exited <- err
			logs, _ := os.ReadFile(errorLog)
			stderr, _ := os.ReadFile(out.Name())
			t.Fatalf("nginx exited: %v\n%s%s", err, logs, stderr)
		default:
		}
		if nc, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			nc.Close()
			return "rtmp://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx is not listening on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
