// Type declarations for the kazoo softphone library, for both of its uses:
//
//   <script src=".../kazoo.js">   the global `kazoo` (this file's
//                                 `export as namespace`; in TypeScript,
//                                 /// <reference types="kazoo" />)
//   import { init } from 'kazoo'  the ES module's named exports (kazoo.mjs;
//                                 build.sh makes kazoo.d.mts: this file
//                                 plus the default export, the Kazoo
//                                 object)
//
// The error and notification keys are checked against the Go sources by
// cmd/kazoojs's tests: a key added there without its type fails them.

export as namespace kazoo;

/** Error keys a page can switch on: onError's and rejected promises' key. */
export type KazooErrorKey =
  | 'invalid_parameter'
  | 'server_not_reachable'
  | 'unauthorized'
  | 'forbidden'
  | 'disconnected'
  | 'registration_failed'
  | 'rtmp_unavailable'
  | 'internal_error'
  | 'not_registered'
  | 'no_call'
  | 'invalid_call_state'
  | 'media_error'
  | 'transfer_failed'
  | 'hold_failed'
  | 'request_failed'
  | 'device_not_found'
  | 'not_supported'
  | 'message_failed'
  | 'load_failed'
  | 'runtime_stopped';

/** What onError receives, and what rejected promises carry. */
export interface KazooError {
  key: KazooErrorKey;
  message: string;
  /** SIP status code, when a SIP response caused the error. */
  code?: number;
  /** The SIP status line that caused the error, when there was one. */
  source?: string;
}

/** What onProgress receives while kazoo.wasm downloads. */
export interface LoadProgress {
  /** Bytes of kazoo.wasm received so far (after any Content-Encoding is undone). */
  loaded: number;
  /**
   * Bytes expected: the size of the kazoo.wasm built with this loader, or
   * the response's Content-Length when it is not compressed; 0 when
   * unknown (or when more bytes arrived than expected). The last call
   * has loaded === total.
   */
  total: number;
}

export interface InitParams {
  /** Called once the library is ready. */
  onLoaded?: () => void;
  /**
   * Called as kazoo.wasm downloads, first with loaded 0, then after every
   * chunk with loaded increasing; the last call has loaded === total and
   * comes before onLoaded. Compiling still starts with the first bytes.
   */
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Called when RTMP mode is needed (forceRTMP, or no RTCPeerConnection)
   * but cannot work: the browser lacks AudioWorklet or getUserMedia, or
   * register() could not reach relayUrl. Without it, the container shows
   * the reason.
   */
  onFlashMissing?: (container: HTMLElement, error: KazooError) => void;
  /** Element, or its id, shown to the user when RTMP mode cannot work. */
  flashContainer?: string | HTMLElement;
  /** Use the RTMP path (kazoo-relay and a SIP-RTMP gateway) even where WebRTC works. */
  forceRTMP?: boolean;
  /**
   * Where kazoo.wasm is. By default next to the build in use: kazoo.js's
   * directory, or for the ES module the asset URL the bundler gave it. A
   * relative URL is resolved against kazoo.js's directory (script) or the
   * page (module). Only the first init() on a page loads.
   */
  wasmUrl?: string;
  /** Log SIP diagnostics to the console. */
  debug?: boolean;
}

