// Package pivot is the HTTP client side of Kazoo Pivot: when a call
// reaches a pivot callflow action, the phone system asks the developer's
// web application (the voice_url) what to do, and the application answers
// with Kazoo callflow JSON (package callflow), which the call then runs.
//
// Fetch sends the request. With GET the fields are query parameters
// (added to any query the voice_url already has); with POST they are an
// application/x-www-form-urlencoded body. The fields are Kazoo's:
//
//	Call-ID           the SIP Call-ID
//	Request           the SIP Request-URI user (the number dialled)
//	To                the SIP To user
//	From              the SIP From user
//	Account-ID        the account
//	Caller-ID-Name    caller ID name
//	Caller-ID-Number  caller ID number
//	User-ID           the caller's user (kazoo-dev: its SIP user name)
//	Language          the caller's language
//	Digits            digits of an unnamed collect_dtmf collection
//	Digits[name]      digits of a collection named by collection_name
//
// Empty fields are left out, as Kazoo leaves out what it does not know,
// except a named collection, sent even when empty (the caller pressed
// nothing). Kazoo's documentation describes Digits as an array of
// collections keyed by name ("default" for an unnamed one), which PHP
// reads from Digits[name]; older Kazoo sent a plain Digits string. Here an
// unnamed collection is the plain Digits=1, a named one Digits[name]=1.
//
// The reply must be 2xx, Content-Type application/json (parameters such
// as charset are fine), at most MaxBody bytes, and a valid callflow. GET
// requests follow up to 5 redirects; a POST follows only 307 and 308
// (which keep the body): a 301, 302 or 303 would turn it into a GET that
// drops the fields, so it is reported as an HTTP status error.
//
// Errors are *Error with a stable Key: pivot_bad_url, pivot_unreachable,
// pivot_timeout, pivot_canceled (the caller's context ended, e.g. the
// call hung up), pivot_http_status (Status set) and pivot_invalid_json
// (not JSON, not a callflow, wrong content type or too large). Messages
// never contain the URL's user name or password.
package pivot
