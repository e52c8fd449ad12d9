#!/usr/bin/env bash
# build.sh — build, run, test and measure kazoo.
#
#   ./build.sh           build dist/: kazoo.wasm, kazoo.js (loader + wasm_exec.js),
#                        kazoo.d.ts, with .br and .gz copies (compressed in Go)
#   ./build.sh demo      build and run kazoo-dev: the demo page and its own SIP server (Go only)
#   ./build.sh demo --kamailio   the same page against Kamailio + rtpengine from Debian (apt)
#   ./build.sh test      install what is missing, gofmt/vet/staticcheck/govulncheck (native
#                        and wasm), go test -race,
#                        build, browser tests in Debian Chromium against a real Kamailio;
#                        ends with "N passed, M failed"
#   ./build.sh pack      build dist/, then the npm package `kazoo` (npm/ and dist/) in
#                        .cache/npm; prints the tarball's absolute path as its last line
#   ./build.sh bench     bundle sizes, cold load to onLoaded, register and call times
#                        (medians), relay capacity (sessions, loss, round trip p50/p99),
#                        kazoo-dev's registrar (REGISTER/s, concurrent clients)
#   ./build.sh fuzz      every Fuzz target of the module, one at a time for
#                        $FUZZTIME (1m); per target its executions and whether it
#                        found a crasher; ends with "N targets, M crashers"
#   ./build.sh soak [N]  long: N (1000) register/call/hang-up/unregister cycles in one page,
#                        goroutines, js.Funcs, RTCPeerConnections, JS heap, wasm memory
#                        every 100 cycles; ./build.sh soak idle [S]: registered and idle
#                        S (3600) seconds, a reading every 5 minutes (tests/bench/soak.mjs)
#
# Everything listens on 127.0.0.1. Tests run in a private network namespace
# when `ip netns` is allowed (root), on host loopback with free ports otherwise.
set -euo pipefail
cd "$(dirname "$0")"
# Go 1.27.3, fetched by the go command from the Go module proxy on first use:
# Go 1.26.8's net/http, net/textproto, crypto/tls and crypto/x509 have known
# vulnerabilities (govulncheck) fixed in later releases. go.mod stays at 1.26
# so `go run` still works on a machine's own Go; this export picks the newer one.
export GOTOOLCHAIN=go1.27.3
ROOT=$PWD
CACHE=$ROOT/.cache
mkdir -p "$CACHE/bin"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

SUDO=
[[ $(id -u) -eq 0 ]] || SUDO=sudo
APT_UPDATED=

# apt_install installs the Debian packages that are not installed yet.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  log "apt-get install ${missing[*]}"
  if [[ -z $APT_UPDATED ]]; then
    $SUDO apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

need_go() {
  command -v go >/dev/null || [[ -x /usr/local/go/bin/go ]] || die "Go is not installed (https://go.dev/dl/; this project uses Go $(sed -n 's/^go //p' go.mod))"
  command -v go >/dev/null || export PATH=/usr/local/go/bin:$PATH
}

