// Package audiofile reads and writes the audio kazoo-dev's callflows
// play and record, all as 8 kHz mono 16-bit samples ([]int16), the
// rate of G.711 telephony:
//
//   - ReadWAV decodes a RIFF/WAVE file: PCM 8-bit or 16-bit, µ-law
//     (format 7) or A-law (format 6), plain or WAVE_FORMAT_EXTENSIBLE,
//     mono or up to 8 channels (averaged to mono), at any rate from
//     4000 to 192000 Hz (resampled to 8000 Hz with a windowed-sinc
//     low-pass filter, so that nothing above 4 kHz folds back). Other
//     formats (float, 24-bit, ADPCM, MP3 in WAV…) are refused with an
//     error wrapping ErrFormat; data beyond MaxWAVBytes with ErrTooLarge.
//     MP3 files are not read: no MP3 decoder is among the module's
//     dependencies, so callflows play WAV only.
//   - WriteWAV writes 8 kHz mono PCM16 (a 44-byte header and the samples).
//   - TTS runs espeak-ng (never through a shell; the text is one
//     argument after "--", so it cannot be read as an option) with a
//     timeout, and returns its speech resampled to 8 kHz. Without
//     espeak-ng the error wraps ErrNoTTS.
//   - Digits and Number spell digits and numbers as English words, for
//     the say callflow module (which then speaks them through TTS).
//
// The package is pure Go and builds everywhere (TTS fails at run time
// where programs cannot be started, e.g. js/wasm).
package audiofile
