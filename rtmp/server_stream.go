package rtmp

import (
	"errors"
	"fmt"
)

// handle processes one message from the client on the read goroutine.
func (c *ServerConn) handle(m message) error {
	switch m.typ {
	case msgAudio:
		c.mu.Lock()
		st := c.streams[m.streamID]
		publishing := st != nil && st.mode == streamPublishing
		c.mu.Unlock()
		if publishing {
			c.conn.deliverAudio(c.audio, Audio{StreamID: m.streamID, Timestamp: m.ts, Data: m.body})
		}
	case msgCommandAMF0, msgCommandAMF3:
		cmd, err := decodeCommand(m)
		if err != nil {
			return err
		}
		return c.dispatch(cmd)
	}
	return nil // video, data messages and others are ignored
}

func (c *ServerConn) dispatch(cmd Command) error {
	c.mu.Lock()
	accepted := c.state == connectAccepted
	c.mu.Unlock()
	if !accepted || cmd.Name == "connect" {
		if cmd.TxID != 0 {
			return c.ReplyError(cmd.TxID, "not connected")
		}
		return nil
	}
	switch cmd.Name {
	case "createStream":
		return c.createStream(cmd)
	case "publish":
		return c.startStream(cmd, streamPublishing)
	case "play":
		return c.startStream(cmd, streamPlaying)
	case "closeStream", "deleteStream":
		return c.closeStream(cmd)
	}
	return deliver(c.commands, cmd)
}

func (c *ServerConn) createStream(cmd Command) error {
	c.mu.Lock()
	id := c.nextStream
	full := len(c.streams) >= maxStreams
	if !full {
		c.streams[id] = &serverStream{}
		c.nextStream++
	}
	c.mu.Unlock()
	if full {
		return c.ReplyError(cmd.TxID, "too many streams")
	}
	return c.Reply(cmd.TxID, float64(id))
}

// startStream handles publish and play: the first argument is the stream
// name; the hook may refuse it.
func (c *ServerConn) startStream(cmd Command, mode int) error {
	name, _ := firstArg(cmd).(string)
	prefix, refusal := "NetStream.Publish.", "NetStream.Publish.BadName"
	if mode == streamPlaying {
		prefix, refusal = "NetStream.Play.", "NetStream.Play.StreamNotFound"
	}
	c.mu.Lock()
	st := c.streams[cmd.StreamID]
	hook := c.onPublish
	if mode == streamPlaying {
		hook = c.onPlay
	}
	c.mu.Unlock()
	var err error
	switch {
	case st == nil:
		err = fmt.Errorf("no stream %d", cmd.StreamID)
	case st.mode != streamIdle:
		err = fmt.Errorf("stream %d is already in use", cmd.StreamID)
	case name == "":
		err = errors.New("no stream name")
	case hook != nil:
		err = hook(cmd.StreamID, name)
	}
	if err != nil {
		code, desc := refusal, err.Error()
		var se *StatusError
		if errors.As(err, &se) {
			code, desc = se.Code, se.Description
		}
		return c.onStatus(cmd.StreamID, "error", code, desc)
	}
	c.mu.Lock()
	st.mode, st.name = mode, name
	c.mu.Unlock()
	if mode == streamPublishing {
		return c.onStatus(cmd.StreamID, "status", prefix+"Start", name+" is now published.")
	}
	if err := c.conn.writeControl(msgUserControl, userControlBody(eventStreamBegin, cmd.StreamID)); err != nil {
		return err
	}
	return c.onStatus(cmd.StreamID, "status", prefix+"Start", "Started playing "+name+".")
}

// closeStream handles closeStream, sent on the stream itself, and
// deleteStream, sent on stream 0 with the stream id as argument.
func (c *ServerConn) closeStream(cmd Command) error {
	id := cmd.StreamID
	if f, ok := firstArg(cmd).(float64); ok && id == 0 {
		id = uint32(f)
	}
	c.mu.Lock()
	st := c.streams[id]
	var name string
	active := st != nil && st.mode != streamIdle
	if active {
		name = st.name
		st.mode, st.name = streamIdle, ""
	}
	if cmd.Name == "deleteStream" {
		delete(c.streams, id)
	}
	hook := c.onClose
	c.mu.Unlock()
	if active && hook != nil {
		hook(id, name)
	}
	if cmd.TxID != 0 {
		return c.Reply(cmd.TxID)
	}
	return nil
}

func (c *ServerConn) onStatus(stream uint32, level, code, desc string) error {
	info := infoObject(level, code, desc)
	return c.conn.writeCommand(Command{Name: "onStatus", Args: []any{info}, StreamID: stream})
}

func firstArg(cmd Command) any {
	if len(cmd.Args) == 0 {
		return nil
	}
	return cmd.Args[0]
}
