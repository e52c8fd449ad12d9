// The IVR Pivot app of ../go in Node (node:http, no dependencies).
//   node server.mjs --listen 127.0.0.1:8090   (or PIVOT_LISTEN=...)
// First request: "Press 1 for sales, 2 for support", collect one digit,
// ask again. With Digits: 1 rings user 1002, 2 rings 1003, else "Sorry".
import http from 'node:http';

const arg = process.argv.indexOf('--listen');
const listen = (arg > 0 && process.argv[arg + 1]) || process.env.PIVOT_LISTEN || '127.0.0.1:8090';
const users = { 1: process.env.PIVOT_SALES || '1002', 2: process.env.PIVOT_SUPPORT || '1003' };
const tts = (text, next) => ({ module: 'tts', data: { text }, children: next ? { _: next } : {} });
const hangup = { module: 'hangup', data: {} };

http.createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  const url = new URL(req.url, `http://${req.headers.host}`);
  const form = new URLSearchParams(req.method === 'POST' ? body : url.search);
  console.log(`pivot ${req.method} ${url.pathname} ${form}`);
  let reply;
  if (!form.has('Digits')) {
    reply = tts('Press 1 for sales, 2 for support.', {
      module: 'collect_dtmf', data: { max_digits: 1, timeout: 5000 },
      children: { _: { module: 'pivot', data: { voice_url: `http://${req.headers.host}${url.pathname}`, method: req.method, req_format: 'kazoo' } } },
    });
  } else if (users[form.get('Digits')]) {
    reply = { module: 'user', data: { id: users[form.get('Digits')], timeout: 20 },
      children: { _: tts('Nobody is available. Goodbye.', hangup) } };
  } else {
    reply = tts('Sorry, that is not an option. Goodbye.', hangup);
  }
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply));
}).listen(Number(listen.split(':').pop()), listen.slice(0, listen.lastIndexOf(':')) || undefined,
  () => console.log(`pivot IVR on http://${listen}/ivr`));