export interface RegisterParams {
  /** SIP WebSocket URL, ws:// or wss:// (RFC 7118). */
  wsUrl: string;
  /** SIP address of record, e.g. sip:alice@example.com. */
  publicIdentity: string;
  /** Digest user name; the AOR's user by default. */
  privateIdentity?: string;
  password?: string;
  /** SIP domain / digest realm; the AOR's host by default. */
  realm?: string;
  displayName?: string;
  /** Registration lifetime asked for, seconds (60–86400, default 600). */
  registerExpires?: number;
  /** RFC 5626 instance UUID; by default one kept in localStorage. */
  instanceId?: string;
  /**
   * RTMP path (used with forceRTMP, or automatically when the browser has
   * no RTCPeerConnection): the gateway's base URL, e.g. rtmp://gw.example.com/sip;
   * the account is appended as <privateIdentity>@<realm>.
   */
  rtmpUrl?: string;
  /** RTMP path: kazoo-relay's WebSocket URL, ws:// or wss://. */
  relayUrl?: string;
  /** RTMP path: the token kazoo-relay asks for when it runs with -secret. */
  relayToken?: string;
  /** Use the RTMP path for this registration. */
  forceRTMP?: boolean;
  /** Reconnect attempts after a lost connection: -1 (default) forever, 0 off. */
  reconnectMaxAttempts?: number;
  /** Time before each reconnect attempt, ms (default 5000, at least 1000). */
  reconnectDelay?: number;
  /** RFC 5626 CRLF keepalive interval, ms (default 25000; 0 off). */
  keepaliveInterval?: number;
  /** Called when the registrar accepted the registration. */
  onConnected?: () => void;
  /** Called with every error; see KazooErrorKey. */
  onError?: (error: KazooError) => void;
  /** STUN/TURN servers, as in RTCConfiguration. */
  iceServers?: { urls: string | string[]; username?: string; credential?: string }[];
  /**
   * The longest an offer or answer waits for ICE candidates, ms (default
   * 400); it leaves as soon as the candidates that matter are in.
   */
  iceGatheringTimeout?: number;
  /**
   * What is kept ready for the next call while registered: 'full'
   * (default: a peer connection with candidates gathered and the
   * microphone open — the browser shows its recording indicator),
   * 'connection' (the microphone opens only for calls) or 'none'. Let go
   * on logout and while the page is hidden.
   */
  warmup?: 'full' | 'connection' | 'none';
  /** How sendDTMF sends: RTP events (default) or SIP INFO. */
  dtmfType?: 'rfc4733' | 'info';
  /**
   * How many calls may be live at once (at least 1). Without it: one
   * line for incoming calls (a second one is answered 486 Busy Here) and
   * no limit on placing calls, as before. With it, a call beyond the
   * limit is refused: incoming with 486 Busy Here, outgoing (connect)
   * with invalid_call_state ("all lines busy"). The RTMP path has one
   * call per gateway line whatever this says.
   */
  maxLines?: number;
  /**
   * Answering or placing a call first holds the current call (re-INVITE
   * sendonly, its microphone silenced so the held party hears nothing of
   * the other line). Default: true when more than one line is allowed
   * (maxLines > 1, or an alias below), else false.
   */
  autoHold?: boolean;
  /** Older name for "no line limit" (used when maxLines is absent). */
  allowIncomingWhileBusy?: boolean;
  /** Plivo's name for "no line limit" (used when maxLines is absent). */
  allowMultipleIncomingCalls?: boolean;
  /**
   * What the far end's transfer request (a SIP REFER: "call this URI
   * instead") does; following one calls that URI with this account.
   * 'ask' (default): onTransferRequest decides, and without it the
   * request is followed; 'accept': every request is followed; 'refuse':
   * every request is declined (603) and the call goes on. The RTMP path
   * has no transfer requests.
   */
  transferRequests?: 'ask' | 'accept' | 'refuse';
  /** A new incoming call, ringing. */
  onIncoming?: (call: Call) => void;
  /** Our outgoing call was answered. */
  onAccepted?: (call: Call) => void;
  /** An answered call ended (BYE from either side); call.end says how. */
  onHangup?: (call: Call) => void;
  /**
   * A call ended without being answered (rejected, busy, cancelled,
   * failed). source is 'remote' for the far end's and the system's ends
   * (call.end.originator tells them apart).
   */
  onCancel?: (details: { code: number; message: string; source: 'local' | 'remote' }, call: Call) => void;
  /** A provisional response (180, 183) to our call. */
  onRinging?: (progress: { code: number; earlyMedia: boolean }, call: Call) => void;
  /** Our transfer (blind or attended) of call succeeded. */
  onTransfer?: (call: Call) => void;
  /**
   * The far end of call asks us to call target instead (transferRequests
   * 'ask'). Return false, or a promise resolving false, to decline it
   * (603; the call goes on); anything else follows it. A throw, a
   * rejection, or no answer within 20 s declines it.
   */
  onTransferRequest?: (call: Call, target: string) => boolean | void | Promise<boolean | void>;
  /** A DTMF digit received in SIP INFO, in call. */
  onDTMF?: (digit: string, call: Call) => void;
  /** Registration, connectivity, voicemail and transfer news; switch on its key. */
  onNotified?: (notification: KazooNotification) => void;
  /**
   * The browser's audio devices changed (a headset plugged in or out).
   * When a device kazoo was told to use went away, its role fell back to
   * the default device (fallbacks), and calls in progress moved with it.
   */
  onAudioDeviceChange?: (change: AudioDeviceChange) => void;
  /** About ten times a second during a call: microphone and far-end levels, 0..1, for meters. */
  onVolume?: (volume: CallVolume) => void;
  /**
   * A quality warning was raised (active true) or cleared (active false).
   * Checked once a second; raised when 3 of the last 5 checks cross the
   * threshold, cleared when none of the last 5 do.
   */
  onQualityWarning?: (warning: QualityWarning) => void;
  /**
   * An instant message arrived (SIP MESSAGE) with a text/* content type;
   * it was answered 200. Without onMessage, messages are refused (480).
   */
  onMessage?: (message: KazooMessage) => void;
  /**
   * Thresholds of the quality warnings; the ones left out keep their
   * defaults (see QualityThresholds). A name that is not one of them, or
   * a value that is not a number in range, rejects register() with
   * invalid_parameter.
   */
  qualityThresholds?: Partial<QualityThresholds>;
  /**
   * Play a ring for incoming calls on the ringtone device (audio.ringtone)
   * until the call is answered or ends (default false: the page rings).
   */
  ringIncoming?: boolean;
  /**
   * One registration for every tab of this browser that has this account
   * open (same publicIdentity and wsUrl, each registering with
   * sharedTabs). The tab holding the account's Web Lock leads: it keeps
   * the WebSocket, the registration and the calls' SIP. The others follow
   * over a BroadcastChannel: they get onConnected, onIncoming (a call
   * rings in every tab), onAccepted when another tab answers, onHangup…
   * and can answer, dial, hang up, hold, mute, send DTMF, transfer
   * (blind) and send messages. A call's audio is in the tab that answered
   * or placed it (call.audioHere). When the leading tab closes, the next
   * one takes over: it registers with the same instance id (the binding
   * is replaced) and takes over the calls in progress by re-INVITE.
   * logout() takes only this tab out. Followers answer not_supported
   * for conference, attended transfer, subscribe and preflight. Needs
   * BroadcastChannel and Web Locks (a secure context); without them the
   * tab registers on its own, with a console warning. Default false.
   */
  sharedTabs?: boolean;
  /** A watched URI's state (see subscribe()). */
  onPresence?: (presence: KazooPresence) => void;
}

