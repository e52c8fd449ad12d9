// "Colleagues": busy lamps (BLF) for a few extensions, the config's
// accounts other than ours (at most MAX). After log-in the page watches
// their dialog state (kazoo.subscribe, event 'dialog'); each lamp says its
// state in words as well as in colour (data-state idle, ringing, busy,
// offline or unknown), and a click calls the colleague. Log-out ends the
// subscriptions. A server that does not answer dialog SUBSCRIBEs leaves
// the lamps at "Unknown" (kazoo retries on its own, quietly).
import { $, log } from './ui.js';
import { lampText } from './words.js';

const MAX = 5;
const STATES = new Set(['idle', 'ringing', 'busy', 'offline', 'unknown']);

export class Colleagues {
  /** call(number): dial it. */
  constructor({ call }) {
    this.call = call;
    this.users = [];
  }

  wire() {
    $('colleagues').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-user]');
      if (b) this.call(b.dataset.user);
    });
  }

  /** Logged in as account: show the lamps and subscribe. */
  async start(config, account) {
    this.users = config.accounts.map((a) => a.user).filter((u) => u && u !== account.user).slice(0, MAX);
    const list = $('colleagues');
    list.replaceChildren(...this.users.map((u) => this.lamp(u)));
    $('colleaguesCard').hidden = account.rtmp || this.users.length === 0;
    if ($('colleaguesCard').hidden) return;
    try {
      await kazoo.subscribe(this.users, { event: 'dialog' });
      log(`watching ${this.users.join(', ')}`);
    } catch (err) {
      log(`could not watch colleagues: ${err.key} ${err.message || ''}`);
    }
  }

  /** Logging out: end the subscriptions (logout would too) and hide the lamps. */
  async stop() {
    const watched = this.users.length && !$('colleaguesCard').hidden;
    this.users = [];
    $('colleaguesCard').hidden = true;
    $('colleagues').replaceChildren();
    if (watched) await kazoo.unsubscribe().catch(() => {});
  }

  /** onPresence {uri, state, event, note}. */
  presence(p) {
    const b = $('colleagues').querySelector(`button[data-user="${CSS.escape(String(p.uri))}"]`);
    if (!b) return;
    if (b.dataset.state !== p.state) log(`${p.uri} is ${p.state}${p.note ? ` (${p.note})` : ''}`);
    this.show(b, p.state, p.note);
  }

  /** Calling is possible (no call, logged in) or not. */
  enable(on) {
    for (const b of $('colleagues').querySelectorAll('button')) b.disabled = !on;
  }

  lamp(user) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'colleague';
    b.dataset.user = user;
    const dot = document.createElement('span');
    dot.className = 'lamp';
    dot.setAttribute('aria-hidden', 'true');
    const call = document.createElement('span');
    call.className = 'sr-only';
    call.textContent = 'Call ';
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = user;
    const sep = document.createElement('span');
    sep.className = 'sr-only';
    sep.textContent = ', ';
    const state = document.createElement('span');
    state.className = 'state';
    b.append(dot, call, name, sep, state);
    li.append(b);
    this.show(b, 'unknown', '');
    return li;
  }

  show(b, state, note) {
    const s = STATES.has(state) ? state : 'unknown';
    const word = lampText(s);
    b.dataset.state = s;
    b.querySelector('.state').textContent = word;
    b.title = note ? `${word}: ${note}` : `Call ${b.dataset.user}`;
  }
}