need_node() {
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  (cd tests/playwright && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

# wasm_gcflags: extra compiler flags of kazoo.wasm; none. No inlining
# (all=-l) was measured and left out. It saves 110 KB brotli (after the
# data-segment merge: 1,537,871 → 1,427,964 B, gzip 2,086,719 → 1,970,496
# B) but costs on three other counts: the linear memory every page holds
# from the start grows 5.06 → 5.69 MB (81 → 91 wasm pages: the function
# tables are bigger); Go's init in Chromium, instantiated → onLoaded, goes
# 64–70 → 87–88 ms (navigation → onLoaded 307–324 → 337–348 ms, loopback,
# 2 × 12–15 cold loads, medians); and SIP work runs ~1.5–1.9× slower under
# Node (parsing an INVITE 10.4 → 18.3 µs, INVITE → 200 OK with SDP 73 →
# 139 µs, a digest REGISTER exchange 140 → 205 µs; sip/bench_test.go and
# sipgo's benchmarks). Set it to 'all=-l' to trade those for size.
wasm_gcflags=''

# wasm_experiment: GOEXPERIMENT of kazoo.wasm. Go 1.27 implements
# encoding/json on top of encoding/json/v2, whose code is ~500 KB larger
# in the wasm (log/slog, pion and uuid import encoding/json; kazoo decodes
# no JSON in Go there). nojsonv2 keeps the smaller one: brotli 1,747,281 →
# 1,516,008 B (Go 1.26.8 built 1,494,648 B of the same code).
wasm_experiment=nojsonv2

build() {
  need_go
  log "go build kazoo.wasm"
  mkdir -p dist
  GOEXPERIMENT=$wasm_experiment GOOS=js GOARCH=wasm go build -trimpath -gcflags="$wasm_gcflags" -ldflags='-s -w' -o "$CACHE/kazoo.wasm" ./cmd/kazoojs
  # Go's linker writes 90,000–100,000 tiny data segments (a new one after
  # every 8 zero bytes, up to its cap of 100,000), each with its own
  # header; wasmmerge rewrites the data section as a few segments, filling
  # gaps up to 4 KB with zeros. Linear memory starts zeroed, so the memory
  # image is byte-identical. With inlining (as built): brotli 1,636,965 →
  # 1,537,871 B, gzip 2,246,397 → 2,086,719 B; without: brotli 1,526,438 →
  # 1,427,964 B, gzip 2,142,257 → 1,970,496 B. Raw grows by ~1 MB of zeros.
  go run ./internal/wasmmerge "$CACHE/kazoo.wasm"
  replace_if_changed "$CACHE/kazoo.wasm" dist/kazoo.wasm
  # The loader, written once (wasm/kazoo-core.js), in two builds: the
  # classic script that defines the global kazoo and the ES module.
  loader wasm/kazoo-script.js >"$CACHE/kazoo.js"
  replace_if_changed "$CACHE/kazoo.js" dist/kazoo.js
  loader wasm/kazoo-esm.js >"$CACHE/kazoo.mjs"
  replace_if_changed "$CACHE/kazoo.mjs" dist/kazoo.mjs
  cp wasm/kazoo.d.ts dist/kazoo.d.ts
  # The module's declarations: the same plus its default export.
  {
    cat wasm/kazoo.d.ts
    printf '\n/** The default export: the whole API as one object. */\ndeclare const kazoo: Kazoo;\nexport default kazoo;\n'
  } >dist/kazoo.d.mts
  # The AudioWorklet of the media path without WebRTC (a module of its own).
  cp wasm/kazoo-audio-worklet.js "$CACHE/kazoo-audio-worklet.js"
  replace_if_changed "$CACHE/kazoo-audio-worklet.js" dist/kazoo-audio-worklet.js
  # .br and .gz copies, made in Go (no brotli command needed); unchanged
  # files keep theirs.
  go run ./internal/precompress dist/kazoo.wasm dist/kazoo.js dist/kazoo.mjs dist/kazoo-audio-worklet.js
  go build -o "$CACHE/bin/kazoo-dev" ./cmd/kazoo-dev
  go build -o "$CACHE/bin/kazoo-relay" ./cmd/kazoo-relay
  go build -o "$CACHE/bin/kazoo-rtmpgw" ./cmd/kazoo-rtmpgw
  go build -o "$CACHE/bin/pivot-example" ./examples/pivot/go
  # The tests' packet delayer (NFQUEUE, Linux only; tests/playwright/lib/netshape.mjs).
  if [[ $(go env GOOS) == linux ]]; then go build -o "$CACHE/bin/kazoo-netshape" ./internal/cmd/netshape; fi
  log "dist: $(stat -c %s dist/kazoo.wasm) B wasm, $(stat -c %s dist/kazoo.wasm.gz) B gzip, $(stat -c %s dist/kazoo.wasm.br) B brotli"
}

# loader prints a loader build: the wrapper file $1 with wasm/kazoo-core.js
# where it says /* @kazoo-core */, the toolchain's own wasm_exec.js (it
# must match the compiler) where the core says /* @wasm_exec.js */, and
# the byte size of dist/kazoo.wasm for @KAZOO_WASM_SIZE. Plain bash: the
# demo builds on a machine with Go and a few coreutils only.
loader() {
  local size wasm_exec
  size=$(stat -c %s dist/kazoo.wasm)
  wasm_exec="$(go env GOROOT)/lib/wasm/wasm_exec.js"
  loader_emit "$1"
}

loader_emit() {
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line =~ ^[[:space:]]*/\*\ @kazoo-core\ \*/$ ]]; then
      loader_emit wasm/kazoo-core.js
    elif [[ $line =~ ^[[:space:]]*/\*\ @wasm_exec\.js\ \*/$ ]]; then
      loader_emit "$wasm_exec"
    else
      printf '%s\n' "${line//@KAZOO_WASM_SIZE/$size}"
    fi
  done <"$1"
}