/** An audio device, as navigator.mediaDevices.enumerateDevices() lists it. */
export interface AudioDevice {
  deviceId: string;
  groupId: string;
  kind: 'audioinput' | 'audiooutput';
  /** Empty until the page has been allowed to use the microphone. */
  label: string;
}

/** What a device is used for. */
export type AudioDeviceRoleName = 'microphone' | 'speaker' | 'ringtone';

/** What onAudioDeviceChange receives. */
export interface AudioDeviceChange {
  added: AudioDevice[];
  removed: AudioDevice[];
  /** Roles whose chosen device went away; they now use the default device. */
  fallbacks: { role: AudioDeviceRoleName; lost: string }[];
  /** Every audio device now. */
  devices: AudioDevice[];
}

/** One device role of kazoo.audio. */
export interface AudioDeviceRole {
  /**
   * Use this device ('' or 'default': the browser's default). Calls in
   * progress move to it without renegotiation. Rejects with
   * device_not_found for an unknown ID, not_supported when the browser
   * cannot choose an output device (no setSinkId).
   */
  set(deviceId: string): Promise<void>;
  /** The chosen device's ID ('' for the default). */
  get(): Promise<string>;
  /** Back to the default device. */
  reset(): Promise<void>;
}

/** Audio devices: list them, and choose which kazoo uses. */
export interface KazooAudio {
  /** The audio devices, of one kind or both; labels once the microphone is allowed. */
  availableDevices(kind?: 'audioinput' | 'audiooutput'): Promise<AudioDevice[]>;
  /** The calls' microphone. */
  microphone: AudioDeviceRole;
  /** Where the calls' audio plays. */
  speaker: AudioDeviceRole;
  /** Where the incoming ring plays (register's ringIncoming). */
  ringtone: AudioDeviceRole;
}

/** What onVolume receives. */
export interface CallVolume {
  callId: string;
  /** The microphone's level, 0..1 (also while muted). */
  inputVolume: number;
  /** The far end's level as played, 0..1. */
  outputVolume: number;
}

