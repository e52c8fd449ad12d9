package rtmp

import (
	"crypto/rand"
	"fmt"
	"io"
)

// The handshake (RTMP specification §5.2) is the "simple" one: C1 and S1
// carry a zero version field, which tells nginx-rtmp and ffmpeg not to
// expect the digest scheme Flash Player used, and no side checks the
// echoes. Encrypted RTMPE (version byte 6) is not supported.
const (
	rtmpVersion   = 3
	handshakeSize = 1536
)

// handshakePacket returns a C1 or S1: time 0, zero version, random bytes.
func handshakePacket() []byte {
	p := make([]byte, handshakeSize)
	_, _ = rand.Read(p[8:])
	return p
}

// clientHandshake sends C0 C1, reads S0 S1 S2 and answers C2 (an echo of
// S1). r must be the reader later used for chunks, so that nothing the
// server sends right after S2 is lost.
func clientHandshake(r io.Reader, w io.Writer) error {
	if _, err := w.Write(append([]byte{rtmpVersion}, handshakePacket()...)); err != nil {
		return err
	}
	s := make([]byte, 1+2*handshakeSize)
	if _, err := io.ReadFull(r, s); err != nil {
		return fmt.Errorf("rtmp: handshake: %w", err)
	}
	if s[0] != rtmpVersion {
		return fmt.Errorf("%w: server handshake version %d", ErrMalformed, s[0])
	}
	_, err := w.Write(s[1 : 1+handshakeSize])
	return err
}

// serverHandshake reads C0 C1, sends S0 S1 S2 (an echo of C1) and reads
// C2, which it does not check.
func serverHandshake(r io.Reader, w io.Writer) error {
	c := make([]byte, 1+handshakeSize)
	if _, err := io.ReadFull(r, c[:1]); err != nil {
		return fmt.Errorf("rtmp: handshake: %w", err)
	}
	if c[0] != rtmpVersion {
		return fmt.Errorf("%w: client handshake version %d", ErrMalformed, c[0])
	}
	if _, err := io.ReadFull(r, c[1:]); err != nil {
		return fmt.Errorf("rtmp: handshake: %w", err)
	}
	s := append([]byte{rtmpVersion}, handshakePacket()...)
	s = append(s, c[1:]...)
	if _, err := w.Write(s); err != nil {
		return err
	}
	if _, err := io.ReadFull(r, c[1:]); err != nil {
		return fmt.Errorf("rtmp: handshake: %w", err)
	}
	return nil
}
