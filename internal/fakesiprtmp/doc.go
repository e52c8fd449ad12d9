// Package fakesiprtmp is a FAKE of how rtclite's siprtmp.py gateway
// (Python 2, on rtmplite's RTMP server) answers RPCs, for the tests of
// packages relay and rtmpua. Their fake gateways answer through it, so
// they fail where the real siprtmp fails.
//
// What siprtmp does (rtclite's vnd/adobe/siprtmp.py and rtmp.py):
//
//   - Gateway.onCommand calls the method rtmp_<name> of the connection's
//     context if there is one, and only logs "invalid command" if there
//     is not. rtmplite's server answers every command that returns with
//     _result: a null command object and nothing after it. An unknown RPC
//     such as transfer is therefore answered _result, and nothing else
//     follows.
//   - The rtmp_ methods are generators: calling one only binds its
//     arguments; the work runs later, and an error in it is logged, never
//     answered. A wrong number of arguments fails the binding at once
//     (Python's TypeError); rtmplite then answers _error, with a null
//     command object and nothing after it (no information object).
//   - The methods and their arguments: invite(dest, *codecs),
//     accept(*codecs), reject(reason='Decline'), bye(), sendDTMF(digit),
//     hold(value). sendDTMF has no mode argument: sendDTMF(digit, "info")
//     is refused.
//   - reject sends no callback; neither does bye on a pending outgoing
//     invite (the invite is dropped without a rejected or cancelled).
package fakesiprtmp
