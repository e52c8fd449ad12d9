package audiofile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// ErrNoTTS: text-to-speech is not available (espeak-ng is not
// installed) or failed.
var ErrNoTTS = errors.New("audiofile: text-to-speech unavailable")

// TTSCommand is the espeak-ng program TTS runs, looked up in PATH.
var TTSCommand = "espeak-ng"

// Limits of TTS: the text's length, the time espeak-ng may take, and
// the size of its output (about 12 minutes of its 22 kHz speech).
const (
	MaxTTSText = 8000
	TTSTimeout = 30 * time.Second
	maxTTSWAV  = 32 << 20
)

var voiceRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_+./-]{0,63}$`)

// TTS speaks text with espeak-ng in voice (default "en"; an espeak-ng
// voice or language name such as "en-us", "fr", "en+f3") and returns
// 8 kHz mono samples. espeak-ng runs directly (no shell) with the text
// as its last argument after "--", bounded by TTSTimeout and ctx.
func TTS(ctx context.Context, text, voice string) ([]int16, error) {
	if voice == "" {
		voice = "en"
	}
	if !voiceRE.MatchString(voice) {
		return nil, fmt.Errorf("audiofile: TTS voice %q is not a voice name", voice)
	}
	if len(text) > MaxTTSText {
		return nil, fmt.Errorf("audiofile: TTS text of %d bytes (at most %d)", len(text), MaxTTSText)
	}
	if strings.ContainsRune(text, 0) {
		return nil, errors.New("audiofile: TTS text contains a NUL byte")
	}
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	path, err := exec.LookPath(TTSCommand)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not installed (Debian/Ubuntu: apt install espeak-ng): %v", ErrNoTTS, TTSCommand, err)
	}
	ctx, cancel := context.WithTimeout(ctx, TTSTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--stdout", "-v", voice, "--", text)
	out, stderr := &limitedBuffer{max: maxTTSWAV}, &limitedBuffer{max: 4096}
	cmd.Stdout, cmd.Stderr = out, stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrNoTTS, TTSCommand, ctx.Err())
		}
		msg := strings.TrimSpace(stderr.String())
		return nil, fmt.Errorf("%w: %s -v %s: %v %s", ErrNoTTS, TTSCommand, voice, err, msg)
	}
	if out.over {
		return nil, fmt.Errorf("%w: speech longer than %d bytes", ErrTooLarge, maxTTSWAV)
	}
	pcm, err := ReadWAV(&out.Buffer)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s's output: %v", ErrNoTTS, TTSCommand, err)
	}
	return pcm, nil
}

// limitedBuffer keeps the first max bytes written to it and drops the
// rest.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		b.Buffer.Write(p[:max(0, room)])
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
