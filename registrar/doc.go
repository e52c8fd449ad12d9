// Package registrar is the location service and the account check of
// kazoo-dev's embedded SIP server: who the users are (digest credentials,
// RFC 3261 §22, RFC 7616 with MD5 and SHA-256 as RFC 8760 allows) and
// where they can be reached (bindings made by REGISTER, RFC 3261 §10.3).
//
// # Bindings
//
// An address of record (user@domain) has any number of bindings; a
// request for it forks to all of them. Each binding remembers the flow it
// was registered over (transport and source address): a browser's
// Contact (sip:x@y.invalid;transport=ws, RFC 7118) cannot be dialled, so
// requests reach it over that flow. A binding is the same as an earlier
// one when both carry the same RFC 5626 +sip.instance and reg-id (the
// newer flow replaces the older), or else the same Contact URI.
//
// Lifetimes come from the Contact's expires parameter, else the Expires
// header, else 3600 s; they are capped at MaxExpires (3600 s) and one
// below MinExpires (60 s) is answered 423 with Min-Expires. Expired
// bindings are removed by Sweep, and bindings of a flow that closed by
// DropFlow (as Kamailio does with handle_lost_tcp), so a closed tab is no
// longer rung.
//
// # GRUU (RFC 5627)
//
// When the REGISTER says Supported: gruu and the Contact has a
// +sip.instance, the 200 OK gives each such binding a public GRUU,
// sip:<user>@<domain>;gr=urn:uuid:<instance>, and a temporary one,
// sip:tgruu.<token>@<domain>;gr. Lookup of a GRUU reaches only that
// instance, on whatever flow it registered last: that is how a call
// survives a reconnect of either end.
//
// # Digest
//
// Challenges are stateless: a nonce is a timestamp and an HMAC of it
// under a per-process secret, valid for NonceLifetime (300 s); an older
// one is answered with stale=true. qop=auth only. The digest user must
// be the user of the To URI (REGISTER) or of the From URI (other
// requests), else 403, as Kamailio's auth_check with flag 1 does.
// Nonce-count replay is not tracked (a development server).
package registrar
