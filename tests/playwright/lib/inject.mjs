// Injects SIP requests into the lab Kamailio through its trusted UDP port
// (no digest auth from 127.0.0.1 there), as a voicemail server or
// the Kazoo platform would send them, and returns the final status code.
import dgram from 'node:dgram';
import crypto from 'node:crypto';

const token = () => crypto.randomBytes(6).toString('hex');

/** Sends NOTIFY to user's AOR; resolves the final status code. */
export async function sendNotify(kamailio, user, { event = 'message-summary', contentType = 'text/plain', body = '', timeout = 5000 } = {}) {
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const port = sock.address().port;
  const branch = `z9hG4bK${token()}`;
  const lines = [
    `NOTIFY sip:${user}@${kamailio.realm} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:platform@${kamailio.realm}>;tag=${token()}`,
    `To: <sip:${user}@${kamailio.realm}>`,
    `Call-ID: ${token()}@127.0.0.1`,
    'CSeq: 1 NOTIFY',
    `Contact: <sip:platform@127.0.0.1:${port}>`,
    `Event: ${event}`,
    'Subscription-State: terminated;reason=noresource',
  ];
  if (body) lines.push(`Content-Type: ${contentType}`);
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body);
  const msg = Buffer.from(lines.join('\r\n'));
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no final answer to the NOTIFY within ${timeout} ms`)), timeout);
      sock.on('message', (data) => {
        const m = /^SIP\/2\.0 (\d{3})/.exec(data.toString());
        if (m && Number(m[1]) >= 200) { clearTimeout(timer); resolve(Number(m[1])); }
      });
      sock.send(msg, kamailio.ports.trusted, '127.0.0.1');
    });
  } finally {
    sock.close();
  }
}
