// nginx as a TLS-terminating reverse proxy for WebSockets, the way the
// README tells operators to put kazoo-relay behind TLS: browsers open
// wss:// to nginx, nginx passes the upgrade to the plain ws:// upstream.
// Runs in the foreground as one process (master_process off) with its own
// prefix dir and no system paths, on a free 127.0.0.1 port; stopped by PID.
import { accessSync, constants, writeFileSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnDaemon } from './daemon.mjs';
import { freePort, tcpAccepts } from './kamailio.mjs';

function nginxBin() {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    try { accessSync(p, constants.X_OK); return p; } catch { /* next */ }
  }
  throw new Error('nginx not found (apt-get install nginx-light)');
}

/**
 * The nginx config: one TLS server on 127.0.0.1:port whose `location`
 * proxies WebSocket upgrades to upstream (host:port). The location block
 * is the one the README shows.
 */
export function nginxConfig({ port, cert, key, upstream, location = '/' }) {
  return `daemon off;
master_process off;
pid nginx.pid;
error_log error.log info;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    server {
        listen 127.0.0.1:${port} ssl;
        ssl_certificate ${cert};
        ssl_certificate_key ${key};
        ssl_protocols TLSv1.2 TLSv1.3;
        location ${location} {
            proxy_pass http://${upstream};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $host;
            proxy_set_header Origin $http_origin;
            proxy_read_timeout 120s;
        }
    }
}
`;
}

/**
 * Starts nginx serving TLS with cert (PEM, with its chain) and key, in
 * front of the ws:// URL `upstream`. Resolves {url (the same URL as
 * wss://127.0.0.1:<port>/<path>), port, log(), stop()}.
 */
export async function startTlsProxy({ upstream, cert, key }) {
  const u = new URL(upstream);
  if (u.protocol !== 'ws:') throw new Error(`startTlsProxy: upstream must be ws://, got ${upstream}`);
  const bin = nginxBin();
  let lastErr;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kazoo-nginx-'));
    mkdirSync(path.join(dir, 'tmp')); // nginx makes the temp dirs inside
    const port = await freePort('tcp');
    writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig({ port, cert, key, upstream: u.host, location: u.pathname }));
    // -e: the error log before the config is read (else /var/log/nginx);
    // stderr goes to the same file.
    const d = spawnDaemon(bin, ['-p', dir, '-c', 'nginx.conf', '-e', 'error.log'], { logFile: path.join(dir, 'error.log') });
    // The log stays readable (terminate keeps it); the dir goes.
    const stop = async () => {
      const info = await d.terminate([['SIGTERM', 4000], ['SIGKILL', 2000]]);
      rmSync(dir, { recursive: true, force: true });
      return info;
    };
    const deadline = Date.now() + 10_000;
    while (!d.exitInfo() && Date.now() < deadline && !(await tcpAccepts(port))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!d.exitInfo() && await tcpAccepts(port)) {
      return { url: `wss://127.0.0.1:${port}${u.pathname}${u.search}`, port, dir, log: () => d.log(), stop };
    }
    lastErr = d.startupError('nginx', 'not listening within 10 s');
    await stop();
    if (!/Address already in use/.test(lastErr.message)) break;
  }
  throw lastErr;
}