/** The quality warnings. */
export type QualityWarningName =
  /** Round-trip time above highRttMs. */
  | 'high-rtt'
  /** Received jitter above highJitterMs. */
  | 'high-jitter'
  /** Received packets lost above highPacketLossPercent. */
  | 'high-packet-loss'
  /** The estimated MOS below lowMos. */
  | 'low-mos'
  /** One-way audio: no packets from the far end, or packets with no sound. */
  | 'no-audio-received'
  /** The microphone's level does not change at all (a dead microphone); not while muted. */
  | 'constant-audio-input-level'
  /** Someone speaks into the microphone while the call is muted. */
  | 'speaking-while-muted'
  /** ICE lost the path to the far end (disconnected or failed). */
  | 'ice-connectivity-lost';

/** What onQualityWarning receives. */
export interface QualityWarning {
  name: QualityWarningName;
  /** Raised (true) or cleared (false). */
  active: boolean;
  /** The measured value that decided it, in the threshold's unit (null when that check did not measure it). */
  value: number | null;
  threshold: number;
  callId: string;
}

/**
 * Thresholds of the quality warnings (register's qualityThresholds), by
 * warning name, in the units of the warning's value. Defaults:
 * 'high-rtt' 400 (ms, above), 'high-jitter' 30 (ms, above),
 * 'high-packet-loss' 1 (percent of the last second's packets, above),
 * 'low-mos' 3.5 (below), 'no-audio-received' 0.01 (level of the far
 * end's audio, 0..1, below), 'constant-audio-input-level' 0.001 (spread
 * of the microphone's level over a second, below),
 * 'speaking-while-muted' 0.4 (microphone level while muted, above).
 */
export type QualityThresholds = {
  [name in Exclude<QualityWarningName, 'ice-connectivity-lost'>]: number;
};

/** min / average / max of a measure over a call or a preflight (null: not measured). */
export interface QualityRange {
  min: number | null;
  avg: number | null;
  max: number | null;
}

/** MOS bands: > 4.2 excellent, 4.1–4.2 great, 3.7–4.1 good, 3.1–3.7 fair, below degraded. */
export type QualityBand = 'excellent' | 'great' | 'good' | 'fair' | 'degraded';

/** call.getQualityReport(): the audio statistics plus what kazoo measured of the call's quality. */
export interface QualityReport {
  callId: string;
  stats: CallStats;
  /**
   * The latest estimate of the mean opinion score, 1..4.5: ITU-T G.107's
   * E-model from round-trip time, jitter and packet loss.
   */
  mos: number | null;
  band: QualityBand | null;
  /** Over the call's checks so far (one a second). */
  rttMs: QualityRange;
  jitterMs: QualityRange;
  packetLossPercent: QualityRange;
  averageMos: number | null;
  samples: number;
  /** Warnings raised now, and every warning raised during the call. */
  activeWarnings: QualityWarningName[];
  warningsSeen: QualityWarningName[];
}

/** What preflight() resolves with. */
export interface PreflightReport {
  /** The URI called. */
  uri: string;
  /** The path the test call's audio took. */
  mode: 'webrtc' | 'rtmp';
  /** How long the call was measured once its audio flowed, ms. */
  durationMs: number;
  /**
   * ms from the dial to: the answer (signalling), ICE connected, DTLS
   * connected, the first packet received (polled every 50 ms; null when
   * the path has no such step: the RTMP path has no ICE or DTLS).
   */
  timings: { signalingMs: number | null; iceMs: number | null; dtlsMs: number | null; firstRtpMs: number | null };
  /** Whether the audio went through a TURN relay. */
  turnUsed: boolean;
  /** The selected ICE candidate pair's types ('host', 'srflx', 'prflx', 'relay'). */
  candidateTypes: { local: string; remote: string };
  rttMs: QualityRange;
  jitterMs: QualityRange;
  packetLossPercent: QualityRange;
  /** The average MOS over the measurement, and its band. */
  mos: number | null;
  band: QualityBand | null;
  /** Quality checks made (one a second). */
  samples: number;
  /** Every warning raised during the test. */
  warnings: QualityWarningName[];
  codec: string;
}