# replace_if_changed moves a fresh build output over dist's copy only when
# its content differs, so an unchanged file keeps its compressed copies.
replace_if_changed() {
  if cmp -s "$1" "$2"; then rm -f "$1"; else mv -f "$1" "$2"; fi
}

# pack makes the npm package from npm/ (package.json without a version,
# README.md) and the dist/ files, versioned as the loader says, and prints
# the tarball's absolute path last (the only line on stdout).
# third_party_licenses prints the licence of everything kazoo.wasm and
# kazoo.js carry besides our own code: Go (its runtime and standard
# library, and wasm_exec.js in kazoo.js) and every module linked into the
# wasm, from the module cache.
third_party_licenses() {
  local mod dir f
  printf 'kazoo.wasm and kazoo.js include the following software.\n'
  printf '\n==== Go (runtime, standard library, wasm_exec.js)\n\n'
  cat "$(go env GOROOT)/LICENSE"
  while read -r mod dir; do
    [[ -n $dir ]] || continue
    for f in "$dir"/LICENSE* "$dir"/COPYING* "$dir"/LICENCE*; do
      [[ -f $f ]] || continue
      printf '\n==== %s\n\n' "$mod"
      cat "$f"
      break
    done
  done < <(GOOS=js GOARCH=wasm go list -deps -f '{{with .Module}}{{if not .Main}}{{.Path}}@{{.Version}} {{.Dir}}{{end}}{{end}}' ./cmd/kazoojs | sort -u)
}

pack() {
  build >&2
  command -v npm >/dev/null || apt_install nodejs npm
  local out=$CACHE/npm version tarball
  version=$(sed -n "s/^const VERSION = '\([^']*\)';$/\1/p" wasm/kazoo-core.js)
  [[ -n $version ]] || die "no VERSION in wasm/kazoo-core.js"
  rm -rf "$out/package"
  mkdir -p "$out/package"
  cp npm/package.json npm/README.md "$out/package/"
  cp dist/kazoo.js dist/kazoo.mjs dist/kazoo.wasm dist/kazoo.d.ts dist/kazoo.d.mts dist/kazoo-audio-worklet.js "$out/package/"
  cp LICENSE "$out/package/"
  third_party_licenses >"$out/package/THIRD_PARTY_LICENSES"
  (cd "$out/package" && npm pkg set version="$version")
  tarball=$(cd "$out/package" && npm pack --pack-destination "$out" --loglevel=error | tail -1)
  [[ -f $out/$tarball ]] || die "npm pack made no $out/$tarball"
  log "npm package kazoo@$version: $(stat -c %s "$out/$tarball") B"
  echo "$out/$tarball"
}

demo() {
  case "${1:-}" in
    "") demo_dev ;;
    --kamailio) demo_kamailio ;;
    *) die "usage: ./build.sh demo [--kamailio]" ;;
  esac
}

# demo_dev runs kazoo-dev alone: the page, the SIP server, echo and
# voicemail, the RTMP path. Go is all it needs.
demo_dev() {
  build
  # Number 7000 runs the Pivot IVR example (examples/pivot): its app
  # listens on KAZOO_PIVOT_PORT and the callflows file points there.
  local pivot=${KAZOO_PIVOT_PORT:-8090}
  sed "s/127\.0\.0\.1:8090/127.0.0.1:$pivot/" examples/pivot/callflows.json >"$CACHE/callflows.json"
  "$CACHE/bin/pivot-example" -listen "127.0.0.1:$pivot" >"$CACHE/pivot-example.log" 2>&1 &
  exec "$CACHE/bin/kazoo-dev" -addr "127.0.0.1:${KAZOO_HTTP_PORT:-8080}" -sip-udp "127.0.0.1:${KAZOO_SIP_PORT:-5060}" \
    -callflows "$CACHE/callflows.json"
}

