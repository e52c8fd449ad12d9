package phone

// Presence states: what a watched extension is doing, as the page sees it
// in onPresence (README.md and wasm/kazoo.d.ts list them).
const (
	// PresenceIdle: no call (dialog event: no early or confirmed dialog;
	// presence event: open, not on the phone).
	PresenceIdle = "idle"
	// PresenceRinging: a call is being set up (an early dialog).
	PresenceRinging = "ringing"
	// PresenceBusy: in a call (a confirmed dialog, or a presence document
	// saying on-the-phone or busy).
	PresenceBusy = "busy"
	// PresenceOffline: the presence document says closed.
	PresenceOffline = "offline"
	// PresenceUnknown: the state cannot be told: no body, a body that does
	// not parse, or the subscription was refused or ended for good.
	PresenceUnknown = "unknown"
)

// Presence events kazoo subscribes to (RFC 6665 event packages).
const (
	// EventDialog is RFC 4235's dialog event (busy lamp field).
	EventDialog = "dialog"
	// EventPresence is RFC 3856's presence event (PIDF, RFC 3863).
	EventPresence = "presence"
)

// Presence is one state report of a subscription, for onPresence.
type Presence struct {
	// URI is the watched SIP URI, as subscribed.
	URI string
	// State is one of the Presence* states.
	State string
	// Event is EventDialog or EventPresence.
	Event string
	// Note is a free-text note of a presence document, or why the state
	// is unknown; it may be empty.
	Note string
}
