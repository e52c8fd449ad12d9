package phone

import "time"

// Reconnect defaults (as the original kazoo.js: forever, every 5 s, at
// least 1 s apart).
const (
	DefaultReconnectDelay = 5 * time.Second
	MinReconnectDelay     = time.Second
)
