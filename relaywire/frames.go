package relaywire

// Subprotocol is the relay's WebSocket subprotocol.
const Subprotocol = "kazoo-rtmp.v1"

// Version is the hello's "v".
const Version = 1

// Frame types, the "t" of a text frame.
const (
	// Browser → relay.
	THello = "hello"
	TCall  = "call"
	TPing  = "ping"
	// Relay → browser.
	TConnected = "connected"
	TRejected  = "rejected"
	TResult    = "result"
	TCallback  = "cb"
	TMedia     = "media"
	TStream    = "stream"
	TPong      = "pong"
)

// Codec names, as in the invite's arguments and the media frame.
const (
	CodecPCMU = "pcmu"
	CodecPCMA = "pcma"
)

// Bare is a frame with nothing but its type: ping, pong, connected.
type Bare struct {
	T string `json:"t"`
}

// PingFrame is the browser's ping, encoded.
const PingFrame = `{"t":"ping"}`

// Hello is the browser's first frame. Args are siprtmp's connect
// arguments (authname, password, display name, rate); Token is required
// when the relay has a secret.
type Hello struct {
	T       string `json:"t"`
	V       int    `json:"v"`
	RTMPURL string `json:"rtmpUrl"`
	Token   string `json:"token"`
	Args    []any  `json:"args"`
}

// NewHello is a v1 hello.
func NewHello(rtmpURL, token string, args ...any) Hello {
	return Hello{T: THello, V: Version, RTMPURL: rtmpURL, Token: token, Args: args}
}

// Call is an RPC to the gateway.
type Call struct {
	T      string `json:"t"`
	ID     int64  `json:"id"`
	Method string `json:"method"`
	Args   []any  `json:"args"`
}

// NewCall is a call frame; nil args are sent as [].
func NewCall(id int64, method string, args ...any) Call {
	return Call{T: TCall, ID: id, Method: method, Args: orEmpty(args)}
}

// orEmpty is args, or an empty list for nil: JSON [] rather than null.
func orEmpty(args []any) []any {
	if args == nil {
		return []any{}
	}
	return args
}

// Request is any frame from the browser, as the relay decodes it.
type Request struct {
	T       string `json:"t"`
	V       int    `json:"v"`
	RTMPURL string `json:"rtmpUrl"`
	Args    []any  `json:"args"`
	Token   string `json:"token"`
	ID      int64  `json:"id"`
	Method  string `json:"method"`
}

// Rejected refuses a hello (the gateway refused the connection).
type Rejected struct {
	T      string `json:"t"`
	Reason string `json:"reason"`
	Code   string `json:"code,omitempty"`
}

// ResultOK is an RPC's success, with the gateway's result arguments.
type ResultOK struct {
	T    string `json:"t"`
	ID   int64  `json:"id"`
	OK   bool   `json:"ok"`
	Args []any  `json:"args"`
}

// NewResultOK is a success; nil args are sent as [].
func NewResultOK(id int64, args []any) ResultOK {
	return ResultOK{T: TResult, ID: id, OK: true, Args: orEmpty(args)}
}

// ResultError is an RPC that failed or was not allowed.
type ResultError struct {
	T     string `json:"t"`
	ID    int64  `json:"id"`
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

// NewResultError is a failure.
func NewResultError(id int64, err string) ResultError {
	return ResultError{T: TResult, ID: id, Error: err}
}

// Callback is a gateway callback, forwarded verbatim. Relay is set on
// one the relay sends itself (a cancelled the gateway never reported).
type Callback struct {
	T      string `json:"t"`
	Method string `json:"method"`
	Args   []any  `json:"args"`
	Relay  bool   `json:"relay,omitempty"`
}

// NewCallback is a callback frame; nil args are sent as [].
func NewCallback(method string, args []any) Callback {
	if args == nil {
		args = []any{}
	}
	return Callback{T: TCallback, Method: method, Args: args}
}

// Media says both RTMP streams of an accepted call run, with its codec.
type Media struct {
	T     string `json:"t"`
	Codec string `json:"codec"`
}

// Stream reports an RTMP stream status other than a start.
type Stream struct {
	T    string `json:"t"`
	Code string `json:"code"`
}

// Reply is any frame from the relay, as the browser reads it (from the
// browser's JSON.parse in kazoo.wasm, which leaves encoding/json's
// decoder out).
type Reply struct {
	T      string
	ID     int64
	OK     bool
	Args   []any
	Error  string
	Method string
	Reason string
	Codec  string
	Code   string
}
