// Plain words for what kazoo reports: error keys, call endings and
// notifications. The stable key stays available to the page (data-key).

/** The sentence a person reads for a kazoo error {key, message, code}. */
export function errorText(err, ctx = {}) {
  const key = err && err.key;
  const detail = err && err.message ? err.message : '';
  switch (key) {
    case 'unauthorized':
      return 'Wrong user name or password.';
    case 'forbidden':
      return 'This account is not allowed to log in here.';
    case 'server_not_reachable':
      return ctx.rtmp
        ? `Cannot reach the audio relay at ${ctx.relayUrl || 'its address'}. Check your connection, or log in without "Audio without WebRTC".`
        : `Cannot reach the server at ${ctx.wsUrl || 'its address'}. Check the address and your connection.`;
    case 'disconnected':
      return 'The connection to the server was lost. Reconnecting…';
    case 'registration_failed':
      return `The server did not accept the log-in${err.code ? ` (${err.code})` : ''}. Try again later.`;
    case 'rtmp_unavailable':
      return 'Audio without WebRTC is not possible in this browser (it needs microphone access and AudioWorklet on an https:// page).';
    case 'invalid_parameter':
      return `Please check the settings: ${detail}`;
    case 'not_registered':
      return 'You are not logged in.';
    case 'no_call':
      return 'There is no call right now.';
    case 'invalid_call_state':
      return 'That is not possible at this point of the call.';
    case 'media_error':
      return /denied|NotAllowed|permission/i.test(detail)
        ? 'The microphone is blocked. Allow microphone access for this page and try again.'
        : `There is a problem with the microphone or the call audio: ${detail}`;
    case 'transfer_failed':
      return 'The transfer did not work; you are still in the call.';
    case 'hold_failed':
      return 'The call could not be put on hold or resumed.';
    case 'request_failed':
      return 'The server did not accept that request.';
    case 'load_failed':
    case 'runtime_stopped':
      return 'The phone stopped working. Reload the page.';
    case 'internal_error':
      return 'Something went wrong inside the phone; it should still work.';
    default:
      return detail || 'Something went wrong.';
  }
}

/** Why a call ended without being answered (onCancel's {code, source}). */
export function cancelText(c, who, incoming) {
  const code = c && c.code;
  if (incoming) return c.source === 'local' ? 'Call declined.' : `Missed call from ${who}.`;
  if (c.source === 'local') return 'Call cancelled.';
  switch (code) {
    case 486:
    case 600:
      return `${who} is busy.`;
    case 603:
      return `${who} declined the call.`;
    case 404:
    case 604:
      return `${who} does not exist.`;
    case 480:
      return `${who} is not available right now.`;
    case 408:
      return `${who} did not answer.`;
    case 487:
      return 'Call cancelled.';
    case 403:
      return 'You are not allowed to call that number.';
    case 488:
    case 415:
      return `The call to ${who} failed: no common audio format.`;
    default:
      return `The call to ${who} failed${code ? ` (${code}${c.message ? ` ${c.message}` : ''})` : ''}.`;
  }
}

/** Words for a voicemail_notification. */
export function voicemailText(n) {
  const fresh = Number(n.newMessages) || 0;
  const old = Number(n.oldMessages) || 0;
  const plural = (k, w) => `${k} ${w} message${k === 1 ? '' : 's'}`;
  if (!n.waiting && !fresh) return '';
  return `Voicemail: ${plural(fresh, 'new')}, ${plural(old, 'old')}.`;
}

/** mm:ss (h:mm:ss after an hour). */
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${two(m)}:${two(s % 60)}` : `${two(m)}:${two(s % 60)}`;
}
