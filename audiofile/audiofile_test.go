package audiofile

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os/exec"
	"strings"
	"testing"
)

// goertzel is the power of frequency f in samples at rate.
func goertzel(samples []int16, f float64, rate int) float64 {
	c := 2 * math.Cos(2*math.Pi*f/float64(rate))
	var s1, s2 float64
	for _, x := range samples {
		s1, s2 = float64(x)+c*s1-s2, s1
	}
	return (s1*s1 + s2*s2 - c*s1*s2) / float64(len(samples))
}

func rms(samples []int16) float64 {
	var sum float64
	for _, v := range samples {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(max(1, len(samples))))
}

// wav builds a WAV file of a tone f at rate with channels (the same
// signal on each) and the given format tag, bits and sample encoder.
func wav(tag, channels, rate, bits int, seconds, f float64, enc func(int16) []byte) []byte {
	n := int(seconds * float64(rate))
	var data bytes.Buffer
	for i := range n {
		s := int16(10000 * math.Sin(2*math.Pi*f*float64(i)/float64(rate)))
		for range channels {
			data.Write(enc(s))
		}
	}
	return riff(tag, channels, rate, bits, data.Bytes(), uint32(data.Len()))
}

func riff(tag, channels, rate, bits int, data []byte, dataSize uint32) []byte {
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + 8 + 4 + len(data)))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(tag))
	le(uint16(channels))
	le(uint32(rate))
	le(uint32(rate * channels * bits / 8))
	le(uint16(channels * bits / 8))
	le(uint16(bits))
	b.WriteString("LIST") // a chunk to skip
	le(uint32(4))
	b.WriteString("INFO")
	b.WriteString("data")
	le(dataSize)
	b.Write(data)
	return b.Bytes()
}

func pcm16(s int16) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(s)) }

func TestWAVRoundTrip(t *testing.T) {
	in := make([]int16, 8000)
	for i := range in {
		in[i] = int16(i*37 - 20000)
	}
	var b bytes.Buffer
	if err := WriteWAV(&b, in); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 44+16000 || !bytes.Equal(b.Bytes()[20:24], []byte{1, 0, 1, 0}) ||
		binary.LittleEndian.Uint32(b.Bytes()[24:]) != 8000 {
		t.Fatalf("header % x", b.Bytes()[:44])
	}
	out, err := ReadWAV(&b)
	if err != nil {
		t.Fatal(err)
	}
	if !slicesEqual(in, out) {
		t.Fatal("round trip changed the samples")
	}
}

