// How a call looks: the call panel's state, who, status line, timer,
// toggles and DTMF digits; and the incoming-call dialog. The call is the
// page's own record ({kind, state, name, number, muted, held, sent,
// received, transferTo, startedAt, …}); names from the network are only
// set as textContent.
import { $ } from './ui.js';
import { clock } from './words.js';

/** The call is answered (held or not). */
export const isUp = (c) => !!c && (c.state === 'active' || c.state === 'held');

export function callStatusText(c) {
  if (c.transferTo) return `Transferring to ${c.transferTo}…`;
  switch (c.state) {
    case 'calling': return c.transferred ? 'Connecting you…' : 'Calling…';
    case 'ringing': return 'Ringing…';
    case 'incoming': return 'Incoming call…';
    case 'connecting': return 'Connecting…';
    case 'held': return 'On hold';
    case 'active': return c.kind === 'echo' ? 'Audio test: speak, you should hear yourself' : 'In call';
    default: return '';
  }
}

/** Shows call c (null: idle). */
export function renderCall(c) {
  const panel = $('callPanel');
  panel.dataset.state = c ? c.state : 'idle';
  panel.dataset.kind = c ? c.kind : '';
  const up = isUp(c);
  if (c) {
    $('peerName').textContent = c.name;
    $('peerNumber').textContent = c.number;
    $('callStatus').textContent = callStatusText(c);
  }
  $('muteBtn').setAttribute('aria-pressed', String(!!(c && c.muted)));
  $('holdBtn').setAttribute('aria-pressed', String(!!(c && c.held)));
  for (const id of ['muteBtn', 'holdBtn', 'transferToggle']) $(id).disabled = !up || (id !== 'holdBtn' && !!c.transferTo);
  if (!up) openTransfer(false, c);
  const sent = c ? c.sent : '';
  const received = c ? c.received : '';
  $('dtmfSent').textContent = sent;
  $('dtmfReceived').textContent = received;
  $('dtmfSentWrap').hidden = !sent;
  $('dtmfReceivedWrap').hidden = !received;
  $('digitsLine').hidden = !sent && !received;
}

/** Opens or closes the small transfer form (only in an answered call). */
export function openTransfer(open, c) {
  const show = open && isUp(c);
  $('transferForm').hidden = !show;
  $('transferToggle').setAttribute('aria-expanded', String(show));
  if (show) $('transferTarget').focus();
}

let clockTimer = null;
/** Runs the mm:ss timer from call.startedAt. */
export function startCallClock(call) {
  stopCallClock();
  const tick = () => {
    if (call.startedAt) $('timer').textContent = clock(Date.now() - call.startedAt);
  };
  tick();
  clockTimer = setInterval(tick, 250);
}
export function stopCallClock() {
  clearInterval(clockTimer);
  clockTimer = null;
  $('timer').textContent = '00:00';
}

/** Opens the incoming-call dialog (modal: the focus moves into it, on Answer). */
export function showIncoming(c) {
  const d = $('incomingDialog');
  $('incomingName').textContent = c.name || 'Unknown caller';
  $('incomingNumber').textContent = c.number;
  $('incomingInitial').textContent = (c.name || '?').replace(/^[^\p{L}\p{N}]+/u, '').charAt(0).toUpperCase() || '?';
  $('announcer').textContent = `Incoming call from ${c.name}${c.number ? `, ${c.number}` : ''}`;
  if (!d.open) d.showModal();
  $('answerBtn').focus();
  // A page in a background tab shows the call in its title.
  if (!d.dataset.title) d.dataset.title = document.title;
  document.title = `Incoming call: ${c.name} — kazoo`;
}

export function closeIncoming() {
  const d = $('incomingDialog');
  if (d.open) d.close();
  $('announcer').textContent = '';
  if (d.dataset.title) document.title = d.dataset.title;
  delete d.dataset.title;
}
