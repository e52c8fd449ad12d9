//go:build js && wasm

package jsbridge

import (
	"fmt"
	"math"

	"github.com/hack-pad/safejs"
)

// ParamError names a parameter of the wrong type.
type ParamError struct {
	Name    string
	Message string
}

func (e *ParamError) Error() string { return e.Name + ": " + e.Message }

// Params reads fields of a page's parameter object. A missing field
// (undefined or null) reads as the zero value; a field of another type is
// a *ParamError naming it.
type Params struct {
	v safejs.Value
}

// NewParams checks that v is an object (or undefined/null, read as
// empty) and wraps it; name is how the object is called in errors.
func NewParams(v safejs.Value, name string) (Params, error) {
	switch v.Type() {
	case safejs.TypeObject, safejs.TypeUndefined, safejs.TypeNull:
		return Params{v: v}, nil
	}
	return Params{}, &ParamError{Name: name, Message: "must be an object"}
}

func (p Params) get(name string) (safejs.Value, bool, error) {
	if p.v.IsUndefined() || p.v.IsNull() {
		return safejs.Undefined(), false, nil
	}
	f, err := p.v.Get(name)
	if err != nil {
		return f, false, &ParamError{Name: name, Message: "cannot be read: " + err.Error()}
	}
	return f, !(f.IsUndefined() || f.IsNull()), nil
}

// Has reports whether the field is present (not undefined or null).
func (p Params) Has(name string) bool {
	_, ok, _ := p.get(name)
	return ok
}

// String reads a string field.
func (p Params) String(name string) (string, error) {
	f, ok, err := p.get(name)
	if !ok || err != nil {
		return "", err
	}
	if f.Type() != safejs.TypeString {
		return "", &ParamError{Name: name, Message: fmt.Sprintf("must be a string, not %s", f.Type())}
	}
	return f.String()
}

// Bool reads a boolean field.
func (p Params) Bool(name string) (bool, error) {
	f, ok, err := p.get(name)
	if !ok || err != nil {
		return false, err
	}
	if f.Type() != safejs.TypeBoolean {
		return false, &ParamError{Name: name, Message: fmt.Sprintf("must be a boolean, not %s", f.Type())}
	}
	return f.Bool()
}

// Int reads an integer field; def is returned when it is missing.
func (p Params) Int(name string, def int) (int, error) {
	f, ok, err := p.get(name)
	if !ok || err != nil {
		return def, err
	}
	if f.Type() != safejs.TypeNumber {
		return def, &ParamError{Name: name, Message: fmt.Sprintf("must be a number, not %s", f.Type())}
	}
	x, err := f.Float()
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x != math.Trunc(x) || math.Abs(x) > 1<<31 {
		return def, &ParamError{Name: name, Message: "must be a whole number"}
	}
	return int(x), nil
}

// Func reads a callback field; a missing one is returned as undefined.
func (p Params) Func(name string) (safejs.Value, error) {
	f, ok, err := p.get(name)
	if !ok || err != nil {
		return safejs.Undefined(), err
	}
	if f.Type() != safejs.TypeFunction {
		return safejs.Undefined(), &ParamError{Name: name, Message: fmt.Sprintf("must be a function, not %s", f.Type())}
	}
	return f, nil
}

// Value reads a field of any type.
func (p Params) Value(name string) safejs.Value {
	f, _, _ := p.get(name)
	return f
}
