//go:build js && wasm

package jsbridge

import (
	"errors"

	"github.com/hack-pad/safejs"
)

// maxDepth bounds how deep GoValue follows nested arrays and objects.
const maxDepth = 32

// ParseJSON parses JSON text with the browser's JSON.parse into Go
// values, as encoding/json does into an any: map[string]any, []any,
// float64, string, bool and nil. kazoo uses it instead of encoding/json's
// decoder, which would add about 60 KB brotli to kazoo.wasm.
func ParseJSON(text []byte) (any, error) {
	j, err := global("JSON")
	if err != nil {
		return nil, err
	}
	v, err := j.Call("parse", string(text))
	if err != nil {
		return nil, errors.New("jsbridge: invalid JSON: " + err.Error())
	}
	return GoValue(v)
}

// GoValue copies a JS value made of plain objects, arrays, numbers,
// strings, booleans and null into Go values (see ParseJSON). Functions,
// symbols and undefined properties are left out; nesting deeper than 32
// levels is an error.
func GoValue(v safejs.Value) (any, error) {
	keys, err := global("Object", "keys")
	if err != nil {
		return nil, err
	}
	isArray, err := global("Array", "isArray")
	if err != nil {
		return nil, err
	}
	return goValue(v, keys, isArray, 0)
}

func goValue(v, keys, isArray safejs.Value, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("jsbridge: value nested too deep")
	}
	switch v.Type() {
	case safejs.TypeNull, safejs.TypeUndefined:
		return nil, nil
	case safejs.TypeBoolean:
		return v.Bool()
	case safejs.TypeNumber:
		return v.Float()
	case safejs.TypeString:
		return v.String()
	case safejs.TypeObject:
	default:
		return nil, nil // functions, symbols
	}
	arr, err := isArray.Invoke(v)
	if err != nil {
		return nil, err
	}
	if a, _ := arr.Bool(); a {
		n, err := v.Length()
		if err != nil {
			return nil, err
		}
		out := make([]any, 0, n)
		for i := 0; i < n; i++ {
			e, err := v.Index(i)
			if err != nil {
				return nil, err
			}
			g, err := goValue(e, keys, isArray, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, g)
		}
		return out, nil
	}
	names, err := keys.Invoke(v)
	if err != nil {
		return nil, err
	}
	n, err := names.Length()
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, n)
	for i := 0; i < n; i++ {
		k, err := names.Index(i)
		if err != nil {
			return nil, err
		}
		name, err := k.String()
		if err != nil {
			return nil, err
		}
		e, err := v.Get(name)
		if err != nil {
			return nil, err
		}
		if t := e.Type(); t == safejs.TypeFunction || t == safejs.TypeUndefined || t == safejs.TypeSymbol {
			continue
		}
		g, err := goValue(e, keys, isArray, depth+1)
		if err != nil {
			return nil, err
		}
		out[name] = g
	}
	return out, nil
}
