// The page's calls: kazoo's call callbacks, and what the call panel's and
// the line list's buttons do. The call panel shows the current call
// (app.call); with several calls (see lines.js) the others wait in the
// line list, on hold or ringing. A call ringing in while another goes on
// does not take the screen: it shows in the list (and a notice) with
// Answer and Decline, and answering it holds the current call (autoHold).
//
// Operations act on the call they are about (its own object's methods),
// so that the page and the library agree on which call a click means.
import { $, log, notify, clearNotice } from './ui.js';
import { errorText, cancelText, clock, userOf } from './words.js';
import {
  isUp, renderCall, startCallClock, stopCallClock, showIncoming as showIncomingDialog, closeIncoming,
} from './callview.js';

export class Calls {
  /**
   * app: the page's state (app.call is the current call's record);
   * sounds, meters, warnings, devices, check, lines: the page's parts;
   * consult(): the Consult; problem(err), errorContext(), render(),
   * openTransfer(open): the page's.
   */
  constructor(deps) {
    Object.assign(this, deps);
    this.seq = 0;
  }

  /** The callbacks register() gets for calls. */
  callbacks() {
    return {
      onIncoming: (c) => this.onIncoming(c),
      onAccepted: (c) => this.onAccepted(c),
      onHangup: (c) => this.onHangup(c),
      onCancel: (d, c) => this.onCancel(d, c),
      onRinging: (p, c) => this.onRinging(p, c),
      onTransfer: (c) => this.onTransfer(c),
      onDTMF: (digit, c) => this.onDTMF(digit, c),
    };
  }

  /** A new record of a call. */
  newCall(kind, { name = '', number = '', obj = null } = {}) {
    return {
      id: ++this.seq, kind, obj, name, number,
      state: 'calling', created: Date.now(), startedAt: 0, muted: false, held: false,
      sent: '', received: '', transferTo: '', transferred: false,
    };
  }

  /** Makes r the current call, as the library just did. */
  setCurrent(r) {
    this.lines.makeCurrent(r);
    this.app.call = r;
  }

  // ---------------------------------------------------------------- callbacks

  /** Whether obj is the consult call's (a line's own object is never). */
  isConsult(obj) {
    return !this.lines.find(obj) && this.consult().owns(obj);
  }

  /**
   * The page's record of a callback's call: a line's, the consult call's,
   * else the current call when its object is not known yet (connect()
   * has not resolved), else null: an old call's late news.
   */
  recordOf(obj) {
    const r = this.lines.find(obj);
    if (r) return r;
    const consult = this.consult();
    if (consult.owns(obj)) return consult.call;
    const c = this.app.call;
    return c && (!obj || !c.obj) ? c : null;
  }

  onIncoming(c) {
    const { app } = this;
    if (app.phase !== 'registered') return;
    if (this.check.running) { // the connection check is a call of its own
      c.reject(486).catch(() => {});
      log(`busy: refused a call from ${c.callerNumber || c.remoteUri}`);
      return;
    }
    const number = c.callerNumber || c.remoteUri || '';
    const r = this.newCall('incoming', { name: c.callerName || number, number: c.callerName ? number : '', obj: c });
    r.state = 'incoming';
    log(`incoming call from ${c.callerName ? `${c.callerName} ` : ''}<${c.remoteUri}>`);
    const busy = !!app.call;
    this.lines.add(r);
    if (!busy) {
      app.call = r;
      this.render();
      this.showIncoming(r);
      return;
    }
    // A call goes on: this one waits in the line list.
    const who = `${r.name}${r.number ? ` (${r.number})` : ''}`;
    notify('waiting', `${who} is calling. Answer puts ${app.call.name} on hold.`, { id: `waiting:${r.id}` });
    $('announcer').textContent = `Another call: ${who}. It is in the list of calls.`;
    this.sounds.waiting();
    this.render();
    this.lines.reveal(r);
  }

  onRinging(p, obj) {
    log(`ringing (${p.code}${p.earlyMedia ? ', early media' : ''})`);
    if (this.isConsult(obj)) { this.consult().ringing(p); return; }
    const c = this.recordOf(obj);
    if (!c || c.kind === 'incoming' && !c.transferred) return;
    if (c.state === 'calling' || c.state === 'ringing') {
      c.state = 'ringing';
      // With early media the far end plays its own ringback.
      if (c === this.app.call) {
        if (p.earlyMedia) this.sounds.stop(); else this.sounds.play('ringback');
      }
      this.render();
    }
  }

