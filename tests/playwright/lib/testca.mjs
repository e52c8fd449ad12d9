// A throw-away PKI for the TLS tests, made at test time with the openssl
// command (Debian package openssl): a test CA and a server certificate it
// signs for 127.0.0.1 and localhost. Nothing is committed: the keys live
// in a private temp dir that is removed when the Node process exits.
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const tempDirs = new Set();
process.on('exit', () => {
  for (const d of tempDirs) { try { rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ } }
});

function openssl(args, cwd) {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) {
        err.message = `openssl ${args.join(' ')}: ${(stderr || err.message).trim()}`;
        reject(err);
        return;
      }
      resolve(stdout);
    });
  });
}

// P-256 keys: quick to make, and every TLS stack here takes them.
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/**
 * base64(SHA-256(SubjectPublicKeyInfo)) of a PEM certificate: the form
 * Chromium's --ignore-certificate-errors-spki-list takes.
 */
export function spkiHash(certPem) {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/**
 * Makes a CA named `name` and a server certificate it signs (CN=localhost,
 * subjectAltName DNS:localhost and IP:127.0.0.1, serverAuth, 2 days).
 * Resolves {dir, caCert, cert, key, chain, spki}: file paths (chain is the
 * server certificate followed by the CA's, what a server sends) and the
 * server certificate's SPKI hash.
 */
export async function makeTestCA(name = 'kazoo test CA') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kazoo-testca-'));
  tempDirs.add(dir);
  await openssl(['req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2',
    '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  await openssl(['req', ...newKey, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(path.join(dir, 'server.ext'), [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '',
  ].join('\n'));
  await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-sha256', '-extfile', 'server.ext', '-out', 'server.crt'], dir);
  const cert = readFileSync(path.join(dir, 'server.crt'), 'utf8');
  const ca = readFileSync(path.join(dir, 'ca.crt'), 'utf8');
  writeFileSync(path.join(dir, 'chain.pem'), cert + ca);
  return {
    dir,
    caCert: path.join(dir, 'ca.crt'),
    cert: path.join(dir, 'server.crt'),
    key: path.join(dir, 'server.key'),
    chain: path.join(dir, 'chain.pem'),
    spki: spkiHash(cert),
  };
}
