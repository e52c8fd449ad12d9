package callflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Limits on what Parse accepts.
const (
	// MaxSize is the largest callflow JSON Parse reads, in bytes.
	MaxSize = 1 << 20
	// MaxDepth is how many nodes deep a tree may nest (the root is 1).
	MaxDepth = 64
	// MaxNodes is how many nodes a tree may hold.
	MaxNodes = 10000
	// maxJSONDepth bounds object/array nesting before any decoding: two
	// levels per node (the node and its children object) plus room for
	// the data objects.
	maxJSONDepth = 2*MaxDepth + 16
	// maxKeyLen bounds a child key.
	maxKeyLen = 32
)

// Node is one callflow action: its module, its raw data and its children.
type Node struct {
	Module   string           `json:"module"`
	Data     json.RawMessage  `json:"data"`
	Children map[string]*Node `json:"children,omitempty"`

	// value is Data decoded into the module's typed struct (defaults
	// applied), set by Parse.
	value any
}

// Error is a validation error at a JSON path such as
// "children._.data.max_digits".
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func errAt(path, format string, args ...any) *Error {
	return &Error{Path: path, Msg: fmt.Sprintf(format, args...)}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Parse reads and validates one callflow node (and its children) in
// Kazoo's JSON shape. Errors are *Error.
func Parse(b []byte) (*Node, error) {
	return parseAt(b, "")
}

func parseAt(b []byte, path string) (*Node, error) {
	if len(b) > MaxSize {
		return nil, errAt(path, "callflow JSON is %d bytes, over the %d-byte limit", len(b), MaxSize)
	}
	if err := checkDepth(b, path); err != nil {
		return nil, err
	}
	if err := checkJSON(b, path); err != nil {
		return nil, err
	}
	count := 0
	return parseNode(b, path, 1, &count)
}

// checkJSON reports invalid JSON before anything is decoded.
func checkJSON(b []byte, path string) error {
	var raw json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return errAt(path, "invalid JSON at byte %d: %v", se.Offset, err)
		}
		return errAt(path, "invalid JSON: %v", err)
	}
	return nil
}

