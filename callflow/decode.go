package callflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
)

// Int is an integer read as Kazoo reads one: a JSON number with no
// fraction, or a string of digits ("486").
type Int int64

var errInt = errors.New("must be an integer")

// UnmarshalJSON accepts 20, "20" and -1; not 2.5, "x", true.
func (i *Int) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return errInt
		}
		b = []byte(strings.TrimSpace(s))
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return errInt
	}
	*i = Int(n)
	return nil
}

// Media is a value Kazoo's schemas allow to be a boolean or a string
// (play_entry_tone, menu invalid_media ...): Set says it was given, Off
// that it was false, ID the media when a string.
type Media struct {
	Set bool
	Off bool
	ID  string
}

// UnmarshalJSON accepts true, false or a string.
func (m *Media) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return errors.New("must be a boolean or a string")
	}
	switch v := v.(type) {
	case bool:
		*m = Media{Set: true, Off: !v}
	case string:
		*m = Media{Set: true, ID: v}
	default:
		return errors.New("must be a boolean or a string")
	}
	return nil
}

// MarshalJSON writes the value back as given.
func (m Media) MarshalJSON() ([]byte, error) {
	switch {
	case m.ID != "":
		return json.Marshal(m.ID)
	case m.Set:
		return json.Marshal(!m.Off)
	}
	return []byte("null"), nil
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// decodeInto decodes the JSON object raw into the struct pointed to by
// ptr, field by field, so that an error names its path
// ("data.max_digits"). Unknown keys are ignored; null is "not given".
func decodeInto(raw json.RawMessage, ptr any, path string) error {
	return decodeValue(raw, reflect.ValueOf(ptr).Elem(), path)
}

func decodeValue(raw json.RawMessage, v reflect.Value, path string) error {
	if isNull(raw) {
		return nil
	}
	t := v.Type()
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		if err := v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
			return errAt(path, "%s", err.Error())
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		return decodeStruct(raw, v, path)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 { // json.RawMessage
			v.SetBytes(append([]byte(nil), bytes.TrimSpace(raw)...))
			return nil
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return errAt(path, "must be an array%s", elemWord(t.Elem()))
		}
		s := reflect.MakeSlice(t, len(items), len(items))
		for i, item := range items {
			if err := decodeValue(item, s.Index(i), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := decodeValue(raw, p.Elem(), path); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
		return errAt(path, "must be %s", kindWord(t))
	}
	return nil
}

func decodeStruct(raw json.RawMessage, v reflect.Value, path string) error {
	var m map[string]json.RawMessage
	if bytes.TrimSpace(raw)[0] != '{' || json.Unmarshal(raw, &m) != nil {
		return errAt(path, "must be an object")
	}
	return decodeFields(m, v, path)
}

func decodeFields(m map[string]json.RawMessage, v reflect.Value, path string) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := decodeFields(m, v.Field(i), path); err != nil {
				return err
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		if raw, ok := m[name]; ok {
			if err := decodeValue(raw, v.Field(i), join(path, name)); err != nil {
				return err
			}
		}
	}
	return nil
}

func kindWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean (true or false)"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Map:
		return "an object" + elemWord(t.Elem())
	case reflect.Slice:
		return "an array" + elemWord(t.Elem())
	}
	return "a " + t.Kind().String()
}

func elemWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return " of strings"
	case reflect.Struct:
		return " of objects"
	}
	return ""
}