  onAccepted(obj) {
    log('call answered');
    if (this.isConsult(obj)) { this.consult().accepted(obj); return; }
    const c = this.recordOf(obj);
    if (!c) return;
    if (obj) c.obj = obj;
    if (c !== this.app.call) { // an outgoing line answered while another was current
      c.state = 'active';
      c.startedAt = Date.now();
      this.render();
      return;
    }
    this.setActive(c);
  }

  onHangup(obj) {
    if (this.isConsult(obj)) { log('consult call ended'); this.consult().hungUp(); return; }
    const c = this.recordOf(obj);
    if (!c) { log('call ended'); return; }
    const took = c.startedAt ? ` after ${clock(Date.now() - c.startedAt)}` : '';
    const text = c.transferTo ? `Call transferred to ${c.transferTo}.` : `Call with ${c.name} ended${took}.`;
    if (c !== this.app.call) { this.lineEnded(c, text); return; }
    const consult = this.consult();
    if (consult.call && !c.transferTo) { this.takeOverConsult(text); return; }
    consult.drop();
    this.currentEnded(text);
  }

  onCancel(d, obj) {
    log(`call not connected: ${d.code} ${d.message || ''} (${d.source})`);
    if (this.isConsult(obj)) { this.consult().cancelled(d); return; }
    const c = this.recordOf(obj);
    if (!c) return;
    const ringingIn = c.kind === 'incoming' && !c.transferred;
    const text = c.kind === 'echo' && d.source === 'remote'
      ? `The audio test (${c.number}) is not available here (${d.code || 'no answer'}).`
      : cancelText(d, c.name, ringingIn);
    clearNotice(`waiting:${c.id}`);
    if (ringingIn && d.source === 'remote') notify('missed', text, { id: `missed:${c.id}` });
    if (c !== this.app.call) { this.lineEnded(c, ringingIn ? '' : text); return; }
    this.currentEnded(text);
  }

  onTransfer(obj) {
    const c = this.recordOf(obj) || this.app.call;
    log('transfer succeeded');
    if (c && c.transferTo) notify('transfer', `Call transferred to ${c.transferTo}.`, { id: 'transfer', timeout: 15_000 });
  }

  onDTMF(digit, obj) {
    log(`DTMF received: ${digit}`);
    const c = this.recordOf(obj) || this.app.call;
    if (!c) return;
    c.received += digit;
    this.render();
  }

  /** register()'s onError for transfer_failed. */
  transferFailed() {
    if (this.app.call) this.app.call.transferTo = '';
    const k = this.consult().call;
    if (k) k.transferTo = '';
    this.render();
  }

  /** onNotified's call news: a transfer by the far end, a call replaced. */
  notified(n) {
    const c = this.app.call;
    if (n.key === 'transfer_notification') {
      const target = String(n.target || '').replace(/^sips?:/, '').replace(/@.*$/, '') || 'another number';
      notify('transfer', `The other person transferred your call to ${target}.`, { id: 'transfer', timeout: 15_000 });
      if (c) {
        // The call to target is a new call object (onAccepted brings it).
        Object.assign(c, { obj: null, name: target, number: '', state: 'calling', transferred: true, muted: false, held: false, sent: '', received: '' });
        stopCallClock();
        this.render();
      }
    } else if (n.key === 'call_replaced') {
      // We were the target of an attended transfer: the transferred
      // person's call took the place of ours, already answered.
      const number = userOf(n.remoteUri);
      const name = n.callerName || number;
      notify('transfer', `Call handed over: you are now talking with ${name}.`, { id: 'transfer', timeout: 15_000 });
      if (c) {
        Object.assign(c, { obj: n.call, name, number: n.callerName ? number : '', muted: false, held: false, sent: '', received: '', transferTo: '' });
        this.setActive(c);
      }
    }
  }

  // ---------------------------------------------------------------- ends

  /** The first call ended while consulting: the consult call becomes the call. */
  takeOverConsult(text) {
    const first = this.app.call;
    const k = this.consult().takeOver();
    this.lines.replace(first, k);
    this.setCurrent(k);
    log(text);
    notify('consult', `${text} You are in the call with ${k.name}.`, { id: 'consult', timeout: 15_000 });
    if (isUp(k)) startCallClock(k); else stopCallClock();
    this.render();
  }