func slicesEqual(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A tone keeps its frequency through resampling, and a tone above
// 4 kHz does not fold back into the band.
func TestResampleKeepsFrequency(t *testing.T) {
	for _, c := range []struct {
		rate, channels int
		f              float64
	}{{16000, 1, 440}, {44100, 2, 440}, {48000, 2, 1000}, {22050, 1, 3000}, {11025, 1, 700}, {8000, 2, 440}} {
		pcm, err := ReadWAV(bytes.NewReader(wav(1, c.channels, c.rate, 16, 1, c.f, pcm16)))
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if len(pcm) < 7990 || len(pcm) > 8000 {
			t.Fatalf("%+v: %d samples for one second", c, len(pcm))
		}
		body := pcm[200 : len(pcm)-200] // the edges of the filter
		p := goertzel(body, c.f, Rate)
		for _, other := range []float64{c.f * 0.7, c.f * 1.3, 200, 3500} {
			if q := goertzel(body, other, Rate); q*1000 > p {
				t.Errorf("%+v: power at %v Hz %.3g vs %.3g at the tone", c, other, q, p)
			}
		}
		if r := rms(body); r < 6500 || r > 7600 { // 10000/√2
			t.Errorf("%+v: RMS %.0f", c, r)
		}
	}
	// 5 kHz at 48 kHz would alias to 3 kHz without the low-pass filter
	pcm, err := ReadWAV(bytes.NewReader(wav(1, 1, 48000, 16, 1, 5000, pcm16)))
	if err != nil {
		t.Fatal(err)
	}
	if r := rms(pcm[200 : len(pcm)-200]); r > 100 {
		t.Fatalf("5 kHz tone resampled to 8 kHz has RMS %.0f", r)
	}
}

func TestReadWAVG711(t *testing.T) {
	for _, c := range []struct {
		tag int
		enc func(int16) []byte
	}{
		{7, func(s int16) []byte { return []byte{ULawEncode(s)} }},
		{6, func(s int16) []byte { return []byte{ALawEncode(s)} }},
		{1, func(s int16) []byte { return []byte{byte(int(s)>>8 + 128)} }},
	} {
		pcm, err := ReadWAV(bytes.NewReader(wav(c.tag, 1, 8000, 8, 0.5, 1000, c.enc)))
		if err != nil {
			t.Fatalf("format %d: %v", c.tag, err)
		}
		if len(pcm) != 4000 {
			t.Fatalf("format %d: %d samples", c.tag, len(pcm))
		}
		if r := rms(pcm); r < 6500 || r > 7600 {
			t.Errorf("format %d: RMS %.0f", c.tag, r)
		}
		if goertzel(pcm, 1000, Rate) < 100*goertzel(pcm, 1500, Rate) {
			t.Errorf("format %d: the 1 kHz tone is not there", c.tag)
		}
	}
}

// A streamed WAV (espeak-ng --stdout) has a data size larger than the
// file: it is read to the end.
func TestReadWAVStreamed(t *testing.T) {
	var data []byte
	for range 800 {
		data = append(data, pcm16(1000)...)
	}
	pcm, err := ReadWAV(bytes.NewReader(riff(1, 1, 8000, 16, data, 0x7ffff000)))
	if err != nil || len(pcm) != 800 {
		t.Fatalf("%d samples, %v", len(pcm), err)
	}
}

func TestReadWAVBad(t *testing.T) {
	good := wav(1, 1, 8000, 16, 0.1, 440, pcm16)
	float := wav(3, 1, 8000, 32, 0.1, 440, func(int16) []byte { return make([]byte, 4) })
	mp3 := wav(0x55, 1, 8000, 0, 0.1, 440, func(int16) []byte { return nil })
	for name, b := range map[string][]byte{
		"empty":       nil,
		"text":        []byte("hello, this is not audio at all"),
		"mp3 file":    append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), make([]byte, 100)...),
		"no data":     good[:44],
		"float":       float,
		"mp3 in wav":  mp3,
		"24-bit":      wav(1, 1, 8000, 24, 0.1, 440, func(int16) []byte { return make([]byte, 3) }),
		"9 channels":  wav(1, 9, 8000, 16, 0.01, 440, pcm16),
		"rate 100":    wav(1, 1, 100, 16, 1, 10, pcm16),
		"short fmt":   []byte("RIFF\x20\x00\x00\x00WAVEfmt \x04\x00\x00\x00\x01\x00\x01\x00"),
		"data first":  []byte("RIFF\x20\x00\x00\x00WAVEdata\x04\x00\x00\x00\x01\x00\x01\x00"),
		"trunc chunk": []byte("RIFF\x20\x00\x00\x00WAVEjunk\xff\x00\x00\x00\x01\x00\x01\x00"),
	} {
		if _, err := ReadWAV(bytes.NewReader(b)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", name, err)
		}
	}
	if _, err := ReadWAV(bytes.NewReader(float)); err == nil || !strings.Contains(err.Error(), "IEEE float") {
		t.Errorf("the error names the format: %v", err)
	}
	// too large: a streamed data chunk that never ends
	huge := riff(1, 1, 8000, 16, nil, 0xffffffff)
	r := io2(huge, MaxWAVBytes+10)
	if _, err := ReadWAV(r); !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge: %v, want ErrTooLarge", err)
	}
}

// io2 is head followed by zero bytes, n bytes in all.
func io2(head []byte, n int) *bytes.Reader {
	b := make([]byte, n)
	copy(b, head)
	return bytes.NewReader(b)
}

func TestSay(t *testing.T) {
	for in, want := range map[string]string{"1*2#": "one star two pound", "0 9": "zero nine", "+1a": "plus one A"} {
		if got := Digits(in); got != want {
			t.Errorf("Digits(%q) = %q, want %q", in, got, want)
		}
	}
	for n, want := range map[int64]string{
		0: "zero", 7: "seven", 13: "thirteen", 40: "forty", 95: "ninety five", 100: "one hundred",
		1234:     "one thousand two hundred thirty four",
		-5:       "minus five",
		2000016:  "two million sixteen",
		1e9 + 10: "one billion ten",
	} {
		if got := Number(n); got != want {
			t.Errorf("Number(%d) = %q, want %q", n, got, want)
		}
	}
	if got := Number(math.MinInt64); !strings.HasPrefix(got, "minus nine quintillion") {
		t.Errorf("Number(MinInt64) = %q", got)
	}
}

func TestTTS(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng is not installed: TTS not tested")
	}
	pcm, err := TTS(context.Background(), "-v press one for sales", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) < Rate/2 || len(pcm) > 10*Rate {
		t.Fatalf("%d samples", len(pcm))
	}
	if r := rms(pcm); r < 300 {
		t.Fatalf("speech RMS %.0f", r)
	}
	if _, err := TTS(context.Background(), "hello", "-x"); err == nil {
		t.Error("a voice that looks like an option is refused")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := TTS(ctx, "hello", "en"); err == nil {
		t.Error("a cancelled context fails")
	}
}

func TestTTSMissing(t *testing.T) {
	old := TTSCommand
	TTSCommand = "kazoo-no-such-espeak"
	defer func() { TTSCommand = old }()
	_, err := TTS(context.Background(), "hello", "en")
	if !errors.Is(err, ErrNoTTS) || !strings.Contains(err.Error(), "not installed") {
		t.Fatalf("%v", err)
	}
}
