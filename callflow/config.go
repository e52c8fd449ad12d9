package callflow

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// MaxConfigSize is the largest callflow table ParseConfig reads, in bytes.
const MaxConfigSize = 8 << 20

// Config is a table of callflows by number.
type Config struct {
	Callflows []Callflow `json:"callflows"`

	byNumber map[string]*Node
}

// Callflow maps numbers to a flow, as a Kazoo callflow document does.
type Callflow struct {
	Name    string   `json:"name,omitempty"`
	Numbers []string `json:"numbers"`
	Flow    *Node    `json:"flow"`
}

type rawCallflow struct {
	Name     json.RawMessage `json:"name"`
	Numbers  json.RawMessage `json:"numbers"`
	Flow     json.RawMessage `json:"flow"`
	Patterns json.RawMessage `json:"patterns"`
}

// ParseConfig reads one {"numbers": [...], "flow": {...}} object, an
// array of them, or {"callflows": [...]}. Every flow is validated as
// Parse does; numbers must be unique across the table. Errors are
// *Error with paths such as "callflows[1].flow.data.voice_url".
func ParseConfig(b []byte) (*Config, error) {
	if len(b) > MaxConfigSize {
		return nil, errAt("", "callflow config is %d bytes, over the %d-byte limit", len(b), MaxConfigSize)
	}
	var probe json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, errAt("", "invalid JSON: %v", err)
	}
	b = bytes.TrimSpace(b)
	var items []json.RawMessage
	prefix := "callflows"
	switch b[0] {
	case '[':
		if err := json.Unmarshal(b, &items); err != nil {
			return nil, errAt("", "invalid JSON: %v", err)
		}
		prefix = ""
	case '{':
		var top struct {
			Callflows json.RawMessage `json:"callflows"`
		}
		if err := json.Unmarshal(b, &top); err != nil {
			return nil, errAt("", "invalid JSON: %v", err)
		}
		if isNull(top.Callflows) {
			items, prefix = []json.RawMessage{b}, "single"
		} else if err := json.Unmarshal(top.Callflows, &items); err != nil {
			return nil, errAt("callflows", "must be an array of callflows")
		}
	default:
		return nil, errAt("", `must be a callflow {"numbers": [...], "flow": {...}}, an array of them or {"callflows": [...]}`)
	}
	cfg := &Config{byNumber: map[string]*Node{}}
	for i, item := range items {
		path := prefix + "[" + strconv.Itoa(i) + "]"
		switch prefix {
		case "":
			path = "[" + strconv.Itoa(i) + "]"
		case "single":
			path = ""
		}
		cf, err := parseCallflow(item, path)
		if err != nil {
			return nil, err
		}
		for j, num := range cf.Numbers {
			if _, dup := cfg.byNumber[num]; dup {
				return nil, errAt(join(path, "numbers["+strconv.Itoa(j)+"]"), "number %s is already used by another callflow", quote(num))
			}
			cfg.byNumber[num] = cf.Flow
		}
		cfg.Callflows = append(cfg.Callflows, cf)
	}
	return cfg, nil
}

func parseCallflow(b json.RawMessage, path string) (Callflow, error) {
	var cf Callflow
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return cf, errAt(path, `must be an object {"numbers": [...], "flow": {...}}`)
	}
	var raw rawCallflow
	if err := json.Unmarshal(b, &raw); err != nil {
		return cf, errAt(path, "invalid callflow: %v", err)
	}
	if !isNull(raw.Patterns) {
		return cf, errAt(join(path, "patterns"), "not supported: list the numbers")
	}
	if !isNull(raw.Name) && json.Unmarshal(raw.Name, &cf.Name) != nil {
		return cf, errAt(join(path, "name"), "must be a string")
	}
	if isNull(raw.Numbers) {
		return cf, errAt(join(path, "numbers"), "required")
	}
	if json.Unmarshal(raw.Numbers, &cf.Numbers) != nil {
		return cf, errAt(join(path, "numbers"), "must be an array of strings")
	}
	if len(cf.Numbers) == 0 {
		return cf, errAt(join(path, "numbers"), "must list at least one number")
	}
	for j, num := range cf.Numbers {
		if num == "" || len(num) > 36 {
			return cf, errAt(join(path, "numbers["+strconv.Itoa(j)+"]"), "must be 1 to 36 characters")
		}
	}
	if isNull(raw.Flow) {
		return cf, errAt(join(path, "flow"), "required")
	}
	flow, err := parseAt(raw.Flow, join(path, "flow"))
	if err != nil {
		return cf, err
	}
	cf.Flow = flow
	return cf, nil
}

// Lookup is the flow for number, nil when no callflow lists it. Safe
// for concurrent use.
func (c *Config) Lookup(number string) *Node {
	if c == nil {
		return nil
	}
	if c.byNumber != nil {
		return c.byNumber[number]
	}
	for _, cf := range c.Callflows { // a Config built by hand
		for _, num := range cf.Numbers {
			if num == number {
				return cf.Flow
			}
		}
	}
	return nil
}
