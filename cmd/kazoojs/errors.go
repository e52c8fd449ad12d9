//go:build js && wasm

package main

import (
	"errors"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/phone"
)

// asUAError maps any error to the *phone.Error the page sees.
func asUAError(err error) *phone.Error {
	var ue *phone.Error
	if errors.As(err, &ue) {
		return ue
	}
	var pe *jsbridge.ParamError
	if errors.As(err, &pe) {
		return phone.InvalidParameter(pe.Name, "%s", pe.Message)
	}
	return &phone.Error{Key: phone.KeyInternal, Message: err.Error(), Err: err}
}

// errorObject is the JS shape of an error: {key, message, code?, source?}.
func errorObject(err error) any {
	e := asUAError(err)
	m := map[string]any{"key": e.Key, "message": e.Message}
	if e.Code != 0 {
		m["code"] = e.Code
	}
	if e.Source != "" {
		m["source"] = e.Source
	}
	v, verr := safejs.ValueOf(m)
	if verr != nil {
		return e.Error()
	}
	return v
}
