// Type declarations for the kazoo softphone library (global `kazoo`).

export as namespace kazoo;

/** Error and notification keys a page can switch on. */
export type KazooErrorKey =
  | 'invalid_parameter'
  | 'server_not_reachable'
  | 'unauthorized'
  | 'forbidden'
  | 'disconnected'
  | 'registration_failed'
  | 'rtmp_unavailable'
  | 'internal_error'
  | 'load_failed'
  | 'runtime_stopped';

/** What onError receives, and what rejected promises carry. */
export interface KazooError {
  key: KazooErrorKey | string;
  message: string;
  /** SIP status code, when a SIP response caused the error. */
  code?: number;
  /** The SIP status line that caused the error, when there was one. */
  source?: string;
}

export interface InitParams {
  /** Called once the library is ready. */
  onLoaded?: () => void;
  /** Called with the container element when RTMP mode is needed but cannot work. */
  onFlashMissing?: (container: HTMLElement) => void;
  /** Element, or its id, shown to the user when RTMP mode cannot work. */
  flashContainer?: string | HTMLElement;
  /** Force the RTMP fallback (not available in this version). */
  forceRTMP?: boolean;
  /** Where kazoo.wasm is; by default next to kazoo.js. */
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
  /** Accepted for the RTMP fallback of a later version. */
  rtmpUrl?: string;
  forceRTMP?: boolean;
  /** Accepted for auto-reconnect of a later version. */
  reconnectMaxAttempts?: number;
  reconnectDelay?: number;
  /** Called when the registrar accepted the registration. */
  onConnected?: () => void;
  /** Called with every error; see KazooErrorKey. */
  onError?: (error: KazooError) => void;
  onIncoming?: (call: unknown) => void;
  onAccepted?: () => void;
  onHangup?: () => void;
  onCancel?: (details: unknown) => void;
  onTransfer?: () => void;
  onNotified?: (notification: unknown) => void;
}

export const version: string;
/** Load the library; resolves (and calls onLoaded) when ready. */
export function init(params?: InitParams): Promise<void>;
/** Register; resolves (and calls onConnected) when registered, rejects with a KazooError. */
export function register(params: RegisterParams): Promise<void>;
/** Unregister (Expires: 0) and close the WebSocket. */
export function logout(): Promise<void>;