# demo_kamailio runs the production-like stack of the tests: Kamailio and
# rtpengine from Debian, kazoo-rtmpgw and kazoo-relay, kazoo-dev serving
# only the page.
demo_kamailio() {
  apt_install kamailio kamailio-websocket-modules kamailio-presence-modules rtpengine-daemon
  if command -v systemctl >/dev/null; then $SUDO systemctl disable --now rtpengine-daemon >/dev/null 2>&1 || true; fi
  build
  local sip=${KAZOO_SIP_PORT:-5060} ws=${KAZOO_WS_PORT:-5066} trusted=${KAZOO_TRUSTED_PORT:-5080} http=${KAZOO_HTTP_PORT:-8080}
  local ng=${KAZOO_RTPENGINE_PORT:-2223} rtmp=${KAZOO_RTMP_PORT:-1935} relay=${KAZOO_RELAY_PORT:-8090}
  # Globals, not locals: the EXIT trap runs after this function returned.
  run=$(mktemp -d /tmp/kazoo-demo.XXXXXX)
  cp -r lab/kamailio/db "$run/db"
  # rtpengine relays media between browsers and plain RTP phones.
  /usr/bin/rtpengine --config-file=none --foreground --log-stderr --table=-1 --interface=127.0.0.1 \
    --listen-ng="127.0.0.1:$ng" --port-min=30000 --port-max=30999 --delete-delay=0 >"$run/rtpengine.log" 2>&1 &
  rpid=$!
  log "starting Kamailio (SIP udp $sip, WebSocket $ws) — log in $run/kamailio.log"
  /usr/sbin/kamailio -DD -E -f lab/kamailio/kamailio.cfg -Y "$run" \
    -A SIP_PORT="$sip" -A WS_PORT="$ws" -A TRUSTED_PORT="$trusted" -A RTPENGINE_SOCK="\"udp:127.0.0.1:$ng\"" \
    -A PRESENCE_SERVER="\"sip:127.0.0.1:$trusted\"" \
    -A DBURL="\"text://$run/db\"" -A CTLSOCK="\"unix:$run/kamailio_ctl\"" >"$run/kamailio.log" 2>&1 &
  kpid=$!
  # The RTMP path: kazoo-rtmpgw registers at Kamailio over UDP for the
  # browsers that use it, kazoo-relay connects those browsers to it.
  "$CACHE/bin/kazoo-rtmpgw" -listen "127.0.0.1:$rtmp" -registrar "127.0.0.1:$sip" -sip-listen 127.0.0.1:0 \
    -media-ip 127.0.0.1 -rtp-ports 32000-32999 >"$run/rtmpgw.log" 2>&1 &
  gpid=$!
  "$CACHE/bin/kazoo-relay" -addr "127.0.0.1:$relay" -gateway "rtmp://127.0.0.1:$rtmp/sip/" \
    -origin "http://127.0.0.1:$http" -origin "http://localhost:$http" >"$run/relay.log" 2>&1 &
  lpid=$!
  trap 'kill "$kpid" "$rpid" "$gpid" "$lpid" 2>/dev/null; wait "$kpid" "$rpid" "$gpid" "$lpid" 2>/dev/null; rm -rf "$run"' EXIT
  local i
  for ((i = 0; i < 100; i++)); do # wait up to 10 s for the WebSocket port
    kill -0 "$kpid" 2>/dev/null || break
    (exec 3<>"/dev/tcp/127.0.0.1/$ws") 2>/dev/null && break
    sleep 0.1
  done
  kill -0 "$kpid" 2>/dev/null || { tail -20 "$run/kamailio.log"; die "Kamailio did not start (is port $sip or $ws taken? set KAZOO_SIP_PORT / KAZOO_WS_PORT)"; }
  cat <<EOF

  kazoo demo — open http://127.0.0.1:$http/ in a browser on this machine
  SIP domain lab.test, WebSocket ws://127.0.0.1:$ws
  RTMP path (tick "Audio without WebRTC"): relay ws://127.0.0.1:$relay/v1, gateway rtmp://127.0.0.1:$rtmp/sip
  test accounts:  1001 / pw-1001    1002 / pw-1002    (1001–1010, password pw-<user>)
  Ctrl-C stops everything.

EOF
  "$CACHE/bin/kazoo-dev" -addr "127.0.0.1:$http" -ws "ws://127.0.0.1:$ws" -domain lab.test \
    -relay "ws://127.0.0.1:$relay/v1" -rtmp "rtmp://127.0.0.1:$rtmp/sip" \
    -accounts 1001:pw-1001,1002:pw-1002,1003:pw-1003
}

