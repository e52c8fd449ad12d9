// The "Messages" panel: one thread of instant messages (SIP MESSAGE) with
// a "To" field. Enter sends; each sent message shows its delivery state
// (data-state sending, sent or failed, with the reason in words); an
// incoming message shows its sender's name and number, counts as unread
// (the badge) until the person comes to the panel, and raises a notice.
// Text from the network is only ever set as textContent.
import { $, log, notify, clearNotice } from './ui.js';
import { messageFailText, userOf } from './words.js';

export class Chat {
  /** domain(): our SIP domain (to show addresses of it as plain numbers). */
  constructor({ domain }) {
    this.domain = domain;
    this.unread = 0;
    this.seq = 0;
  }

  wire() {
    $('chatForm').addEventListener('submit', (e) => { e.preventDefault(); this.send(); });
    // Coming to the panel reads the messages.
    $('chatCard').addEventListener('focusin', () => this.read());
    $('chatCard').addEventListener('pointerdown', () => this.read());
  }

  /** Logged in: the panel shows (WebRTC only; the RTMP path has no messages). */
  start({ rtmp }) {
    $('chatCard').hidden = !!rtmp;
  }

  /** Logged out: the thread is cleared. */
  stop() {
    $('chatCard').hidden = true;
    $('chatLog').replaceChildren();
    $('chatEmpty').hidden = false;
    $('chatTo').value = '';
    $('chatText').value = '';
    this.read();
  }

  /** How an address shows: a number of our domain as the number, else without "sip:". */
  who(uri) {
    const bare = String(uri || '').replace(/^sips?:/i, '');
    return bare.endsWith(`@${this.domain()}`) ? userOf(uri) : bare;
  }

  async send() {
    const to = $('chatTo').value.trim();
    const text = $('chatText').value;
    if (!to) { $('chatTo').focus(); return; }
    if (!text.trim()) { $('chatText').focus(); return; }
    $('chatText').value = '';
    const item = this.add('out', { who: `To ${this.who(to)}`, text });
    log(`message to ${to}`);
    try {
      const r = await kazoo.sendMessage(to, text);
      this.state(item, 'sent', 'Delivered ✓');
      log(`message to ${to} delivered (${r.code})`);
    } catch (err) {
      this.state(item, 'failed', messageFailText(err, this.who(to)));
      log(`message to ${to} not delivered: ${err.key}${err.code ? ` (${err.code})` : ''}`);
    }
  }

  /** onMessage {from, fromName, to, text, contentType}. */
  incoming(m) {
    const number = this.who(m.from);
    const who = m.fromName ? `${m.fromName} (${number})` : number;
    this.add('in', { who: `From ${who}`, text: m.text, from: number });
    log(`message from ${m.from}`);
    // A reply goes to the sender unless the person is writing to someone.
    if (!$('chatTo').value.trim()) $('chatTo').value = number;
    if ($('chatCard').contains(document.activeElement)) return;
    this.unread++;
    this.renderUnread();
    notify('message', `New message from ${who}.`, { id: 'message' });
  }

  read() {
    if (!this.unread) return;
    this.unread = 0;
    this.renderUnread();
    clearNotice('message');
  }

  renderUnread() {
    const b = $('chatUnread');
    b.hidden = !this.unread;
    b.textContent = String(this.unread);
    b.setAttribute('aria-label', `${this.unread} unread`);
  }

  /** Adds a message to the thread: dir 'in' or 'out'. */
  add(dir, { who, text, from = '' }) {
    const li = document.createElement('li');
    li.className = 'msg';
    li.dataset.dir = dir;
    li.dataset.id = String(++this.seq);
    if (from) li.dataset.from = from;
    const head = document.createElement('p');
    head.className = 'msg-who';
    head.textContent = who;
    const time = document.createElement('time');
    time.className = 'time';
    time.textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    head.append(' ', time);
    const body = document.createElement('p');
    body.className = 'msg-text';
    body.textContent = text;
    li.append(head, body);
    if (dir === 'out') {
      const s = document.createElement('p');
      s.className = 'msg-state';
      li.append(s);
      this.state(li, 'sending', 'Sending…');
    }
    $('chatLog').append(li);
    $('chatEmpty').hidden = true;
    $('chatLog').scrollTop = $('chatLog').scrollHeight;
    return li;
  }

  state(li, state, text) {
    li.dataset.state = state;
    li.querySelector('.msg-state').textContent = text;
  }
}