/** preflight()'s options. */
export interface PreflightOptions {
  /** Whom to call: an echo service (default '*43', kazoo-dev's echo test). */
  uri?: string;
  /** How long to measure once the call is answered, ms (default 10000). */
  durationMs?: number;
  /** STUN/TURN servers for this test instead of the registration's. */
  iceServers?: { urls: string | string[]; username?: string; credential?: string }[];
  /** Not registered yet: register() parameters to register with for the test (unregistered after it). */
  register?: RegisterParams;
}

/** Notification keys: onNotified's key. */
export type KazooNotificationKey = KazooNotification['key'];

/** What onNotified receives; `key` tells which. */
export type KazooNotification =
  /** A reconnect attempt starts (attempt counts from 1). */
  | { key: 'reconnecting_notification'; message: string; attempt: number }
  /** The browser went offline or came back (monitorConnectivity). */
  | { key: 'connectivity_notification'; message: string; status: 'online' | 'offline'; time: string }
  /** Registering replaced another device's binding (Kazoo's NOTIFY "Overwrote:"). */
  | { key: 'overriding_registration'; message: string; contact: string }
  /** Another device took this binding over; no reconnect follows ("Replaced-By:"). */
  | { key: 'replaced_registration'; message: string; contact: string }
  /** A message-summary (RFC 3842). */
  | { key: 'voicemail_notification'; message: string; waiting: boolean; newMessages: number; oldMessages: number; account?: string }
  /** The far end transferred the current call (REFER) to target. */
  | { key: 'transfer_notification'; message: string; target: string; source: 'REFER' }
  /**
   * An INVITE with Replaces (RFC 3891) took the current call's place (we
   * were the target of an attended transfer): call, already answered, is
   * now the current call; the old one ended without onHangup.
   */
  | { key: 'call_replaced'; message: string; call: Call; remoteUri: string; callerName: string; source: 'Replaces' }
  /** Any other NOTIFY outside a dialog. */
  | { key: 'unknown_notification'; message: string; event: string; body: string; contentType?: string };

/** Audio statistics of a WebRTC call, from RTCPeerConnection.getStats(). */
export interface WebRTCCallStats {
  mode: 'webrtc';
  inbound: { packets: number; bytes: number; packetsLost: number; jitter: number; audioEnergy: number; audioLevel: number; samplesDuration: number };
  outbound: { packets: number; bytes: number; audioEnergy: number; audioLevel: number };
  roundTripTime: number;
  codec: string;
  iceState: string;
  direction: string;
  state: 'ringing' | 'established' | 'ended';
}

/** Audio statistics of an RTMP-path call: 20 ms G.711 frames and played energy. */
export interface RTMPCallStats {
  mode: 'rtmp';
  inbound: { packets: number; packetsPlayed: number; packetsDropped: number; underruns: number; audioEnergy: number; bufferMs: number };
  outbound: { packets: number };
  codec: string;
  state: 'ringing' | 'established' | 'ended';
}

export type CallStats = WebRTCCallStats | RTMPCallStats;

/**
 * SIP header fields to send: JsSIP's array of 'Name: value' strings, or
 * an object {Name: value}. A name must be a SIP token, a value must hold
 * no CR, LF, NUL or other control character but tab, and the fields
 * kazoo writes itself (Via, From, To, Call-ID, CSeq, Contact,
 * Max-Forwards, Route, Record-Route, Content-Length, Content-Type,
 * Content-Encoding, Authorization, Proxy-Authorization, Expires, Allow,
 * Supported, Require, Proxy-Require, User-Agent, Path, …) cannot be
 * given: invalid_parameter names the field. At most 32 fields, 4096
 * bytes a value. The RTMP path cannot send any: not_supported.
 */
export type ExtraHeaders = string[] | Record<string, string>;

/** A received SIP header field. */
export interface SipHeader {
  name: string;
  value: string;
}

/** How a call ended. */
export interface CallEnd {
  /** The SIP status that ended an unanswered call (486, 487, …); 0 for a BYE. */
  code: number;
  reason: string;
  /**
   * Who ended it. 'local': this page (hangup, reject, cancel, a
   * completed transfer). 'remote': the far end (its BYE or CANCEL, or a
   * final failure response, a proxy's included). 'system': kazoo itself,
   * with no one asking (the INVITE got no answer or could not be sent,
   * the connection was lost, no ACK came, the media could not be
   * negotiated).
   */
  originator: 'local' | 'remote' | 'system';
}