# in_netns runs a command in a fresh network namespace with only loopback,
# or on the host when namespaces are not allowed here.
in_netns() {
  local ns=kazoo-test-$$
  if ip netns add "$ns" 2>/dev/null; then
    ip netns exec "$ns" ip link set lo up
    # Chromium reports navigator.onLine false with only lo: give the
    # namespace a veth pair (both ends inside, a documentation address, no
    # routes) so online/offline behave as on a real machine.
    ip netns exec "$ns" ip link add kzv0 type veth peer name kzv1 2>/dev/null &&
      ip netns exec "$ns" ip addr add 192.0.2.1/32 dev kzv0 &&
      ip netns exec "$ns" ip link set kzv0 up && ip netns exec "$ns" ip link set kzv1 up || true
    local rc=0
    ip netns exec "$ns" "$@" || rc=$?
    ip netns delete "$ns"
    return $rc
  fi
  log "network namespaces unavailable: running on host loopback with free ports"
  "$@"
}

# lab_packages are the Debian packages of the browser tests' SIP lab.
# iptables shapes the media path in the shaped-link tests (netshape.mjs).
lab_packages=(chromium kamailio kamailio-websocket-modules kamailio-tls-modules kamailio-presence-modules rtpengine-daemon baresip-core
  sox iproute2 iptables openssl nginx-light libnginx-mod-rtmp espeak-ng)

# lab_install installs them; the rtpengine package enables a system
# service that we never use (tests start their own, on loopback).
lab_install() {
  apt_install "${lab_packages[@]}"
  if command -v systemctl >/dev/null; then
    $SUDO systemctl disable --now rtpengine-daemon >/dev/null 2>&1 || true
  fi
}

# The static checks' tools, at pinned versions, and govulncheck's database:
# its server cannot be reached from here, so the database is built from
# the module golang.org/x/vulndb (its OSV files) by internal/vulnindex.
staticcheck_version=v0.8.2
govulncheck_version=v1.9.0
vulndb_version=v0.0.0-20261105234957-e22db6528018