// checkDepth refuses object/array nesting deeper than maxJSONDepth.
func checkDepth(b []byte, path string) error {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > maxJSONDepth {
				return errAt(path, "JSON nested deeper than %d levels", maxJSONDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// UnmarshalJSON reads a node in Kazoo's shape and validates it as Parse
// does (paths in errors are relative to this node).
func (n *Node) UnmarshalJSON(b []byte) error {
	p, err := Parse(b)
	if err != nil {
		return err
	}
	*n = *p
	return nil
}

// MarshalJSON writes the node in Kazoo's shape, data {} when empty.
func (n *Node) MarshalJSON() ([]byte, error) {
	data := n.Data
	if len(bytes.TrimSpace(data)) == 0 || string(bytes.TrimSpace(data)) == "null" {
		data = json.RawMessage("{}")
	}
	return json.Marshal(struct {
		Module   string           `json:"module"`
		Data     json.RawMessage  `json:"data"`
		Children map[string]*Node `json:"children,omitempty"`
	}{n.Module, data, n.Children})
}

type rawNode struct {
	Module   json.RawMessage `json:"module"`
	Data     json.RawMessage `json:"data"`
	Children json.RawMessage `json:"children"`
}

func isNull(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

func parseNode(b []byte, path string, depth int, count *int) (*Node, error) {
	if depth > MaxDepth {
		return nil, errAt(path, "callflow nested deeper than %d nodes", MaxDepth)
	}
	*count++
	if *count > MaxNodes {
		return nil, errAt(path, "callflow has more than %d nodes", MaxNodes)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, errAt(path, "must be an object (a callflow node with module, data, children)")
	}
	var raw rawNode
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, errAt(path, "invalid callflow node: %v", err)
	}
	n := &Node{}
	if isNull(raw.Module) {
		return nil, errAt(join(path, "module"), "required")
	}
	if err := json.Unmarshal(raw.Module, &n.Module); err != nil {
		return nil, errAt(join(path, "module"), "must be a string")
	}
	spec, ok := modules[n.Module]
	if !ok {
		return nil, errAt(join(path, "module"), "unknown callflow module %q", n.Module)
	}
	if isNull(raw.Data) {
		n.Data = json.RawMessage("{}")
	} else {
		n.Data = append(json.RawMessage(nil), bytes.TrimSpace(raw.Data)...)
	}
	v, err := spec.decode(n.Data, join(path, "data"))
	if err != nil {
		return nil, err
	}
	n.value = v
	if isNull(raw.Children) {
		return n, nil
	}
	cpath := join(path, "children")
	if bytes.TrimSpace(raw.Children)[0] != '{' {
		return nil, errAt(cpath, "must be an object of callflow nodes")
	}
	kids, err := members(raw.Children)
	if err != nil {
		return nil, errAt(cpath, "must be an object of callflow nodes")
	}
	// In the document's order, so that an error names the first wrong
	// child a person reading the file meets, the same on every run.
	for _, m := range kids {
		key, kb := m.key, m.value
		kpath := join(cpath, key)
		if err := spec.checkKey(key); err != nil {
			return nil, errAt(kpath, "%s", err.Error())
		}
		if isNull(kb) {
			continue
		}
		child, err := parseNode(kb, kpath, depth+1, count)
		if err != nil {
			return nil, err
		}
		if n.Children == nil {
			n.Children = make(map[string]*Node, len(kids))
		}
		n.Children[key] = child
	}
	return n, nil
}

// Child is the node to continue to for key (a digit string, "timeout",
// ...), falling back to the "_" child. Nil when there is neither, or n is
// nil.
func (n *Node) Child(key string) *Node {
	if n == nil {
		return nil
	}
	if c := n.Children[key]; c != nil {
		return c
	}
	return n.Children["_"]
}

// Value is the node's data decoded into its module's typed struct (TTS,
// CollectDTMF, ...), Kazoo's defaults filled in. It is nil for a node that
// did not come from Parse, UnmarshalJSON or ParseConfig; Decode works for
// those.
func (n *Node) Value() any {
	if n == nil {
		return nil
	}
	return n.value
}

// Decode decodes and validates the node's data into its module's typed
// struct and returns it (as Value does for parsed nodes).
func (n *Node) Decode() (any, error) {
	if n == nil {
		return nil, errors.New("callflow: nil node")
	}
	if n.value != nil {
		return n.value, nil
	}
	spec, ok := modules[n.Module]
	if !ok {
		return nil, errAt("module", "unknown callflow module %q", n.Module)
	}
	data := n.Data
	if isNull(data) {
		data = json.RawMessage("{}")
	}
	return spec.decode(data, "data")
}

// Skip reports the data's skip_module flag: Kazoo then skips the action
// and continues to "_".
func (n *Node) Skip() bool {
	v, err := n.Decode()
	if err != nil {
		return false
	}
	if s, ok := v.(interface{ skip() bool }); ok {
		return s.skip()
	}
	return false
}

// dtmfKey reports whether key is 1..maxKeyLen DTMF characters.
func dtmfKey(key string) bool {
	if key == "" || len(key) > maxKeyLen {
		return false
	}
	for _, c := range key {
		if !isDTMF(c) {
			return false
		}
	}
	return true
}

func isDTMF(c rune) bool {
	return (c >= '0' && c <= '9') || c == '*' || c == '#'
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}

// member is one name and value of a JSON object.
type member struct {
	key   string
	value json.RawMessage
}

// members reads a JSON object's members in the document's order (a
// name given twice keeps its last value, as encoding/json does).
func members(b []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	var out []member
	at := map[string]int{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if i, ok := at[key]; ok {
			out[i].value = v
			continue
		}
		at[key] = len(out)
		out = append(out, member{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}
