package rtmp

import (
	"encoding/binary"
	"fmt"
)

// Message type ids (RTMP specification §5.4, §7.1).
const (
	msgSetChunkSize     = 1
	msgAbort            = 2
	msgAck              = 3
	msgUserControl      = 4
	msgWindowAckSize    = 5
	msgSetPeerBandwidth = 6
	msgAudio            = 8
	msgVideo            = 9
	msgCommandAMF3      = 17
	msgDataAMF0         = 18
	msgCommandAMF0      = 20
)

// User control event types (§7.1.7).
const (
	eventStreamBegin  = 0
	eventStreamEOF    = 1
	eventPingRequest  = 6
	eventPingResponse = 7
)

// Chunk stream ids this package sends on. Control messages must use 2;
// the others are conventions (Flash and nginx use similar ones).
const (
	csidControl       = 2
	csidCommand       = 3 // commands on message stream 0
	csidAudio         = 4
	csidStreamCommand = 5 // commands on a media stream (publish, play, onStatus)
)

// defaultWindow is the acknowledgement window and peer bandwidth the
// server announces, the value Flash Media Server and nginx use.
const defaultWindow = 2500000

// Command is an AMF0 command message on a stream.
//
// AMF0 values map to Go as: number float64, boolean bool, string string,
// null and undefined nil, object and ECMA array map[string]any, strict
// array []any. When sending, other Go integer types are sent as numbers
// and [ECMAArray] as an ECMA array.
type Command struct {
	Name     string
	TxID     float64 // transaction id: 0 for commands that want no answer
	Object   any     // the command object, usually nil (null) or a map
	Args     []any   // the values after the command object
	StreamID uint32  // message stream id: 0 for the connection's own commands
}

// decodeCommand parses a command message. Type 17 (AMF3 command) carries
// a format byte before values that, for objectEncoding 0, are AMF0.
func decodeCommand(m message) (Command, error) {
	body := m.body
	if m.typ == msgCommandAMF3 {
		if len(body) == 0 || body[0] != 0 {
			return Command{}, fmt.Errorf("%w: AMF3 command", ErrMalformed)
		}
		body = body[1:]
	}
	vals, err := decodeAMF0(body)
	if err != nil {
		return Command{}, err
	}
	if len(vals) < 2 {
		return Command{}, fmt.Errorf("%w: command with %d values", ErrMalformed, len(vals))
	}
	name, ok1 := vals[0].(string)
	txid, ok2 := vals[1].(float64)
	if !ok1 || !ok2 {
		return Command{}, fmt.Errorf("%w: command without name and transaction id", ErrMalformed)
	}
	c := Command{Name: name, TxID: txid, StreamID: m.streamID}
	if len(vals) > 2 {
		c.Object = vals[2]
		c.Args = vals[3:]
	}
	return c, nil
}

func encodeCommand(c Command) ([]byte, error) {
	b, err := appendAMF0(nil, c.Name, c.TxID, c.Object)
	if err != nil {
		return nil, err
	}
	return appendAMF0(b, c.Args...)
}

func uint32Body(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func userControlBody(event uint16, v uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint16(nil, event), v)
}

// infoObject builds the information object of onStatus, _result and
// _error (§7.2.1.1).
func infoObject(level, code, desc string) map[string]any {
	return map[string]any{"level": level, "code": code, "description": desc}
}

// infoFields returns the code and description of the first information
// object among vals.
func infoFields(vals []any) (code, desc string) {
	for _, v := range vals {
		if m, ok := v.(map[string]any); ok {
			code, _ = m["code"].(string)
			desc, _ = m["description"].(string)
			if code != "" || desc != "" {
				return code, desc
			}
		}
	}
	return "", ""
}

// statusInfo returns the level, code and description of an onStatus.
func statusInfo(c Command) (level, code, desc string) {
	code, desc = infoFields(c.Args)
	for _, v := range c.Args {
		if m, ok := v.(map[string]any); ok {
			if level, _ = m["level"].(string); level != "" {
				break
			}
		}
	}
	return level, code, desc
}