need_checkers() {
  [[ -x $CACHE/bin/staticcheck && $(cat "$CACHE/bin/.staticcheck" 2>/dev/null) == "$staticcheck_version" ]] || {
    GOBIN=$CACHE/bin go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
    echo "$staticcheck_version" >"$CACHE/bin/.staticcheck"
  }
  [[ -x $CACHE/bin/govulncheck && $(cat "$CACHE/bin/.govulncheck" 2>/dev/null) == "$govulncheck_version" ]] || {
    GOBIN=$CACHE/bin go install "golang.org/x/vuln/cmd/govulncheck@$govulncheck_version"
    echo "$govulncheck_version" >"$CACHE/bin/.govulncheck"
  }
  [[ $(cat "$CACHE/vulndb/.version" 2>/dev/null) == "$vulndb_version" ]] || {
    local dir
    dir=$(go mod download -json "golang.org/x/vulndb@$vulndb_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [[ -d $dir/data/osv ]] || die "golang.org/x/vulndb@$vulndb_version has no data/osv"
    rm -rf "$CACHE/vulndb"
    go run ./internal/vulnindex -osv "$dir/data/osv" -out "$CACHE/vulndb"
    echo "$vulndb_version" >"$CACHE/vulndb/.version"
  }
}

test_all() {
  need_go
  lab_install
  need_node
  local checks=() status
  log "gofmt"
  local unformatted
  unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*'))
  if [[ -n $unformatted ]]; then echo "gofmt would change: $unformatted"; checks+=(gofmt=1); else checks+=(gofmt=0); fi
  log "go vet (native and js/wasm)"
  status=0; go vet ./... || status=$?; checks+=("go-vet=$status")
  status=0; GOOS=js GOARCH=wasm go vet ./... || status=$?; checks+=("go-vet-wasm=$status")
  log "staticcheck and govulncheck (native and js/wasm)"
  status=0; need_checkers || status=$?; checks+=("install-checkers=$status")
  status=0; "$CACHE/bin/staticcheck" ./... || status=$?; checks+=("staticcheck=$status")
  status=0; GOOS=js GOARCH=wasm "$CACHE/bin/staticcheck" ./... || status=$?; checks+=("staticcheck-wasm=$status")
  status=0; "$CACHE/bin/govulncheck" -db "file://$CACHE/vulndb" ./... || status=$?; checks+=("govulncheck=$status")
  status=0; GOOS=js GOARCH=wasm "$CACHE/bin/govulncheck" -db "file://$CACHE/vulndb" ./... || status=$?; checks+=("govulncheck-wasm=$status")
  log "go test -race ./... (native), go test ./jsbridge ./media (js/wasm under Node)"
  {
    go test -race -json ./... 2>&1 || true
    GOOS=js GOARCH=wasm go test -json -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./jsbridge ./media 2>&1 || true
  } >"$CACHE/gotest.json"
  log "build"
  status=0; build || status=$?; checks+=("build=$status")
  rm -f "$CACHE/browser.tap"
  if ((status == 0)); then
    log "browser tests (Debian Chromium, Kamailio)"
    in_netns node --test --test-concurrency=1 \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$CACHE/browser.tap" \
      tests/playwright/lib/*.selftest.mjs tests/playwright/audio/*.test.mjs tests/playwright/*.test.mjs || true
  fi
  node tests/summary.mjs --go "$CACHE/gotest.json" --tap "$CACHE/browser.tap" "${checks[@]/#/--check=}"
}

# fuzz runs every FuzzXxx of the module (go test -list finds them), one
# at a time with one worker, for $FUZZTIME each. A crasher's input lands
# in its package's testdata/fuzz/, where plain go test replays it.
fuzz() {
  need_go
  local fuzztime=${FUZZTIME:-1m} pkg target out execs status n=0 crashers=0
  local targets
  targets=$(go test -list '^Fuzz' ./... | awk '/^Fuzz/ { names[++k] = $1 } /^ok/ { for (i = 1; i <= k; i++) print $2, names[i]; k = 0 }')
  [[ -n $targets ]] || die "no Fuzz targets found"
  : >"$CACHE/fuzz.log"
  while read -r pkg target; do
    n=$((n + 1))
    log "fuzz $target in $pkg for $fuzztime"
    status=ok
    out=$(go test -run '^$' -fuzz "^$target\$" -fuzztime "$fuzztime" -parallel 1 "$pkg" 2>&1) || status=crasher
    printf '%s\n' "$out" >>"$CACHE/fuzz.log"
    execs=$(printf '%s\n' "$out" | sed -n 's/.*execs: \([0-9]*\).*/\1/p' | tail -1)
    if [[ $status == crasher ]]; then
      crashers=$((crashers + 1))
      status="CRASHER: $(printf '%s\n' "$out" | sed -n 's/.*Failing input written to //p' | head -1)"
    fi
    printf '%-48s %-22s %12s execs  %s\n' "$pkg" "$target" "${execs:-0}" "$status"
  done <<<"$targets"
  printf '%d targets, %d crashers\n' "$n" "$crashers"
  ((crashers == 0))
}

case "${1:-build}" in
  build) build ;;
  demo) demo "${2:-}" ;;
  test) test_all ;;
  pack) pack ;;
  fuzz) fuzz ;;
  bench)
    need_go
    lab_install
    need_node
    build
    GOEXPERIMENT=$wasm_experiment go run ./tests/bench/sizebench -gcflags="$wasm_gcflags"
    in_netns node tests/bench/bench.mjs
    log "relay: simulated browsers in calls through kazoo-relay to an echoing gateway"
    in_netns go run ./tests/bench/relaybench -relay "$CACHE/bin/kazoo-relay"
    log "kazoo-dev's registrar: REGISTERs per second, concurrent registered clients"
    in_netns go run ./tests/bench/regbench -dev "$CACHE/bin/kazoo-dev"
    ;;
  soak)
    need_go
    lab_install
    need_node
    build
    if [[ ${2:-} == idle ]]; then
      in_netns node tests/bench/soak.mjs -idle "${3:-3600}"
    else
      in_netns node tests/bench/soak.mjs -cycles "${2:-1000}"
    fi
    ;;
  *) die "usage: ./build.sh [build|demo|test|pack|bench|soak [N|idle [S]]|fuzz]" ;;
esac
