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

const roleWords = { microphone: 'microphone', speaker: 'speaker', ringtone: 'ringtone device' };

/** A chosen device went away and kazoo fell back to the default (onAudioDeviceChange). */
export function deviceLostText(role, label) {
  const what = roleWords[role] || 'device';
  return `${label ? `${label} was` : `Your ${what} was`} unplugged; using the default ${what}.`;
}

/** A number for people: whole above 10, one decimal below. */
function num(v) {
  const n = Number(v);
  if (!Number.isFinite(n)) return '';
  return String(Math.abs(n) >= 10 || Number.isInteger(n) ? Math.round(n) : Math.round(n * 10) / 10);
}

const has = (v) => v !== null && v !== undefined && Number.isFinite(Number(v));

/**
 * A raised quality warning (onQualityWarning {name, value, threshold}) in
 * words; value is in the threshold's unit (ms, percent, MOS or a level).
 */
export function qualityText(w) {
  const v = w && w.value;
  switch (w && w.name) {
    case 'high-rtt':
      return `Your connection is slow: the other person hears you late${has(v) ? ` (round trip ${num(v)} ms)` : ''}.`;
    case 'high-jitter':
      return `Your connection is uneven: the sound may stutter${has(v) ? ` (jitter ${num(v)} ms)` : ''}.`;
    case 'high-packet-loss':
      return has(v) ? `Audio is breaking up: ${num(v)} % of the sound is lost.` : 'Audio is breaking up: some of the sound is lost.';
    case 'low-mos':
      return `Call quality is poor${has(v) ? ` (score ${num(v)} of 4.5)` : ''}.`;
    case 'no-audio-received':
      return 'You can\'t hear the other person: no sound is arriving.';
    case 'constant-audio-input-level':
      return 'Your microphone seems dead: check it or pick another one.';
    case 'speaking-while-muted':
      return 'You\'re muted — the other person can\'t hear you.';
    case 'ice-connectivity-lost':
      return 'The connection dropped; trying to recover…';
    default:
      return `Call quality problem: ${(w && w.name) || 'unknown'}.`;
  }
}

/** A short name of a warning, for lists (the connection check's result). */
export function warningName(name) {
  return {
    'high-rtt': 'slow connection (high round trip)',
    'high-jitter': 'uneven connection (jitter)',
    'high-packet-loss': 'sound lost on the way',
    'low-mos': 'poor quality',
    'no-audio-received': 'no sound arriving',
    'constant-audio-input-level': 'microphone seems dead',
    'speaking-while-muted': 'speaking while muted',
    'ice-connectivity-lost': 'connection dropped',
  }[name] || name;
}

/** The MOS band of a quality report, as a word and what it means. */
export function bandText(band) {
  switch (band) {
    case 'excellent': return { word: 'Excellent', meaning: 'calls should sound clear.' };
    case 'great': return { word: 'Great', meaning: 'calls should sound clear.' };
    case 'good': return { word: 'Good', meaning: 'calls should sound fine.' };
    case 'fair': return { word: 'Fair', meaning: 'calls may sound a little rough.' };
    case 'degraded': return { word: 'Poor', meaning: 'calls will be hard to understand.' };
    default: return { word: 'Unknown', meaning: 'the check could not measure the sound.' };
  }
}

/** A {min, avg, max} range in unit: "12 ms (8–20)"; '' when not measured. */
export function rangeText(r, unit) {
  if (!r || !has(r.avg)) return '';
  const u = unit === '%' ? ' %' : ` ${unit}`;
  const spread = has(r.min) && has(r.max) && num(r.min) !== num(r.max) ? ` (${num(r.min)}–${num(r.max)})` : '';
  return `${num(r.avg)}${u}${spread}`;
}

/** The connection check's failure in words (preflight's rejection). */
export function checkErrorText(err, uri, ctx) {
  const key = err && err.key;
  if (key === 'request_failed') {
    if (err.code === 404 || err.code === 480 || err.code === 484 || err.code === 604) return `The connection check is not available here: the echo test (${uri}) does not answer (${err.code}).`;
    return `The connection check failed: the echo test (${uri}) did not work${err.code ? ` (${err.code})` : ''}.`;
  }
  if (key === 'invalid_call_state') return 'The connection check cannot run during a call.';
  return `The connection check failed. ${errorText(err, ctx)}`;
}

/** The number (user part) of a SIP address: 'sip:1001@example.com' → '1001'. */
export function userOf(uri) {
  return String(uri || '').replace(/^sips?:/i, '').replace(/[@;?].*$/, '');
}

/** Why a message was not delivered (sendMessage's rejection), in words. */
export function messageFailText(err, who) {
  if (!err || err.key !== 'message_failed') {
    if (err && err.key === 'not_supported') return 'Messages need WebRTC: log in without "Audio without WebRTC".';
    return errorText(err);
  }
  const code = Number(err.code) || 0;
  const why = {
    404: `${who} does not exist`,
    604: `${who} does not exist`,
    480: `${who} is not reachable right now`,
    408: `${who} did not answer in time`,
    403: 'you may not send messages there',
    486: `${who} is busy`,
    600: `${who} is busy`,
    603: `${who} declined the message`,
    413: 'the message is too long',
    415: `${who} cannot read this kind of message`,
    488: `${who} cannot read this kind of message`,
  }[code] || 'the server refused it';
  return `Not delivered: ${why}${code ? ` (${code})` : ''}.`;
}

/** A colleague's lamp (onPresence's state) in words: its label, not colour only. */
export function lampText(state) {
  switch (state) {
    case 'idle': return 'Available';
    case 'ringing': return 'Ringing';
    case 'busy': return 'On the phone';
    case 'offline': return 'Offline';
    default: return 'Unknown';
  }
}
