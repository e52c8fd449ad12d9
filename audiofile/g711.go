package audiofile

// G.711 (ITU-T G.711) for 16-bit linear samples, defined once for the
// module: WAV files in µ-law or A-law, and kazoo-dev's media (package
// mediaserver), which encodes its prompts and tones and decodes what it
// hears with these.

// ULawEncode encodes one sample as μ-law (PCMU): a sign bit, a 3-bit segment
// and a 4-bit step of the biased magnitude, all inverted.
func ULawEncode(s int16) byte {
	const bias, clip = 0x84, 32635
	x, sign := int(s), byte(0)
	if x < 0 {
		x, sign = -x, 0x80
	}
	x = min(x, clip) + bias
	seg := 7
	for mask := 0x4000; x&mask == 0 && seg > 0; mask >>= 1 {
		seg--
	}
	return ^(sign | byte(seg<<4) | byte(x>>(seg+3)&0x0f))
}

// ALawEncode encodes one sample as A-law (PCMA): the 13-bit magnitude in a
// 3-bit segment and a 4-bit step, sign bit set for positive values,
// even bits inverted.
func ALawEncode(s int16) byte {
	x, mask := int(s)>>3, byte(0xd5)
	if x < 0 {
		x, mask = -x-1, 0x55
	}
	x = min(x, 0xfff)
	if x < 32 {
		return byte(x>>1) ^ mask
	}
	seg := 1
	for x >= 64<<(seg-1) {
		seg++
	}
	return (byte(seg<<4) | byte(x>>seg&0x0f)) ^ mask
}

// ULawDecode decodes one G.711 µ-law byte.
func ULawDecode(u byte) int16 {
	u = ^u
	x := ((int(u&0x0f) << 3) + 0x84) << (u >> 4 & 7)
	x -= 0x84
	if u&0x80 != 0 {
		x = -x
	}
	return int16(x)
}

// ALawDecode decodes one G.711 A-law byte.
func ALawDecode(a byte) int16 {
	a ^= 0x55
	m, seg := int(a&0x0f), int(a>>4&7)
	x := m<<4 + 8
	if seg > 0 {
		x = (m<<4 + 0x108) << (seg - 1)
	}
	if a&0x80 == 0 {
		x = -x
	}
	return int16(x)
}