  /** A call that is not the current one ended (it waited on hold, or rang in the list). */
  lineEnded(r, text) {
    this.lines.end(r);
    clearNotice(`waiting:${r.id}`);
    if (text) notify('call', text, { id: `ended:${r.id}`, timeout: 15_000 });
    this.render();
  }

  /**
   * The current call ended: the call current before it is the current
   * call now, still on hold (the panel shows it; Resume takes it back),
   * or a call still ringing shows its dialog; with no call left, back to
   * the dialpad.
   */
  currentEnded(text) {
    const c = this.app.call;
    const next = this.lines.end(c);
    if (!next) { this.finishCall(text); return; }
    this.app.call = next;
    this.sounds.stop();
    closeIncoming();
    this.warnings.clear();
    $('transferForm').hidden = true;
    if (text) {
      const then = next.state === 'incoming' ? `${next.name} is calling.`
        : isUp(next) ? `${next.name} is ${next.held ? 'on hold: Resume to talk' : 'with you'}.` : '';
      notify('call', `${text} ${then}`.trim(), { id: `ended:${c.id}`, timeout: 15_000 });
    }
    if (isUp(next)) startCallClock(next); else stopCallClock();
    this.render();
    if (next.state === 'incoming') { clearNotice(`waiting:${next.id}`); this.showIncoming(next); return; }
    const f = document.activeElement;
    if (!f || f === document.body || f.offsetParent === null) $('callInfo').focus();
  }

  /** The call is over (or never was) and no other is left: back to the dialpad with a last word. */
  finishCall(text) {
    const c = this.app.call;
    this.app.call = null;
    this.lines.clear();
    this.sounds.stop();
    closeIncoming();
    stopCallClock();
    this.meters.stop();
    this.warnings.clear();
    $('transferForm').hidden = true;
    if (text) {
      $('lastCall').textContent = text;
      log(text);
    }
    this.render();
    // Keep keyboard users in the phone: focus the number when focus was in the call.
    if (c && this.app.phase === 'registered') {
      const f = document.activeElement;
      if (!f || f === document.body || $('callPanel').contains(f) && f.offsetParent === null || f === $('callInfo')) $('number').focus();
    }
  }

  // ---------------------------------------------------------------- actions

  async dial(target, kind = 'outgoing', label = '') {
    const { app } = this;
    target = target.trim();
    if (app.phase !== 'registered' || app.call || this.check.running) return;
    if (!target) {
      $('lastCall').textContent = 'Type a number to call.';
      $('number').focus();
      return;
    }
    this.sounds.unlock();
    const c = this.newCall(kind, { name: label || target, number: label ? target : '' });
    this.setCurrent(c);
    $('lastCall').textContent = '';
    log(`calling ${target}`);
    this.render();
    $('callInfo').focus();
    try {
      const obj = await kazoo.connect(target);
      if (this.lines.has(c)) c.obj = obj;
    } catch (err) {
      if (app.call !== c) return;
      this.problem(err);
      this.currentEnded(errorText(err, this.errorContext()));
    }
  }

  setActive(c) {
    if (this.app.call !== c) return;
    this.sounds.stop();
    c.state = c.held ? 'held' : 'active';
    c.startedAt = Date.now();
    startCallClock(c);
    this.meters.start();
    this.render();
    this.devices.refresh(); // the microphone is open now: the devices have their names
  }

  /** Answers r: the current call's (the dialog's) or a call ringing in the list. */
  async answer(r = this.app.call) {
    const { app } = this;
    if (!r || r.state !== 'incoming' || this.consult().call) return;
    const prev = app.call;
    this.sounds.stop();
    if (r === prev) closeIncoming();
    clearNotice(`waiting:${r.id}`);
    r.state = 'connecting';
    this.render();
    log(`answering ${r.name}`);
    try {
      await r.obj.accept();
    } catch (err) {
      this.problem(err);
      if (!this.lines.has(r) || r.state !== 'connecting') return;
      if (r === app.call) this.currentEnded(errorText(err, this.errorContext()));
      else { r.state = 'incoming'; this.render(); }
      return;
    }
    if (!this.lines.has(r)) return;
    if (prev && prev !== r && isUp(prev) && prev.obj?.held) {
      // autoHold held the call we were in.
      prev.held = true;
      prev.state = 'held';
      log(`${prev.name} on hold`);
      $('linesStatus').textContent = `${prev.name} is on hold. You are talking with ${r.name}.`;
    }
    this.setCurrent(r);
    this.setActive(r);
    $('callInfo').focus();
  }

