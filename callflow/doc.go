// Package callflow parses and validates Kazoo callflow JSON: the trees of
// actions a Kazoo platform (and kazoo-dev) runs for a call, and the JSON a
// Pivot application returns.
//
// A node has Kazoo's shape:
//
//	{"module": "tts", "data": {"text": "Hello"}, "children": {"_": {...}}}
//
// module names the action, data holds its arguments (the fields of
// Kazoo's callflows.<module> schemas, same JSON names) and children holds
// the next nodes: "_" is where the flow continues; menu and branch also
// key children by the digits the caller pressed. Parse checks the whole
// tree: known module, data of the right type for that module (decoded into
// its typed struct, Kazoo's defaults filled in), allowed children keys,
// nesting at most MaxDepth nodes, at most MaxNodes nodes, at most MaxSize
// bytes. Errors are *Error values naming the JSON path, for example
// "children._.data.max_digits: must be an integer". Fields this package
// does not know are ignored, as Kazoo ignores them. A missing or null
// "data" is the empty object.
//
// Integers follow Kazoo's lenient reading: a JSON number or a string of
// digits ("486") both decode into an Int. Times follow Kazoo's units per
// field (collect_dtmf and menu timeouts in milliseconds, bridge timeouts
// and record_call time_limit in seconds); the typed structs have helper
// methods returning time.Duration.
//
// # Modules
//
// Kazoo modules: pivot, tts, play, say, collect_dtmf, user, device,
// resources, conference, voicemail, record_call, set_cid, menu,
// manual_presence, response, hangup. See each typed struct for its
// fields. Two modules are kazoo-dev's own, since Kazoo has no such
// callflow action:
//
//   - bridge: ring one or more users/devices, with data
//     {"endpoints": [{"endpoint_type": "user", "id": "1002"}], "timeout": 20},
//     the endpoint list of Kazoo's ring_group schema. Kazoo itself bridges
//     with user, device, ring_group and resources; user and device are
//     accepted too.
//   - branch: continue to the child keyed by the digits of the last DTMF
//     collection (collect_dtmf), or "_" when none matches:
//     {"module": "branch", "data": {"collection_name": "pin"}, "children": {"1": {...}, "_": {...}}}.
//     Kazoo's own digit branching is menu (children keyed by digits, plus
//     "timeout" and "max_retries"); its branch_variable reads call
//     variables, not DTMF collections, so it is not accepted here.
//
// Kazoo's menu module names a menu document by id; kazoo-dev has no
// database, so the menu document's fields (media.greeting, retries,
// timeout, max_extension_length ...) are accepted inline in data.
//
// say follows Kazoo's say schema: text, type (number, telephone_number,
// name_spelled ...), method (pronounced, iterated, counted) and language.
// Digits one by one are {"type": "number", "method": "iterated"}; a whole
// number is {"type": "number", "method": "pronounced"}.
//
// # Numbers
//
// ParseConfig reads the numbers-to-callflow table kazoo-dev serves:
// one {"numbers": [...], "flow": {...}} object, an array of them, or
// {"callflows": [...]}. Numbers are unique across the table; Lookup
// finds the flow of a dialled number by exact match.
package callflow