/** A call, outgoing (connect's result) or incoming (onIncoming's argument). */
export interface Call {
  readonly id: string;
  readonly direction: 'outgoing' | 'incoming';
  /** Our address of record (sip:user@domain). */
  readonly localUri: string;
  /** The far end's SIP URI. */
  readonly remoteUri: string;
  /** The far end's display name ('' when it gave none). */
  readonly remoteName: string;
  /** kazoo.js's names: the far end's display name and the user part of its URI. */
  readonly callerName: string;
  readonly callerNumber: string;
  /** Kept up to date as the call goes on. */
  readonly state: 'ringing' | 'established' | 'ended';
  /** When the INVITE was sent or received. */
  readonly startedAt: Date;
  /** When the call was answered; null before (and if never). */
  readonly answeredAt: Date | null;
  /**
   * The header fields, in order, of the INVITE of an incoming call, or
   * of the 2xx that answered an outgoing one (empty before it is
   * answered, and on the RTMP path).
   */
  readonly receivedHeaders: SipHeader[];
  /** How the call ended; null while it is not over. */
  readonly end: CallEnd | null;
  /** The path the call's audio takes. */
  readonly mode: 'webrtc' | 'rtmp';
  /**
   * Whether this tab plays and captures the call's audio: always true
   * unless register({sharedTabs}) shares the registration with other
   * tabs and another tab answered or placed the call. Updated when the
   * call is answered.
   */
  readonly audioHere: boolean;
  /**
   * Whether we put the call on hold: hold(true), or autoHold when another
   * call was answered or placed, or switchTo another call; false again
   * after hold(false) or switchTo it.
   */
  readonly held: boolean;
  /** The first received header field called name (any case), or null. */
  getHeader(name: string): string | null;
  /**
   * Answer a ringing incoming call; extraHeaders go into the 200 OK. It
   * becomes the current call (with autoHold, the current one is held
   * first). others: what happens to the other incoming calls still
   * ringing: 'ring' (default) nothing; 'reject' they are answered 486
   * Busy Here; 'ignore' kazoo stops ringing them (ringIncoming's tone)
   * while their callers still hear ringback: they stay in calls() and
   * can still be accepted or rejected, and their end still comes to
   * onCancel.
   */
  accept(options?: { extraHeaders?: ExtraHeaders; others?: 'ring' | 'reject' | 'ignore' }): Promise<void>;
  /** Refuse a ringing incoming call (486 Busy Here by default). */
  reject(code?: number): Promise<void>;
  hangup(): Promise<void>;
  hold(on?: boolean): Promise<void>;
  sendDTMF(tones: string): Promise<void>;
  /**
   * Blind transfer to a URI, or attended transfer to another answered
   * call (REFER with Replaces: this call's far end takes that call's
   * place, and both our calls end; not_supported on the RTMP path).
   */
  transfer(target: string | Call): Promise<void>;
  mute(on?: boolean): Promise<void>;
  getStats(): Promise<CallStats>;
  /** The statistics plus MOS, band, ranges and warnings of this call. */
  getQualityReport(): Promise<QualityReport>;
}

export const version: string;
/** Load the library; resolves (and calls onLoaded) when ready. */
export function init(params?: InitParams): Promise<void>;
/** Register; resolves (and calls onConnected) when registered, rejects with a KazooError. */
export function register(params: RegisterParams): Promise<void>;
/** Hang up, unregister (Expires: 0) and close the WebSocket. */
export function logout(): Promise<void>;
/**
 * Call a SIP URI, or a user or number in the registered domain;
 * extraHeaders go into the INVITE (and the INVITE sent again after an
 * authentication challenge).
 */
export function connect(uri: string, options?: { extraHeaders?: ExtraHeaders }): Promise<Call>;
/** The calls not over (ringing or established), oldest first. */
export function calls(): Promise<Call[]>;
/**
 * The current call (the one hangup, sendDTMF, transfer, muteMicrophone,
 * hold and getStats act on: the last answered, placed or switched to),
 * or null when there is none.
 */
