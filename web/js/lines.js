// Several calls at once (register({maxLines, autoHold})): the page's book
// of its lines and the list that shows them under the call panel while
// more than one call exists. Each row says who, the call's state in
// words and its duration, with buttons: Answer and Decline for a call
// ringing in, Switch to for a call waiting on hold, Hold/Resume for the
// current call, Hang up.
//
// The book mirrors the library's own (kazoo keeps the same rules): a new
// call becomes current only when no call is; answering, placing or
// switching to a call makes it current (autoHold holds the one before);
// when the current call ends, the call current before it is current
// again (else the oldest left), still on hold until the person resumes
// it. The current call is the one the call panel shows.
//
// Records are the page's call records (see calls.js newCall); names and
// numbers from the network are only set as textContent.
import { $ } from './ui.js';
import { clock } from './words.js';
import { isUp } from './callview.js';

/** A record's state in a few words, for its row. */
export function lineStateText(r) {
  if (r.transferTo) return 'Transferring…';
  switch (r.state) {
    case 'incoming': return 'Ringing';
    case 'calling': return 'Calling…';
    case 'ringing': return 'Ringing…';
    case 'connecting': return 'Answering…';
    case 'held': return 'On hold';
    case 'active': return 'Active';
    default: return '';
  }
}

const BUTTONS = [
  ['answer', 'Answer', 'btn primary small'],
  ['decline', 'Decline', 'btn ghost small'],
  ['switch', 'Switch to', 'btn primary small'],
  ['hold', 'Hold', 'btn small'],
  ['hangup', 'Hang up', 'btn danger small'],
];

export class Lines {
  /**
   * actions: {answer(r), decline(r), switchTo(r), toggleHold(r),
   * hangUp(r)}, what the row buttons do.
   */
  constructor(actions) {
    this.actions = actions;
    this.records = []; // live calls, oldest first
    this.recent = []; // in the order they were last current, latest last
    this.rows = new Map(); // record id → <li>
    this.timer = null;
  }

  wire() {
    $('lines').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-act]');
      const li = b && b.closest('li[data-line]');
      const r = li && this.records.find((x) => String(x.id) === li.dataset.line);
      if (!r || b.disabled) return;
      const act = { answer: 'answer', decline: 'decline', switch: 'switchTo', hold: 'toggleHold', hangup: 'hangUp' }[b.dataset.act];
      this.actions[act](r);
    });
  }

  // ---------------------------------------------------------------- the book

  /** Books a new call; it becomes current when none is. */
  add(r) {
    if (this.records.includes(r)) return;
    this.records.push(r);
    if (!this.recent.length) this.recent.push(r);
  }

  has(r) { return this.records.includes(r); }

  /** The record of a kazoo call object, or null. */
  find(obj) { return (obj && this.records.find((r) => r.obj === obj)) || null; }

  /** The current call's record (null: no call). */
  current() { return this.recent.at(-1) || null; }

  makeCurrent(r) {
    this.add(r);
    this.recent = this.recent.filter((x) => x !== r);
    this.recent.push(r);
  }

  /** Removes r; returns the current record after it (the one before r when r was current). */
  end(r) {
    this.records = this.records.filter((x) => x !== r);
    this.recent = this.recent.filter((x) => x !== r);
    if (!this.recent.length && this.records.length) this.recent.push(this.records[0]);
    return this.current();
  }

  /** next takes old's place (the consult call took over when the first call ended). */
  replace(old, next) {
    this.records = this.records.map((x) => (x === old ? next : x));
    this.recent = this.recent.map((x) => (x === old ? next : x));
  }

  /** The records other than r that were answered. */
  othersUp(r) { return this.records.filter((x) => x !== r && isUp(x)); }

  clear() {
    this.records = [];
    this.recent = [];
  }

  // ---------------------------------------------------------------- the list

  /**
   * Shows the list when more than one call exists. busy: another
   * operation (a consult call) holds the lines: answering and switching
   * wait.
   */
  render({ busy = false } = {}) {
    const hadFocus = $('lines').contains(document.activeElement);
    this.show(busy);
    // A row's button that went (its call ended, or became current) leaves
    // the focus with the call panel, not lost on the page.
    const f = document.activeElement;
    if (hadFocus && (!f || f === document.body || f.offsetParent === null)) $('callInfo').focus();
  }

  show(busy) {
    const show = this.records.length > 1;
    $('lineList').hidden = !show;
    $('callPanel').dataset.lines = show ? String(this.records.length) : '';
    clearInterval(this.timer);
    this.timer = null;
    if (!show) {
      $('lines').replaceChildren();
      this.rows.clear();
      return;
    }
    $('linesCount').textContent = String(this.records.length);
    const cur = this.current();
    const keep = new Set();
    for (const r of this.records) {
      let li = this.rows.get(r.id);
      if (!li) {
        li = this.row(r);
        this.rows.set(r.id, li);
      }
      keep.add(r.id);
      this.fill(li, r, r === cur, busy);
      $('lines').append(li); // in book order (append moves an existing row)
    }
    for (const [id, li] of this.rows) {
      if (!keep.has(id)) { li.remove(); this.rows.delete(id); }
    }
    this.tick();
    this.timer = setInterval(() => this.tick(), 1000);
  }

  row(r) {
    const li = document.createElement('li');
    li.className = 'line';
    li.dataset.line = String(r.id);
    const who = document.createElement('span');
    who.className = 'line-who';
    const name = document.createElement('span');
    name.className = 'line-name';
    const number = document.createElement('span');
    number.className = 'line-number';
    who.append(name, ' ', number);
    const state = document.createElement('span');
    state.className = 'line-state';
    const time = document.createElement('time');
    time.className = 'line-time';
    const acts = document.createElement('span');
    acts.className = 'line-actions';
    for (const [act, text, cls] of BUTTONS) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = cls;
      b.dataset.act = act;
      b.textContent = text;
      acts.append(b);
    }
    li.append(who, state, time, acts);
    return li;
  }

  fill(li, r, current, busy) {
    li.dataset.state = r.state;
    if (current) li.setAttribute('aria-current', 'true'); else li.removeAttribute('aria-current');
    li.querySelector('.line-name').textContent = r.name || 'Unknown caller';
    li.querySelector('.line-number').textContent = r.number;
    li.querySelector('.line-state').textContent = lineStateText(r);
    const up = isUp(r) && !!r.obj && !r.transferTo;
    const ringingIn = r.state === 'incoming';
    const show = {
      answer: ringingIn,
      decline: ringingIn,
      switch: up && !current,
      hold: up && current,
      hangup: !ringingIn && r.state !== 'connecting',
    };
    const who = r.name || 'the caller';
    for (const b of li.querySelectorAll('button[data-act]')) {
      const act = b.dataset.act;
      b.hidden = !show[act];
      b.disabled = busy && (act === 'answer' || act === 'switch' || act === 'hold');
      if (act === 'hold') {
        b.textContent = r.held ? 'Resume' : 'Hold';
        b.setAttribute('aria-pressed', String(!!r.held));
      }
      b.setAttribute('aria-label', `${b.textContent} ${who}`);
    }
  }

  /** Brings r's row into view (a call ringing in), without moving the focus. */
  reveal(r) {
    const li = this.rows.get(r.id);
    if (li) li.scrollIntoView({ block: 'nearest' });
  }

  /** The durations: since the answer, or since the call began ringing. */
  tick() {
    const now = Date.now();
    for (const r of this.records) {
      const li = this.rows.get(r.id);
      if (li) li.querySelector('.line-time').textContent = clock(now - (r.startedAt || r.created));
    }
  }
}
