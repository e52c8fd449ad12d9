//go:build js && wasm

package main

import (
	"fmt"

	"github.com/hack-pad/safejs"
)

func main() {
	pg := newPage()
	obj, err := pg.exports()
	if err != nil {
		fmt.Println("kazoo: cannot build the JS object:", err)
		return
	}
	attach, err := safejs.Global().Get("__kazooAttach")
	if err != nil || attach.Type() != safejs.TypeFunction {
		fmt.Println("kazoo: load kazoo.wasm through kazoo.js, not on its own")
		return
	}
	hooks, err := attach.Invoke(obj)
	if err != nil {
		fmt.Println("kazoo: attach failed:", err)
		return
	}
	pg.hooks = hooks
	select {} // serve JS calls for the life of the page
}