export function currentCall(): Promise<Call | null>;
/** End the current call: BYE, CANCEL or reject, as it stands. */
export function hangup(): Promise<void>;
/** Send DTMF (0-9, * and #) in the current call. */
export function sendDTMF(tones: string): Promise<void>;
/** Transfer the current call: blind to a URI, attended to another call (see Call.transfer). */
export function transfer(target: string | Call): Promise<void>;
/** Mute or unmute the microphone of the current call. */
export function muteMicrophone(mute: boolean, onSuccess?: () => void, onError?: (error: KazooError) => void): Promise<void>;
/** Put the current call on hold (true) or resume it (false). */
export function hold(on?: boolean): Promise<void>;
/**
 * Hold the current call (its microphone silenced too) and resume call
 * (an answered one; invalid_call_state otherwise), which becomes the
 * current call: hangup, sendDTMF, transfer, muteMicrophone, hold,
 * getStats act on it. When the current call ends, the call current
 * before it becomes current again (else the oldest left), still on
 * hold until you switchTo it.
 */
export function switchTo(call: Call): Promise<void>;
/** Audio statistics of the current call. */
export function getStats(): Promise<CallStats>;
/** The current call's quality report. */
export function getQualityReport(): Promise<QualityReport>;
/**
 * A pre-call test: call an echo service (registering first if needed),
 * measure for durationMs, hang up, and report how calls will sound.
 */
export function preflight(options?: PreflightOptions): Promise<PreflightReport>;
/** Audio devices: list them, and choose the microphone, speaker and ringtone device. */
export const audio: KazooAudio;
/** Re-register now with the original parameters (a reconnecting_notification first). */
export function reconnect(): Promise<void>;
/** Start the reconnect loop (it starts by itself after a lost connection). */
export function startAutoReconnect(): Promise<void>;
/** Stop the reconnect loop. */
export function stopAutoReconnect(): Promise<void>;
/** Report online/offline as connectivity_notification and reconnect when back online (default on). */
export function monitorConnectivity(on: boolean): Promise<void>;

/** What onMessage receives: an instant message (SIP MESSAGE, RFC 3428). */
export interface KazooMessage {
  /** The sender's address, e.g. 'sip:1002@example.com'. */
  from: string;
  /** The sender's display name; '' when it gave none. */
  fromName: string;
  /** The address it was sent to. */
  to: string;
  text: string;
  /** Its Content-Type, e.g. 'text/plain;charset=UTF-8'. */
  contentType: string;
}
/** sendMessage()'s options. */
export interface SendMessageOptions {
  /** Default 'text/plain;charset=UTF-8'. */
  contentType?: string;
  /** Extra header fields, as for connect() (not the ones kazoo writes: Via, From, To, Call-ID, CSeq, Contact, Content-Type, …). */
  extraHeaders?: ExtraHeaders;
}
/** sendMessage()'s result: the final 2xx. */
export interface MessageResult {
  code: number;
  reason: string;
}
/**
 * Sends an instant message (SIP MESSAGE) to uri (a SIP URI, user@host, or
 * a user or number in our domain), at most 64 KiB. Resolves when it was
 * delivered (2xx); rejects with message_failed and the SIP code (404, 480
 * for a user not registered, …) when not, not_registered before
 * register(), not_supported on the RTMP path.
 */
export function sendMessage(uri: string, text: string, options?: SendMessageOptions): Promise<MessageResult>;

/**
 * What a long-lived page can watch for leaks, for soak runs and bug
 * reports. Not a stable API: the fields may change between versions.
 */
export interface KazooDiagnostics {
  /** Go goroutines (runtime.NumGoroutine). */
  goroutines: number;
  /** JS functions kazoo made for Go (exported methods, promise callbacks, listeners) and has not released. */
  jsFuncs: number;
  /** Calls kazoo still tracks. */
  calls: number;
  /** Go heap bytes in use (live after a collection with {gc: true}), held for the heap, and in all (runtime.MemStats). */
  heapAlloc: number;
  heapSys: number;
  goSys: number;
  /** With {stacks: true}: every goroutine's stack (runtime.Stack). */
  stacks?: string;
}
/** Leak counters of this page's kazoo runtime; see KazooDiagnostics. */
export function diagnostics(options?: { gc?: boolean; stacks?: boolean }): Promise<KazooDiagnostics>;

