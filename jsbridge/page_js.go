//go:build js && wasm

package jsbridge

import "github.com/hack-pad/safejs"

// PageWatch holds the document listener WatchVisibility added.
type PageWatch struct {
	l listeners
}

// WatchVisibility calls onChange with document.hidden on every
// visibilitychange: true when the page went to the background (another
// tab, a minimised window, a locked phone), false when it is shown
// again. onChange runs inside the JS event and must not block. Without a
// document (a worker, Node) it returns a watch that does nothing.
func WatchVisibility(onChange func(hidden bool)) (*PageWatch, error) {
	w := &PageWatch{}
	doc, err := global("document")
	if err != nil || doc.Type() != safejs.TypeObject {
		return w, nil
	}
	err = w.l.add(doc, "visibilitychange", func(safejs.Value) {
		h, err := doc.Get("hidden")
		if err != nil {
			return
		}
		hidden, _ := h.Bool()
		onChange(hidden)
	})
	return w, err
}

// PageHidden reports document.hidden (false without a document).
func PageHidden() bool {
	h, err := global("document", "hidden")
	if err != nil {
		return false
	}
	b, _ := h.Bool()
	return b
}

// Release removes the listener. It is safe to call more than once.
func (w *PageWatch) Release() { w.l.release() }
