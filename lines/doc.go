// Package lines keeps the book of a phone's lines: how many calls may be
// live at once, which one is current (the one the global methods act on
// and the one whose audio flows), which becomes current when it ends,
// and what answering one call does to the others that ring.
//
// It knows calls by id only and does no I/O, so the browser glue
// (cmd/kazoojs) and the user agent (ua) share one tested set of rules.
package lines