/**
 * A watched URI's state: 'idle' (no call; presence: available),
 * 'ringing' (a call being set up), 'busy' (in a call, or a presence
 * document saying on the phone), 'offline' (presence: closed) or
 * 'unknown' (no or unreadable state, or the subscription was refused or
 * ended; note says why).
 */
export type PresenceState = 'idle' | 'ringing' | 'busy' | 'offline' | 'unknown';

/** What onPresence receives. */
export interface KazooPresence {
  /** The URI as given to subscribe(). */
  uri: string;
  state: PresenceState;
  event: 'dialog' | 'presence';
  /** A presence document's note, or why the state is unknown. */
  note?: string;
}

/**
 * Watch uris (SIP URIs or extensions of our domain) with SIP SUBSCRIBE
 * (RFC 6665): event 'dialog' (default; RFC 4235, a busy lamp field) or
 * 'presence' (PIDF); expires in seconds (default 3600). Resolves once the
 * SUBSCRIBEs are sent; every state comes to onPresence. Subscriptions are
 * refreshed before they expire, renewed after a reconnect, and ended by
 * unsubscribe() and logout(). WebRTC path only (not_supported on RTMP).
 */
export function subscribe(uris: string | string[], options?: { event?: 'dialog' | 'presence'; expires?: number }): Promise<void>;
/** End the subscriptions to uris (all when omitted): SUBSCRIBE with Expires: 0. */
export function unsubscribe(uris?: string | string[]): Promise<void>;
/**
 * A local conference: the page mixes the calls' audio (Web Audio), so
 * that each party hears the others and us; our speaker plays every party
 * as before. Takes at least two established WebRTC calls
 * (invalid_parameter, invalid_call_state; RTMP calls: not_supported) and
 * resolves once the mix is sent. Muting a call takes our voice out of
 * what that party hears. It ends with conference([]) or when fewer than
 * two of its calls remain; the calls left send the microphone again. A
 * new conference replaces the running one.
 */
export function conference(calls: Call[]): Promise<void>;

/**
 * A new phone in this page, with its own account, registration, calls
 * and callbacks: the methods it shares with the global kazoo (the default
 * phone) act on it only, and its call objects' methods go to it. The
 * page-wide parts stay on the global: init, audio (the device choice is
 * the page's), monitorConnectivity (online/offline reach every phone),
 * diagnostics. Each account registers as a device of its own: a created
 * phone keeps its RFC 5626 instance id per public identity in
 * localStorage (the global kazoo keeps the one it always had). With
 * params it starts registering at once, as phone.register(params) would
 * (the callbacks tell how it went); it resolves with the phone in any
 * case. destroy() when done.
 */
export function createPhone(params?: RegisterParams): Promise<KazooCreatedPhone>;

/** A phone's own methods: the global kazoo's (the default phone) and each createPhone()'s. */
export interface KazooPhone {
  register: typeof register;
  logout: typeof logout;
  connect: typeof connect;
  calls: typeof calls;
  currentCall: typeof currentCall;
  hangup: typeof hangup;
  sendDTMF: typeof sendDTMF;
  transfer: typeof transfer;
  muteMicrophone: typeof muteMicrophone;
  hold: typeof hold;
  switchTo: typeof switchTo;
  getStats: typeof getStats;
  getQualityReport: typeof getQualityReport;
  preflight: typeof preflight;
  reconnect: typeof reconnect;
  startAutoReconnect: typeof startAutoReconnect;
  stopAutoReconnect: typeof stopAutoReconnect;
  sendMessage: typeof sendMessage;
  subscribe: typeof subscribe;
  unsubscribe: typeof unsubscribe;
  conference: typeof conference;
}

/** A phone made by createPhone(). */
export interface KazooCreatedPhone extends KazooPhone {
  /** 1, 2, …: its number in the page (the global kazoo is 0). */
  readonly id: number;
  /**
   * Hang up its calls, end its conference, unregister (its subscriptions
   * end too) and free what it holds; afterwards its methods and its
   * calls' methods reject (not_registered).
   */
  destroy(): Promise<void>;
}

/** The whole API as one object: the global `kazoo` (the default phone), and the ES module's default export. */
export interface Kazoo extends KazooPhone {
  readonly version: typeof version;
  init: typeof init;
  readonly audio: KazooAudio;
  monitorConnectivity: typeof monitorConnectivity;
  diagnostics: typeof diagnostics;
  createPhone: typeof createPhone;
}