  /** Declines a call ringing in (the dialog's or a line's). */
  decline(r = this.app.call) {
    if (!r || r.state !== 'incoming') return;
    if (r === this.app.call) { this.sounds.stop(); closeIncoming(); }
    clearNotice(`waiting:${r.id}`);
    log(`declining ${r.name}`);
    r.obj.reject(603).catch((err) => {
      this.problem(err);
      if (!this.lines.has(r)) return;
      if (r === this.app.call) this.currentEnded('Call declined.'); else this.lineEnded(r, '');
    });
  }

  /** Hangs up r (the current call by default). */
  hangUp(r = this.app.call) {
    const c = r;
    if (!c) return;
    if (c.state === 'incoming') { this.decline(c); return; }
    log(`hanging up ${c.name}`);
    (c.obj ? c.obj.hangup() : kazoo.hangup()).catch((err) => {
      if (!this.lines.has(c)) return;
      if (err.key !== 'no_call') { this.problem(err); return; }
      if (c === this.app.call) this.currentEnded('Call ended.'); else this.lineEnded(c, '');
    });
  }

  /** Makes the answered line r current: the library holds the current call and resumes r. */
  async switchTo(r) {
    const { app } = this;
    const prev = app.call;
    if (!isUp(r) || !r.obj || r === prev || this.consult().call) return;
    log(`switching to ${r.name}`);
    try {
      await kazoo.switchTo(r.obj);
    } catch (err) {
      this.problem(err);
      return;
    }
    if (!this.lines.has(r)) return;
    // The library's call.held says whether holding prev worked (a failed
    // hold reached onError and the switch went on).
    const prevHeld = !!(prev && isUp(prev) && this.lines.has(prev) && prev.obj?.held);
    if (prevHeld) {
      prev.held = true;
      prev.state = 'held';
    }
    r.held = false;
    r.state = 'active';
    this.setCurrent(r);
    $('linesStatus').textContent = `You are talking with ${r.name}${prevHeld ? `; ${prev.name} is on hold` : ''}.`;
    this.warnings.clear();
    startCallClock(r);
    this.render();
  }

  toggleMute() {
    const c = this.app.call;
    if (!isUp(c)) return;
    const on = !c.muted;
    const done = () => {
      if (this.app.call !== c) return;
      c.muted = on;
      log(on ? 'microphone muted' : 'microphone on');
      this.render();
      this.warnings.render();
    };
    (c.obj ? c.obj.mute(on) : kazoo.muteMicrophone(on)).then(done, (err) => this.problem(err));
  }

  /**
   * Holds or resumes the current call. Resuming goes through switchTo:
   * a call kazoo held to answer another (autoHold) gets its microphone
   * back that way.
   */
  async toggleHold(r = this.app.call) {
    const c = r;
    if (!isUp(c) || c !== this.app.call) return;
    const on = !c.held;
    $('holdBtn').disabled = true;
    try {
      if (on) await (c.obj ? c.obj.hold(true) : kazoo.hold(true));
      else await (c.obj ? kazoo.switchTo(c.obj) : kazoo.hold(false));
      if (this.lines.has(c)) {
        c.held = on;
        c.state = on ? 'held' : 'active';
        log(on ? `${c.name} on hold` : `${c.name} resumed`);
      }
    } catch (err) {
      this.problem(err);
    } finally {
      $('holdBtn').disabled = false;
      this.render();
    }
  }

  async transfer(e) {
    e.preventDefault();
    const c = this.app.call;
    const target = $('transferTarget').value.trim();
    if (!isUp(c) || !target) { $('transferTarget').focus(); return; }
    c.transferTo = target;
    this.openTransfer(false);
    $('transferTarget').value = '';
    log(`transferring to ${target}`);
    this.render();
    try {
      await (c.obj ? c.obj.transfer(target) : kazoo.transfer(target));
    } catch (err) {
      if (this.lines.has(c)) c.transferTo = '';
      this.problem(err);
      this.render();
    }
  }

  showIncoming(c) {
    showIncomingDialog(c);
    this.sounds.play('ringtone');
  }

  /** Shows the current call in the panel, and the line list. */
  renderCalls() {
    renderCall(this.app.call);
    this.lines.render({ busy: !!this.consult().call });
  }
}
