// Attended transfer from the call panel. "Consult" calls a number, which
// puts the current call on hold (register's autoHold): a second call,
// shown in its own box below the first. "Complete transfer" hands the first call's far end over to
// the consulted person (firstCall.transfer(consultCall): REFER with
// Replaces) and both our calls end; "Cancel" hangs up the consult call and
// resumes the first. When the consult call ends or fails by itself, the
// first call is resumed too. Records are the page's call records (see
// calls.js newCall); names are only set as textContent.
import { $, log, notify } from './ui.js';
import { errorText, cancelText } from './words.js';
import { isUp, callStatusText } from './callview.js';

export class Consult {
  /**
   * main(): the first call's record; newCall(kind, {name}): a new record;
   * sounds, problem(err), render(): the page's; rtmp(): whether the page
   * is on the RTMP path (one call only: no consult there).
   */
  constructor({ main, newCall, sounds, problem, render, rtmp }) {
    Object.assign(this, { main, newCall, sounds, problem, render, rtmp });
    this.call = null; // the consult call's record while consulting
  }

  wire() {
    $('consultToggle').addEventListener('click', () => this.open($('consultForm').hidden));
    $('consultFormCancel').addEventListener('click', () => { this.open(false); $('consultToggle').focus(); });
    $('consultForm').addEventListener('submit', (e) => { e.preventDefault(); this.start($('consultTarget').value); });
    $('consultTarget').addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { e.preventDefault(); this.open(false); $('consultToggle').focus(); }
    });
    $('completeTransferBtn').addEventListener('click', () => this.complete());
    $('cancelConsultBtn').addEventListener('click', () => this.cancel());
  }

  /** Whether a kazoo call object (a callback's argument) is the consult call. */
  owns(obj) {
    const k = this.call;
    if (!k || !obj) return false;
    if (k.obj) return k.obj === obj;
    const first = this.main();
    return !first || first.obj !== obj; // connect() has not resolved yet
  }

  open(show) {
    const on = show && this.possible();
    $('consultForm').hidden = !on;
    $('consultToggle').setAttribute('aria-expanded', String(on));
    if (on) {
      $('transferForm').hidden = true;
      $('transferToggle').setAttribute('aria-expanded', 'false');
      $('consultTarget').focus();
    }
  }

  possible() {
    const first = this.main();
    return isUp(first) && !!first.obj && !this.call && !first.transferTo && !this.rtmp();
  }

  async start(target) {
    target = String(target || '').trim();
    const first = this.main();
    if (!this.possible()) return;
    if (!target) { $('consultTarget').focus(); return; }
    this.open(false);
    $('consultTarget').value = '';
    const k = this.newCall('consult', { name: target });
    this.call = k;
    log(`consulting ${target}: holding ${first.name}`);
    this.render();
    $('consultBox').focus();
    // Placing the call holds the first one (register's autoHold).
    first.held = true;
    first.state = 'held';
    this.render();
    try {
      const obj = await kazoo.connect(target);
      // (The first call may have ended meanwhile: then k is the page's call.)
      if (this.call === k || this.main() === k) k.obj = obj;
    } catch (err) {
      if (this.call !== k) return;
      this.problem(err);
      this.ended(errorText(err));
    }
  }

  /** onRinging of the consult call. */
  ringing(p) {
    const k = this.call;
    if (k.state !== 'calling' && k.state !== 'ringing') return;
    k.state = 'ringing';
    if (p.earlyMedia) this.sounds.stop(); else this.sounds.play('ringback');
    this.render();
  }

  /** onAccepted of the consult call. */
  accepted(obj) {
    const k = this.call;
    k.obj = obj;
    k.state = 'active';
    k.startedAt = Date.now();
    this.sounds.stop();
    log(`${k.name} answered the consult call`);
    this.render();
  }

  /** onHangup of the consult call. */
  hungUp() {
    this.ended(this.main()?.transferTo ? '' : `Call with ${this.call.name} ended.`);
  }

  /** onCancel of the consult call. */
  cancelled(d) {
    this.ended(cancelText(d, this.call.name, false));
  }

  /** The consult call is over: back to the first call (unless it was transferred). */
  async ended(text) {
    this.call = null;
    this.sounds.stop();
    if (text) notify('consult', `${text} Back to ${this.main()?.name || 'your call'}.`, { id: 'consult', timeout: 15_000 });
    this.render();
    const first = this.main();
    if (!first || first.transferTo || !first.held || !first.obj) return;
    try {
      // switchTo resumes it with its microphone (autoHold silenced it).
      await kazoo.switchTo(first.obj);
      if (this.main() !== first) return;
      first.held = false;
      first.state = 'active';
      log(`${first.name} resumed`);
    } catch (err) {
      this.problem(err);
    }
    this.render();
    if (document.activeElement === document.body || $('consultBox').contains(document.activeElement)) $('callInfo').focus();
  }

  /** The first call ended while consulting: the consult call is the call now. */
  takeOver() {
    const k = this.call;
    this.call = null;
    k.kind = 'outgoing';
    return k;
  }

  /** Forget the consult call without touching it (the first call ended with a transfer). */
  drop() {
    this.call = null;
  }

  async complete() {
    const first = this.main();
    const k = this.call;
    if (!isUp(k) || !first || !first.obj || !k.obj || first.transferTo) return;
    first.transferTo = k.name;
    k.transferTo = k.name;
    log(`transferring ${first.name} to ${k.name}`);
    this.render();
    try {
      await first.obj.transfer(k.obj);
    } catch (err) {
      first.transferTo = '';
      k.transferTo = '';
      this.problem(err);
      this.render();
    }
  }

  async cancel() {
    const k = this.call;
    if (!k) return;
    log(`cancelling the consult call to ${k.name}`);
    try {
      await (k.obj ? k.obj.hangup() : kazoo.hangup());
    } catch (err) {
      if (this.call !== k) return;
      if (err.key === 'no_call') this.ended(''); else this.problem(err);
    }
  }

  /** Shows the consult box and the state of the call panel's consult controls. */
  show() {
    const k = this.call;
    const first = this.main();
    $('callPanel').dataset.consult = k ? 'on' : '';
    $('consultBox').hidden = !k;
    $('consultToggle').hidden = this.rtmp();
    $('consultToggle').disabled = !this.possible();
    if (!this.possible()) this.open(false);
    if (!k) return;
    $('consultName').textContent = k.name;
    $('consultStatus').textContent = callStatusText(k);
    $('completeTransferBtn').disabled = !isUp(k) || !!(first && first.transferTo);
    $('cancelConsultBtn').disabled = !!(first && first.transferTo);
    // While consulting, the first call waits on hold: its own controls rest.
    for (const id of ['muteBtn', 'holdBtn', 'transferToggle']) $(id).disabled = true;
  }
}
